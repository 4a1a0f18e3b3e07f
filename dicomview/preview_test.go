package dicomview

import (
	"image"
	"math"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// TestPreview checks the display-size preview of 4.dcm: its size, that it
// is the full render reduced (within the resampling's rounding), and its
// errors.
func TestPreview(t *testing.T) {
	im, err := Load(dicomtest.File(t, "4.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := im.Preview(1, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if p.Width != 842 || p.Height != 1024 {
		t.Fatalf("preview %d×%d, want 842×1024", p.Width, p.Height)
	}
	w := Window{Center: 511, Width: 1023} // linear over the whole range: resampling commutes
	got, err := p.Render(w)
	if err != nil {
		t.Fatal(err)
	}
	full, err := im.Render(1, w)
	if err != nil {
		t.Fatal(err)
	}
	ref := resize(planeOf(full), 842, 1024)
	off := 0
	for i, v := range got.Pix {
		if diff(v, toByte(ref.pix[i])) > 1 {
			off++
		}
	}
	if off > len(got.Pix)/1000 {
		t.Errorf("%d of %d preview pixels differ by more than 1 from the reduced full render", off, len(got.Pix))
	}
	if err := p.RenderInto(image.NewGray(image.Rect(0, 0, 10, 10)), w); err == nil {
		t.Error("RenderInto a 10×10 image succeeded")
	}
	if err := p.RenderInto(got, Window{Width: 0}); err == nil {
		t.Error("RenderInto with width 0 succeeded")
	}
	small, err := im.Preview(1, 100000)
	if err != nil || small.Width != im.Width || small.Height != im.Height {
		t.Errorf("Preview larger than the image: %v, %v; want the image's size", small, err)
	}
	if _, err := im.Preview(2, 1024); err == nil {
		t.Error("Preview of frame 2 of a 1-frame image succeeded")
	}
}

// TestPreviewValuesAsResize: the preview's values, resampled row by row,
// are resize's to the bit, for reductions and enlargements, odd sizes and
// values beyond a byte's range (Hounsfield units).
func TestPreviewValuesAsResize(t *testing.T) {
	for _, c := range [][4]int{{2140, 1760, 1024, 842}, {512, 512, 300, 300}, {301, 97, 640, 206}, {7, 5, 3, 2}, {64, 64, 64, 64}} {
		w, h, dw, dh := c[0], c[1], c[2], c[3]
		vals := make([]float32, w*h)
		for i := range vals {
			vals[i] = float32((i*7919)%4096) - 1024.5
		}
		got := resizeValues(vals, w, h, dw, dh)
		want := resize(plane{w: w, h: h, ch: 1, pix: vals}, dw, dh).pix
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%d×%d → %d×%d: value %d is %v, resize gives %v", w, h, dw, dh, i, got[i], want[i])
			}
		}
	}
}
