package dicomview

import (
	"encoding/binary"
	"image"
	"math"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// TestSampleFileFacts checks what a reader of the sample files can see:
// 4.dcm (MONOCHROME1) shows bright bone over dark lungs, 5.dcm's two frames
// differ, and 3.dcm's RescaleSlope of 7.8393163681 is applied.
func TestSampleFileFacts(t *testing.T) {
	cr, err := Load(dicomtest.File(t, "4.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := cr.Render(1, cr.DefaultWindow(1))
	if err != nil {
		t.Fatal(err)
	}
	g := out.(*image.Gray)
	mean := func(r image.Rectangle) float64 {
		s := 0.0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				s += float64(g.GrayAt(x, y).Y)
			}
		}
		return s / float64(r.Dx()*r.Dy())
	}
	lung := mean(image.Rect(500, 800, 600, 900))   // right lung field
	spine := mean(image.Rect(900, 800, 1000, 900)) // vertebrae behind the mediastinum
	t.Logf("4.dcm: lung %.0f, spine %.0f", lung, spine)
	if !(spine > lung+60) {
		t.Errorf("4.dcm: spine mean %.0f is not well above lung mean %.0f: MONOCHROME1 not inverted?", spine, lung)
	}

	ct, err := Load(dicomtest.File(t, "5.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	f1, f2 := ct.mustModality(1), ct.mustModality(2)
	differ := 0
	for i := range f1 {
		if f1[i] != f2[i] {
			differ++
		}
	}
	if differ < len(f1)/10 {
		t.Errorf("5.dcm: frames 1 and 2 differ in %d of %d pixels", differ, len(f1))
	}

	mr, err := Load(dicomtest.File(t, "3.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	vals := mr.mustModality(1)
	checked := 0
	for i, v := range vals {
		stored := binary.LittleEndian.Uint16(mr.raw[2*i:]) & 0x0FFF
		want := float32(float64(stored) * 7.8393163681)
		if math.Abs(float64(v-want)) > 1e-3*math.Abs(float64(want)) {
			t.Fatalf("3.dcm pixel %d: stored %d, modality %v, want %v", i, stored, v, want)
		}
		if stored > 0 {
			checked++
		}
	}
	if checked < 1000 {
		t.Errorf("3.dcm: only %d non-zero pixels", checked)
	}
}
