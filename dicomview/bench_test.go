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
