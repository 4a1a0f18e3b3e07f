package dicomview

import (
	"fmt"
	"image"
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

// windowTable holds windowByte of three windows for every whole HU value
// between the lowest window's low end and the highest one's high end
// (values outside map to 0 or 255 in every window); other values are
// computed as they come.
type windowTable struct {
	ws    [3]Range
	lo    int32
	bytes []uint8 // 3 a value, from lo
}

func newWindowTable(ws [3]Range) windowTable {
	t := windowTable{ws: ws}
	lo := math.Floor(min(ws[0].Lo, ws[1].Lo, ws[2].Lo))
	hi := math.Ceil(max(ws[0].Hi, ws[1].Hi, ws[2].Hi))
	if hi-lo > 1<<16 || hi < lo { // an odd window: no table
		return t
	}
	t.lo = int32(lo)
	t.bytes = make([]uint8, 3*(int(hi-lo)+1))
	for i := range len(t.bytes) / 3 {
		v := float32(int32(lo) + int32(i))
		t.bytes[3*i], t.bytes[3*i+1], t.bytes[3*i+2] = windowByte(v, ws[0]), windowByte(v, ws[1]), windowByte(v, ws[2])
	}
	return t
}

// put writes v's three window bytes into px[0:3].
func (t windowTable) put(px []uint8, v float32) {
	if iv := int32(v); float32(iv) == v && t.bytes != nil {
		k := int(iv - t.lo)
		switch {
		case k < 0:
			k = 0
		case 3*k >= len(t.bytes):
			k = len(t.bytes)/3 - 1
		}
		px[0], px[1], px[2] = t.bytes[3*k], t.bytes[3*k+1], t.bytes[3*k+2]
		return
	}
	px[0], px[1], px[2] = windowByte(v, t.ws[0]), windowByte(v, t.ws[1]), windowByte(v, t.ws[2])
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
	out := image.NewRGBA(image.Rect(0, 0, im.Width, im.Height))
	t := newWindowTable(ws)
	if mod, lowest := modalityTable(im.layout, im.frames[frame-1]); mod != nil {
		// Up to 16 stored bits: a table of every stored value's bytes (the
		// same modality value, so the same bytes), without a float frame.
		raw, err := im.frameRaw(frame)
		if err != nil {
			return nil, fmt.Errorf("windows %s: %w", im.Path, err)
		}
		table := make([]uint8, 4*len(mod))
		for k, v := range mod {
			t.put(table[4*k:4*k+3:4*k+3], v)
			table[4*k+3] = 0xff
		}
		applyTableN(out.Pix, 4, raw, im.layout, table, lowest)
		return out, nil
	}
	vals, err := im.modality(frame)
	if err != nil {
		return nil, fmt.Errorf("windows %s: %w", im.Path, err)
	}
	parallelRows(im.Height, func(y0, y1 int) {
		for i := y0 * im.Width; i < y1*im.Width; i++ {
			px := out.Pix[4*i : 4*i+4 : 4*i+4]
			t.put(px, vals[i])
			px[3] = 0xff
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
