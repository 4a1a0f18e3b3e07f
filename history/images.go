package history

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// ImageRecord is one model-input image: the exact PNG bytes MedGemma
// received and how they were made from the source file.
type ImageRecord struct {
	// SHA256 is the lowercase hex SHA-256 of PNG; it is the image's key.
	SHA256 string
	PNG    []byte
	// Source is the base name of the file the image was prepared from.
	Source string
	// Frame is the index of the frame taken from a multi-frame source.
	Frame int
	// WindowCenter and WindowWidth are the display window applied.
	WindowCenter, WindowWidth float64
	// Encoding describes how the pixels were encoded into the PNG.
	Encoding      string
	Width, Height int
	// Codec is the codec step before the resize ("jpeg q75") and
	// CodecSHA256 the SHA-256 of its bytes; "" when lossless.
	Codec, CodecSHA256 string
}

// PutImage stores a model-input PNG once, content-addressed by its SHA-256
// hex. It is idempotent: storing an image that is already there does nothing,
// and the metadata recorded the first time is kept. It fails if SHA256 is not
// the lowercase hex SHA-256 of PNG.
func (s *Store) PutImage(ctx context.Context, img ImageRecord) error {
	if err := checkSHA256(img.SHA256); err != nil {
		return s.errorf("put image: %w", err)
	}
	if sum := sha256.Sum256(img.PNG); hex.EncodeToString(sum[:]) != img.SHA256 {
		return s.errorf("put image %s: sha256 does not match the png bytes", img.SHA256)
	}
	_, err := s.db.ExecContext(ctx, `
INSERT INTO images (sha256, stored_at, source, frame, window_center, window_width, encoding, width, height, png, codec, codec_sha256)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (sha256) DO NOTHING`,
		img.SHA256, formatTime(time.Now()), img.Source, img.Frame, img.WindowCenter, img.WindowWidth,
		img.Encoding, img.Width, img.Height, img.PNG, img.Codec, img.CodecSHA256)
	if err != nil {
		return s.errorf("put image %s: %w", img.SHA256, err)
	}
	return nil
}

// ImagePNG returns the PNG bytes of the image with the given SHA-256 hex, or
// an error wrapping ErrNotFound if it is not stored.
func (s *Store) ImagePNG(ctx context.Context, sha string) ([]byte, error) {
	var png []byte
	err := s.db.QueryRowContext(ctx, `SELECT png FROM images WHERE sha256 = ?`, sha).Scan(&png)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.errorf("image %s: %w", sha, ErrNotFound)
	}
	if err != nil {
		return nil, s.errorf("image %s: %w", sha, err)
	}
	return png, nil
}

// ImageInfo returns what is recorded of the image with the given SHA-256
// hex, without its PNG bytes, or an error wrapping ErrNotFound.
func (s *Store) ImageInfo(ctx context.Context, sha string) (ImageRecord, error) {
	im := ImageRecord{SHA256: sha}
	err := s.db.QueryRowContext(ctx, `
SELECT source, frame, window_center, window_width, encoding, width, height, codec, codec_sha256 FROM images WHERE sha256 = ?`, sha).
		Scan(&im.Source, &im.Frame, &im.WindowCenter, &im.WindowWidth, &im.Encoding, &im.Width, &im.Height, &im.Codec, &im.CodecSHA256)
	if errors.Is(err, sql.ErrNoRows) {
		return im, s.errorf("image %s: %w", sha, ErrNotFound)
	}
	if err != nil {
		return im, s.errorf("image %s: %w", sha, err)
	}
	return im, nil
}

// checkSHA256 reports whether s is 64 lowercase hex digits.
func checkSHA256(s string) error {
	if len(s) != 2*sha256.Size {
		return fmt.Errorf("sha256 %q: want %d hex digits", s, 2*sha256.Size)
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("sha256 %q: want lowercase hex", s)
		}
	}
	return nil
}
