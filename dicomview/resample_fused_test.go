package dicomview

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// modelInputByPlanes is ModelInput as it was before the fused resize:
// the display as a float plane, resize, then rounding into the output.
func modelInputByPlanes(display image.Image, fit Fit) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, ModelInputSize, ModelInputSize))
	for i := 3; i < len(out.Pix); i += 4 {
		out.Pix[i] = 0xff
	}
	sr := display.Bounds()
	w, h := sr.Dx(), sr.Dy()
	dr := out.Bounds()
	if fit != FitStretch {
		dw, dh := ModelInputSize, ModelInputSize
		if w > h {
			dh = max(1, (h*ModelInputSize+w/2)/w)
		} else if h > w {
			dw = max(1, (w*ModelInputSize+h/2)/h)
		}
		x0, y0 := (ModelInputSize-dw)/2, (ModelInputSize-dh)/2
		dr = image.Rect(x0, y0, x0+dw, y0+dh)
	}
	p := resize(planeOf(display), dr.Dx(), dr.Dy())
	for y := 0; y < p.h; y++ {
		row := out.Pix[(dr.Min.Y+y)*out.Stride+dr.Min.X*4:]
		src := p.pix[y*p.w*p.ch:]
		for x := 0; x < p.w; x++ {
			if p.ch == 1 {
				v := toByte(src[x])
				row[4*x], row[4*x+1], row[4*x+2] = v, v, v
			} else {
				row[4*x], row[4*x+1], row[4*x+2] = toByte(src[3*x]), toByte(src[3*x+1]), toByte(src[3*x+2])
			}
		}
	}
	return out
}

// TestModelInputFusedSameBytes checks that ModelInput's fused resize
// (bytes in, bytes out, no float images) gives exactly the bytes of the
// plane-by-plane resize, for grey and RGBA sources larger and smaller
// than the model input, square or not, as sub-images, padded or stretched.
func TestModelInputFusedSameBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sizes := [][2]int{{512, 512}, {1760, 2140}, {896, 896}, {300, 200}, {37, 1000}, {1, 1}, {1500, 1700}, {2000, 900}, {3700, 1900}} // the last with a box pre-reduction
	for _, sz := range sizes {
		for _, kind := range []string{"gray", "rgba", "sub"} {
			for _, fit := range []Fit{FitPad, FitStretch} {
				w, h := sz[0], sz[1]
				var img image.Image
				switch kind {
				case "gray":
					g := image.NewGray(image.Rect(0, 0, w, h))
					for i := range g.Pix {
						g.Pix[i] = uint8(r.IntN(256))
					}
					img = g
				case "rgba":
					m := image.NewRGBA(image.Rect(0, 0, w, h))
					for i := range m.Pix {
						m.Pix[i] = uint8(r.IntN(256))
					}
					img = m
				case "sub":
					g := image.NewGray(image.Rect(0, 0, w+5, h+3))
					for i := range g.Pix {
						g.Pix[i] = uint8(r.IntN(256))
					}
					img = g.SubImage(image.Rect(3, 2, 3+w, 2+h))
				}
				t.Run(fmt.Sprintf("%dx%d-%s-%v", w, h, kind, fit), func(t *testing.T) {
					got, want := ModelInput(img, fit), modelInputByPlanes(img, fit)
					if !bytes.Equal(got.Pix, want.Pix) {
						t.Errorf("fused resize differs from the plane resize")
					}
				})
			}
		}
	}
}

// TestToByteRoundsAndClamps: toByte, without branches, gives what the
// clamp-then-round it replaced gives, for values a filter can produce and
// at every edge (0, ½, 254½, 255 and their neighbours).
func TestToByteRoundsAndClamps(t *testing.T) {
	old := func(v float32) uint8 {
		switch {
		case v <= 0:
			return 0
		case v >= 255:
			return 255
		}
		return uint8(v + 0.5)
	}
	check := func(v float32) {
		if got, want := toByte(v), old(v); got != want {
			t.Fatalf("toByte(%v) = %d, want %d", v, got, want)
		}
	}
	for i := -400000; i <= 400000; i++ {
		check(float32(i) / 1000)
	}
	for _, v := range []float32{0, 0.5, 254.5, 255, 1e9, -1e9} {
		for _, d := range []float32{v, math.Nextafter32(v, -1e10), math.Nextafter32(v, 1e10)} {
			check(d)
		}
	}
}

// TestSubBytesIsUpFilter: the word-at-a-time Up filter gives the byte-by-
// byte differences (mod 256) for every length and every pair of bytes.
func TestSubBytesIsUpFilter(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := 0; n < 70; n++ {
		a, b, got := make([]byte, n), make([]byte, n), make([]byte, n)
		for i := range a {
			a[i], b[i] = uint8(r.IntN(256)), uint8(r.IntN(256))
		}
		subBytes(got, a, b)
		for i := range a {
			if got[i] != a[i]-b[i] {
				t.Fatalf("length %d, byte %d: %d − %d gave %d", n, i, a[i], b[i], got[i])
			}
		}
	}
	a, b, got := make([]byte, 65536), make([]byte, 65536), make([]byte, 65536)
	for i := range a {
		a[i], b[i] = uint8(i), uint8(i>>8)
	}
	subBytes(got, a, b)
	for i := range a {
		if got[i] != a[i]-b[i] {
			t.Fatalf("%d − %d gave %d", a[i], b[i], got[i])
		}
	}
}
