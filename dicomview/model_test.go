package dicomview

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash/adler32"
	"image"
	"image/color"
	"image/png"
	"runtime"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// uniformGray returns a w×h grey image of value v.
func uniformGray(w, h int, v uint8) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = v
	}
	return g
}

func TestModelInput(t *testing.T) {
	tests := []struct {
		name string
		src  image.Image
		fit  Fit
		// content is where the image lands; everything else must be black.
		content image.Rectangle
	}{
		{"wide pad", uniformGray(200, 100, 255), FitPad, image.Rect(0, 224, 896, 672)},
		{"tall pad", uniformGray(100, 200, 255), FitPad, image.Rect(224, 0, 672, 896)},
		{"CR-shaped pad", uniformGray(176, 214, 255), FitPad, image.Rect(79, 0, 816, 896)}, // 1760×2140 / 10
		{"square upscale", uniformGray(168, 168, 255), FitPad, image.Rect(0, 0, 896, 896)},
		{"exact size", uniformGray(896, 896, 255), FitPad, image.Rect(0, 0, 896, 896)},
		{"wide stretch", uniformGray(200, 100, 255), FitStretch, image.Rect(0, 0, 896, 896)},
		{"one pixel high", uniformGray(1000, 1, 255), FitPad, image.Rect(0, 447, 896, 448)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := ModelInput(tt.src, tt.fit)
			if out.Rect != image.Rect(0, 0, ModelInputSize, ModelInputSize) {
				t.Fatalf("bounds %v, want 896×896", out.Rect)
			}
			for y := 0; y < ModelInputSize; y++ {
				for x := 0; x < ModelInputSize; x++ {
					c := out.RGBAAt(x, y)
					want := color.RGBA{0, 0, 0, 255}
					if (image.Point{x, y}).In(tt.content) {
						want = color.RGBA{255, 255, 255, 255}
					}
					// Catmull-Rom of a constant is the constant, up to rounding.
					if diff(c.R, want.R) > 1 || c.R != c.G || c.G != c.B || c.A != 255 {
						t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, c, want)
					}
				}
			}
		})
	}
}

func diff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func TestModelInputColour(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 4, 2))
	for i := 0; i < len(src.Pix); i += 4 {
		copy(src.Pix[i:], []uint8{200, 100, 50, 255})
	}
	out := ModelInput(src, FitPad)
	if c := out.RGBAAt(448, 448); diff(c.R, 200) > 1 || diff(c.G, 100) > 1 || diff(c.B, 50) > 1 || c.A != 255 {
		t.Errorf("centre pixel = %v, want about {200 100 50 255}", c)
	}
	if c := out.RGBAAt(448, 10); c != (color.RGBA{0, 0, 0, 255}) {
		t.Errorf("padding pixel = %v, want opaque black", c)
	}
}

func TestPrepare(t *testing.T) {
	im, err := Load(dicomtest.File(t, "5.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	lung := Window{Center: -600, Width: 1500}
	tests := []struct {
		name       string
		opts       PrepareOptions
		wantFrame  int
		wantWindow Window
	}{
		{"defaults", PrepareOptions{}, 1, Window{49, 102}},
		{"frame 2 lung stretch", PrepareOptions{Frame: 2, Window: &lung, Fit: FitStretch, Encoding: "display"}, 2, lung},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := im.Prepare(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(a.PNG)
			if a.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("SHA256 %s is not the hash of PNG", a.SHA256)
			}
			if a.Width != 896 || a.Height != 896 || a.Source != "5.dcm" || a.Frame != tt.wantFrame ||
				a.Window != tt.wantWindow || a.Encoding != "display" {
				t.Errorf("got Width %d Height %d Source %q Frame %d Window %v Encoding %q",
					a.Width, a.Height, a.Source, a.Frame, a.Window, a.Encoding)
			}
			dec, err := png.Decode(bytes.NewReader(a.PNG))
			if err != nil {
				t.Fatal(err)
			}
			if dec.Bounds() != image.Rect(0, 0, 896, 896) {
				t.Errorf("PNG is %v, want 896×896", dec.Bounds())
			}
		})
	}
}

