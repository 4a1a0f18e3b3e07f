package dicomview

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"math"
)

// Range is a closed interval of modality values (Hounsfield units for
// CT) that a channel maps linearly onto 0…255.
type Range struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// RangeOf returns the range a window (centre, width) spans as Google's
// MedGemma serving code reads it: centre ± ⌊width/2⌋
// (`window_accurate` in python/data_processing/image_utils.py).
func RangeOf(center, width float64) Range {
	half := math.Floor(width / 2)
	return Range{Lo: center - half, Hi: center + half}
}

// String writes the range as "[-1024, 1024]".
func (r Range) String() string {
	return fmt.Sprintf("[%g, %g]", r.Lo, r.Hi)
}

// scaleByte maps v from r onto 0…255 as numpy does in Google's code:
// clip to r, (v − lo) / (hi − lo) × 255, rounded half to even. An empty
// range (hi ≤ lo) maps everything to 255, as Google's MRI volume code
// does for a constant volume.
func scaleByte(v float64, r Range) uint8 {
	d := r.Hi - r.Lo
	if d <= 0 {
		return 255
	}
	switch {
	case v <= r.Lo:
		return 0
	case v >= r.Hi:
		return 255
	}
	return uint8(math.RoundToEven((v - r.Lo) / d * 255))
}

// windowByte maps a Hounsfield value onto 0…255 as the CT notebook's
// norm() and np.round do, in float32 as numpy computes on its float32
// array: clip to r, − lo, ÷ (hi − lo), × 255, rounded half to even.
func windowByte(v float32, r Range) uint8 {
	lo, hi := float32(r.Lo), float32(r.Hi)
	if !(hi > lo) {
		return 255
	}
	x := min(max(v, lo), hi)
	x = float32(x - lo)
	x = float32(x / float32(hi-lo))
	x = float32(x * 255)
	return uint8(math.RoundToEven(float64(x)))
}

// HUWindows renders a greyscale CT frame with one window a channel: R, G
// and B are the Hounsfield ranges ws[0], ws[1], ws[2], each mapped with
// windowByte. This is the three-window encoding MedGemma 1.5 was trained
// on; which ranges is the recipe's choice.
func (im *Image) HUWindows(frame int, ws [3]Range) (*image.RGBA, error) {
	if err := im.checkFrame(frame); err != nil {
		return nil, fmt.Errorf("windows %s: %w", im.Path, err)
	}
	if im.Modality != "CT" || im.layout.samples != 1 || im.palette != nil {
		return nil, fmt.Errorf("windows %s: %w", im.Path, unsupported("Hounsfield windows need a greyscale CT image; this is %s %s",
			cmpOr(im.Modality, "an image without modality"), im.Photometric))
	}
	vals, err := im.modality(frame)
	if err != nil {
		return nil, fmt.Errorf("windows %s: %w", im.Path, err)
	}
	out := image.NewRGBA(image.Rect(0, 0, im.Width, im.Height))
	parallelRows(im.Height, func(y0, y1 int) {
		for i := y0 * im.Width; i < y1*im.Width; i++ {
			v := vals[i]
			px := out.Pix[4*i : 4*i+4 : 4*i+4]
			px[0], px[1], px[2], px[3] = windowByte(v, ws[0]), windowByte(v, ws[1]), windowByte(v, ws[2]), 0xff
		}
	})
	return out, nil
}

// ValueRange returns the smallest and largest modality value of a
// greyscale frame (an MR volume's stretch is the union over its slices).
func (im *Image) ValueRange(frame int) (Range, error) {
	if err := im.checkFrame(frame); err != nil {
		return Range{}, fmt.Errorf("value range %s: %w", im.Path, err)
	}
	if im.layout.samples != 1 || im.palette != nil {
		return Range{}, fmt.Errorf("value range %s: %w", im.Path, unsupported("a greyscale image is needed; this is %s", im.Photometric))
	}
	vals, err := im.modality(frame)
	if err != nil {
		return Range{}, fmt.Errorf("value range %s: %w", im.Path, err)
	}
	lo, hi := minMax(vals)
	return Range{Lo: lo, Hi: hi}, nil
}

// Stretch renders a greyscale frame with r mapped onto 0…255 (scaleByte),
// without inversion: the min–max stretch Google's serving code applies to
// an MRI volume, r being the range of the whole acquisition.
func (im *Image) Stretch(frame int, r Range) (*image.Gray, error) {
	if _, err := im.ValueRange(frame); err != nil {
		return nil, err
	}
	vals, err := im.modality(frame)
	if err != nil {
		return nil, fmt.Errorf("stretch %s: %w", im.Path, err)
	}
	out := image.NewGray(image.Rect(0, 0, im.Width, im.Height))
	parallelRows(im.Height, func(y0, y1 int) {
		for i := y0 * im.Width; i < y1*im.Width; i++ {
			out.Pix[i] = scaleByte(float64(vals[i]), r)
		}
	})
	return out, nil
}

// Radiograph renders a greyscale frame as Google's serving code prepares
// a chest X-ray: modality values (the rescale or Modality LUT), windowed
// with the file's first window (RangeOf) when it has one, else stretched
// over the frame's own minimum to maximum, and inverted for MONOCHROME1.
// It returns the range used.
func (im *Image) Radiograph(frame int) (*image.Gray, Range, error) {
	full, err := im.ValueRange(frame)
	if err != nil {
		return nil, Range{}, err
	}
	r := full
	if ws := im.frames[frame-1].windows; len(ws) > 0 {
		r = RangeOf(ws[0].Center, ws[0].Width)
	}
	out, err := im.Stretch(frame, r)
	if err != nil {
		return nil, Range{}, err
	}
	if im.Photometric == "MONOCHROME1" {
		for i, v := range out.Pix {
			out.Pix[i] = 255 - v
		}
	}
	return out, r, nil
}

// EncodeJPEG encodes img as baseline JPEG at quality q (Go's encoder:
// 4:2:0 chroma for colour, as Pillow's default), and returns the bytes
// and their SHA-256 in hex. The same image gives the same bytes.
func EncodeJPEG(img image.Image, q int) ([]byte, string, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		return nil, "", fmt.Errorf("encode JPEG: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), hex.EncodeToString(sum[:]), nil
}
