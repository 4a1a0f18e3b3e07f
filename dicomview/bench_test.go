package dicomview

import (
	"image"
	"os"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// The benchmarks below time the work a researcher waits for, on 4.dcm
// (CR, 1760×2140, MONOCHROME1). bench/run.sh runs them next to the Python
// (pydicom + numpy + Pillow) and dcmtk (dcm2pnm) references and prints
// the ratios; the sub-benchmarks named "reference" are the straightforward
// way in Go, for a ratio within this run.

// BenchmarkPrepareFile is the whole job: read and decode the file,
// modality LUT, VOI window, MONOCHROME1 inversion, pad, resize to 896,
// PNG.
func BenchmarkPrepareFile(b *testing.B) {
	path := dicomtest.File(b, "4.dcm")
	for b.Loop() {
		im, err := Load(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := im.Prepare(PrepareOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkModelInput times the resize to 896 of the rendered 4.dcm, with
// ModelInput and with golang.org/x/image/draw's Catmull-Rom over the whole
// source (the reference).
func BenchmarkModelInput(b *testing.B) {
	im, err := Load(dicomtest.File(b, "4.dcm"))
	if err != nil {
		b.Fatal(err)
	}
	display, err := im.Render(1, im.DefaultWindow(1))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ours", func(b *testing.B) {
		for b.Loop() {
			ModelInput(display, FitPad)
		}
	})
	b.Run("reference", func(b *testing.B) {
		for b.Loop() {
			referenceModelInput(display, image.Rect(79, 0, 79+737, 896))
		}
	})
}

// BenchmarkRewindow times a window change of 4.dcm shown at 1024 pixels
// (a mouse drag): Preview.RenderInto, against rendering the full frame
// (the reference).
func BenchmarkRewindow(b *testing.B) {
	im, err := Load(dicomtest.File(b, "4.dcm"))
	if err != nil {
		b.Fatal(err)
	}
	p, err := im.Preview(1, 1024)
	if err != nil {
		b.Fatal(err)
	}
	dst := image.NewGray(image.Rect(0, 0, p.Width, p.Height))
	b.Run("preview-1024", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			if err := p.RenderInto(dst, Window{Center: float64(400 + i%200), Width: 900}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reference-full", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			if _, err := im.Render(1, Window{Center: float64(400 + i%200), Width: 900}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLoad times reading and decoding 4.dcm.
func BenchmarkLoad(b *testing.B) {
	path := dicomtest.File(b, "4.dcm")
	if _, err := os.Stat(path); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Load(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPrepareCT3Slice is one slice of a CT recipe: a 512×512 slice
// of a lazy series read again, encoded with the three CT windows, resized
// to 896 and written as PNG.
func BenchmarkPrepareCT3Slice(b *testing.B) {
	dir := b.TempDir()
	v := dicomtest.Volume{Modality: "CT", Slices: 8, Rows: 512, Cols: 512, StudyUID: "2.25.1", SeriesUID: "2.25.2",
		Intercept: -1024, Value: func(x, y, z int) int16 { return int16((x*7 + y*3 + z*11) % 2400) }}
	if _, err := v.Write(dir); err != nil {
		b.Fatal(err)
	}
	series, _, err := OpenSeries(dir)
	if err != nil {
		b.Fatal(err)
	}
	ss := series[0].Slices
	i := 0
	for b.Loop() {
		sl := ss[i%len(ss)]
		i++
		if _, err := sl.Image.Prepare(PrepareOptions{Frame: sl.Frame, Encoding: EncodingCT3}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenSeries times opening a 100-slice 512×512 CT folder:
// reading, checking and parsing every file, grouping and ordering.
func BenchmarkOpenSeries(b *testing.B) {
	dir := b.TempDir()
	v := dicomtest.Volume{Modality: "CT", Slices: 100, Rows: 512, Cols: 512, StudyUID: "2.25.1", SeriesUID: "2.25.2",
		Intercept: -1024, Value: func(x, y, z int) int16 { return 0 }}
	if _, err := v.Write(dir); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := OpenSeries(dir); err != nil {
			b.Fatal(err)
		}
	}
}