// TestPrepareDeterministic prepares the same frame twice, the second time
// from a fresh Load, and wants the same bytes.
func TestPrepareDeterministic(t *testing.T) {
	path := dicomtest.File(t, "3.dcm")
	var sums []string
	var pngs [][]byte
	for i := 0; i < 2; i++ {
		im, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		p, err := im.Prepare(PrepareOptions{})
		if err != nil {
			t.Fatal(err)
		}
		sums, pngs = append(sums, p.SHA256), append(pngs, p.PNG)
	}
	if sums[0] != sums[1] || !bytes.Equal(pngs[0], pngs[1]) {
		t.Errorf("Prepare is not deterministic: %s then %s", sums[0], sums[1])
	}
}

func TestPrepareErrors(t *testing.T) {
	im, err := Load(dicomtest.File(t, "3.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts PrepareOptions
		kind error
	}{
		{"encoding ct3", PrepareOptions{Encoding: "ct3"}, ErrUnsupported},
		{"unknown fit", PrepareOptions{Fit: Fit(7)}, ErrUnsupported},
		{"frame 2 of 1", PrepareOptions{Frame: 2}, nil},
		{"negative frame", PrepareOptions{Frame: -1}, nil},
		{"zero width", PrepareOptions{Window: &Window{Center: 1, Width: 0}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := im.Prepare(tt.opts)
			if err == nil {
				t.Fatal("Prepare succeeded, want an error")
			}
			if !strings.HasPrefix(err.Error(), "prepare "+im.Path+": ") {
				t.Errorf("error %q does not name the file", err)
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("error %q does not match %v", err, tt.kind)
			}
		})
	}
}

// TestConcurrentUse renders frames of one image from several goroutines,
// which share the frame cache; run with -race.
func TestConcurrentUse(t *testing.T) {
	im, err := Load(dicomtest.File(t, "5.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	want := make([][]uint8, 3)
	for f := 1; f <= 2; f++ {
		out, err := im.Render(f, im.DefaultWindow(f))
		if err != nil {
			t.Fatal(err)
		}
		want[f] = out.(*image.Gray).Pix
	}
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			f := g%2 + 1
			out, err := im.Render(f, im.DefaultWindow(f))
			if err == nil && !bytes.Equal(out.(*image.Gray).Pix, want[f]) {
				err = errors.New("a frame rendered differently under concurrency")
			}
			errs <- err
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestEncodePNGRoundTrip decodes what EncodePNG writes with image/png.
func TestEncodePNGRoundTrip(t *testing.T) {
	rgba := image.NewRGBA(image.Rect(0, 0, 37, 23))
	gray := image.NewGray(image.Rect(0, 0, 37, 23))
	for i := range rgba.Pix {
		rgba.Pix[i] = uint8(i * 7)
		if i%4 == 3 {
			rgba.Pix[i] = 255
		}
	}
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i * 13)
	}
	translucent := image.NewRGBA(image.Rect(0, 0, 3, 3))
	for _, img := range []image.Image{rgba, gray, rgba.SubImage(image.Rect(5, 3, 30, 20)), gray.SubImage(image.Rect(1, 1, 9, 4)), translucent} {
		data, sum, err := EncodePNG(img)
		if err != nil {
			t.Fatal(err)
		}
		if s := sha256.Sum256(data); hex.EncodeToString(s[:]) != sum {
			t.Error("SHA-256 does not match the bytes")
		}
		dec, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		if dec.Bounds().Size() != b.Size() {
			t.Fatalf("decoded %v, want size %v", dec.Bounds(), b.Size())
		}
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				r1, g1, b1, a1 := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				r2, g2, b2, a2 := dec.At(x, y).RGBA()
				if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
					t.Fatalf("%T pixel (%d,%d): wrote %v, read %v", img, x, y, img.At(b.Min.X+x, b.Min.Y+y), dec.At(x, y))
				}
			}
		}
	}
}

