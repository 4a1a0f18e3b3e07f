package dicomview

import (
	"image"
	"math"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	xdraw "golang.org/x/image/draw"
)

// referenceModelInput is ModelInput done the slow, straightforward way:
// golang.org/x/image/draw's Catmull-Rom over the whole source, in RGBA.
func referenceModelInput(display image.Image, dr image.Rectangle) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, ModelInputSize, ModelInputSize))
	xdraw.CatmullRom.Scale(out, dr, display, display.Bounds(), xdraw.Src, nil)
	return out
}

// TestModelInputQuality compares ModelInput on 4.dcm (1760×2140 → 737×896)
// with the full-support Catmull-Rom of golang.org/x/image/draw: the box
// pre-reduction must not cost visible quality.
func TestModelInputQuality(t *testing.T) {
	im, err := Load(dicomtest.File(t, "4.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	display, err := im.Render(1, im.DefaultWindow(1))
	if err != nil {
		t.Fatal(err)
	}
	got := ModelInput(display, FitPad)
	dr := image.Rect(79, 0, 79+737, 896)
	ref := referenceModelInput(display, dr)
	var sse float64
	maxd, over2, n := 0, 0, 0
	for y := dr.Min.Y; y < dr.Max.Y; y++ {
		for x := dr.Min.X; x < dr.Max.X; x++ {
			d := diff(got.RGBAAt(x, y).R, ref.RGBAAt(x, y).R)
			sse += float64(d * d)
			maxd = max(maxd, d)
			if d > 2 {
				over2++
			}
			n++
		}
	}
	psnr := 10 * math.Log10(255*255/(sse/float64(n)))
	t.Logf("PSNR %.1f dB against x/image/draw Catmull-Rom; max difference %d; %d of %d pixels differ by more than 2", psnr, maxd, over2, n)
	if psnr < 40 || float64(over2) > 0.001*float64(n) {
		t.Errorf("PSNR %.1f dB, %d pixels off by more than 2: want ≥ 40 dB and ≤ 0.1%%", psnr, over2)
	}
}
