package pacs

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
)

// acceptDICOM asks WADO-RS for the instances as stored (any transfer
// syntax), each a part of a multipart/related answer.
const acceptDICOM = `multipart/related; type="application/dicom"; transfer-syntax=*`

// partReader returns the parts of a multipart/related answer whose
// Content-Type is contentType; anything else is a malformed answer.
func partReader(contentType string, body io.Reader) (*multipart.Reader, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, fmt.Errorf("Content-Type %q: %v", contentType, err)
	}
	if !strings.EqualFold(mt, "multipart/related") {
		return nil, fmt.Errorf("Content-Type is %s, not multipart/related", mt)
	}
	b := params["boundary"]
	if b == "" {
		return nil, errors.New("multipart/related without a boundary")
	}
	return multipart.NewReader(body, b), nil
}

// checkPart10 refuses a part that is not a DICOM Part-10 file (128-byte
// preamble then "DICM").
func checkPart10(head []byte) error {
	if len(head) < 132 || string(head[128:132]) != "DICM" {
		return errNotPart10
	}
	return nil
}

// readError marks an error of reading the server's answer, as opposed to
// writing the cache.
type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }
func (e readError) Unwrap() error { return e.err }

// markReads wraps r so that its errors (but io.EOF) are readErrors.
type markReads struct{ r io.Reader }

func (m markReads) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err != nil && err != io.EOF {
		err = readError{err}
	}
	return n, err
}

// stowBody streams files as a multipart/related body of
// application/dicom parts into w, and closes w with the first error.
// Each file is checked to be DICOM Part-10 before it is sent.
func stowBody(w *io.PipeWriter, mw *multipart.Writer, files []string) {
	err := func() error {
		for _, p := range files {
			if err := sendFile(mw, p); err != nil {
				return err
			}
		}
		return mw.Close()
	}()
	w.CloseWithError(err)
}

func sendFile(mw *multipart.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 4096)
	head, _ := br.Peek(132)
	if err := checkPart10(head); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/dicom"}})
	if err != nil {
		return err
	}
	_, err = io.Copy(pw, br)
	return err
}

var errNotPart10 = errors.New("not a DICOM Part-10 file (no DICM marker after the 128-byte preamble)")

// newBoundary is a random multipart boundary.
func newBoundary() string {
	var b [16]byte
	rand.Read(b[:])
	return "medgemma-" + hex.EncodeToString(b[:])
}