// TestPrepareSameBytesOnAnyCPUCount prepares 4.dcm with 1 CPU and with
// all of them: the parallel steps must not change a byte.
func TestPrepareSameBytesOnAnyCPUCount(t *testing.T) {
	im, err := Load(dicomtest.File(t, "4.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	all, err := im.Prepare(PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one, err := im.Prepare(PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if one.SHA256 != all.SHA256 {
		t.Errorf("1 CPU gives %s, %d CPUs %s", one.SHA256, runtime.NumCPU(), all.SHA256)
	}
}

// TestPrepareGreyPNGHasTheModelInputPixels: what Prepare writes for a
// greyscale frame (straight from the stored values, as a grey PNG) decodes
// to exactly the pixels ModelInput makes from the rendered frame, in each
// of R, G and B, for every test study, windows, regions and fits; and
// the PNG is 8-bit grey, a third of the RGB bytes before compression.
func TestPrepareGreyPNGHasTheModelInputPixels(t *testing.T) {
	for _, name := range []string{"1.dcm", "2.dcm", "3.dcm", "4.dcm", "5.dcm"} {
		im, err := Load(dicomtest.File(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if im.layout.samples != 1 {
			continue
		}
		def := im.DefaultWindow(1)
		region := image.Rect(im.Width/5, im.Height/4, im.Width/5+im.Width/2, im.Height/4+im.Height/3)
		for _, w := range []Window{def, {Center: def.Center + def.Width/4, Width: def.Width / 3}} {
			for _, reg := range []image.Rectangle{{}, region} {
				for _, fit := range []Fit{FitPad, FitStretch} {
					p, err := im.Prepare(PrepareOptions{Frame: im.Frames, Window: &w, Region: reg, Fit: fit})
					if err != nil {
						t.Fatal(err)
					}
					got, err := png.Decode(bytes.NewReader(p.PNG))
					if err != nil {
						t.Fatal(err)
					}
					g, ok := got.(*image.Gray)
					if !ok {
						t.Fatalf("%s: Prepare wrote a %T PNG, want 8-bit grey", name, got)
					}
					display, err := im.Render(im.Frames, w)
					if err != nil {
						t.Fatal(err)
					}
					cropped, err := cropRegion(display, reg)
					if err != nil {
						t.Fatal(err)
					}
					want := ModelInput(cropped, fit)
					for i, v := range g.Pix {
						if px := want.Pix[4*i : 4*i+3]; px[0] != v || px[1] != v || px[2] != v {
							t.Fatalf("%s window %v region %v %v: pixel %d,%d is %d, ModelInput has %v", name, w, reg, fit, i%ModelInputSize, i/ModelInputSize, v, px)
						}
					}
				}
			}
		}
	}
}

// TestPrepareCT3PNGHasTheModelInputPixels: the three-window CT input
// Prepare writes (packed RGB, no alpha) decodes to exactly the pixels
// ModelInput makes from the windows' rendering, padded or stretched, for
// a slice with values across all three windows.
func TestPrepareCT3PNGHasTheModelInputPixels(t *testing.T) {
	dir := t.TempDir()
	v := dicomtest.Volume{Modality: "CT", Slices: 1, Rows: 300, Cols: 420, StudyUID: "2.25.1", SeriesUID: "2.25.2",
		Intercept: -1024, Value: func(x, y, z int) int16 { return int16((x*37 + y*11) % 2600) }}
	if _, err := v.Write(dir); err != nil {
		t.Fatal(err)
	}
	series, _, err := OpenSeries(dir)
	if err != nil {
		t.Fatal(err)
	}
	sl := series[0].Slices[0]
	for _, c := range []struct {
		fit    Fit
		region image.Rectangle
	}{{FitPad, image.Rectangle{}}, {FitStretch, image.Rectangle{}}, {FitPad, image.Rect(50, 40, 350, 240)}} {
		fit := c.fit
		p, err := sl.Image.Prepare(PrepareOptions{Frame: sl.Frame, Encoding: EncodingCT3, Fit: fit, Region: c.region})
		if err != nil {
			t.Fatal(err)
		}
		got, err := png.Decode(bytes.NewReader(p.PNG))
		if err != nil {
			t.Fatal(err)
		}
		rendered, err := sl.Image.renderCT3(sl.Frame)
		if err != nil {
			t.Fatal(err)
		}
		cropped, err := cropRegion(rendered, c.region)
		if err != nil {
			t.Fatal(err)
		}
		want := ModelInput(cropped, fit)
		for y := 0; y < ModelInputSize; y++ {
			for x := 0; x < ModelInputSize; x++ {
				r, g, b, a := got.At(x, y).RGBA()
				w := want.RGBAAt(x, y)
				if uint8(r>>8) != w.R || uint8(g>>8) != w.G || uint8(b>>8) != w.B || a != 0xffff {
					t.Fatalf("%v region %v: pixel %d,%d is %d %d %d, ModelInput has %v", fit, c.region, x, y, r>>8, g>>8, b>>8, w)
				}
			}
		}
	}
}

// TestAdler32Combine: the Adler-32 of bytes cut anywhere, combined from
// the parts' sums, is the Adler-32 of the whole (which is what a PNG
// reader checks).
func TestAdler32Combine(t *testing.T) {
	data := make([]byte, 200000)
	for i := range data {
		data[i] = byte(i*i>>3 + i>>7)
	}
	for _, cuts := range [][]int{{0}, {1}, {65520}, {65521}, {65522}, {100000}, {199999}, {3, 70000, 140000}} {
		sum, start := uint32(1), 0
		for _, c := range append(cuts, len(data)) {
			sum = adler32Combine(sum, adler32.Checksum(data[start:c]), c-start)
			start = c
		}
		if want := adler32.Checksum(data); sum != want {
			t.Errorf("cut at %v: combined %#x, whole %#x", cuts, sum, want)
		}
	}
}

// TestEncodeModelInputHasModelInputPixels: what a recipe sends for a grey
// or an RGBA display (EncodeModelInput) decodes to ModelInput's pixels,
// grey as 8-bit grey, colour as RGB, with a box pre-reduction too.
func TestEncodeModelInputHasModelInputPixels(t *testing.T) {
	grey := image.NewGray(image.Rect(0, 0, 3700, 1900))
	for i := range grey.Pix {
		grey.Pix[i] = uint8(i * 31 % 251)
	}
	rgba := image.NewRGBA(image.Rect(0, 0, 420, 300))
	for i := range rgba.Pix {
		rgba.Pix[i] = uint8(i * 7 % 253)
		if i%4 == 3 {
			rgba.Pix[i] = 0xff
		}
	}
	for _, c := range []struct {
		name    string
		display image.Image
		grey    bool
	}{{"grey 3700×1900", grey, true}, {"RGBA 420×300", rgba, false}} {
		data, sum, err := EncodeModelInput(c.display, FitPad)
		if err != nil {
			t.Fatal(err)
		}
		if s := sha256.Sum256(data); hex.EncodeToString(s[:]) != sum {
			t.Errorf("%s: SHA-256 %s is not the PNG's", c.name, sum)
		}
		got, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if _, isGrey := got.(*image.Gray); isGrey != c.grey {
			t.Errorf("%s: a %T PNG", c.name, got)
		}
		want := ModelInput(c.display, FitPad)
		for y := 0; y < ModelInputSize; y++ {
			for x := 0; x < ModelInputSize; x++ {
				r, g, b, _ := got.At(x, y).RGBA()
				if w := want.RGBAAt(x, y); uint8(r>>8) != w.R || uint8(g>>8) != w.G || uint8(b>>8) != w.B {
					t.Fatalf("%s: pixel %d,%d is %d %d %d, ModelInput has %v", c.name, x, y, r>>8, g>>8, b>>8, w)
				}
			}
		}
	}
}
