package dicomview

import (
	"math/rand/v2"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/internal/rowsum"
)

// BenchmarkHorizontalPass compares the one-channel horizontal pass of
// four rows at once (rowsum.Filter, SSE lanes = rows) with hpass on each
// of the four rows (the reference), 1,760 pixels reduced to 737.
func BenchmarkHorizontalPass(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	const w, dw = 1760, 737
	fx := newRowFilter(w, dw)
	f1 := rowsum.NewFilter(fx.first, fx.w, fx.n, 4)
	src4 := make([]float32, 4*(w+fx.n))
	for i := range 4 * w {
		src4[i] = float32(r.IntN(256))
	}
	dst4 := make([]float32, 4*dw)
	b.Run("four-rows", func(b *testing.B) {
		for b.Loop() {
			f1.Apply(dst4, src4)
		}
	})
	tx := filterTaps(w, dw)
	rows := make([]float32, 4*w)
	for i := range rows {
		rows[i] = src4[i]
	}
	dst := make([]float32, 4*dw)
	b.Run("reference", func(b *testing.B) {
		for b.Loop() {
			hpass(rows, w, 1, 1, tx, dst, 0, 4)
		}
	})
}

// BenchmarkPreviewResample compares the preview's row-by-row resample of
// 4.dcm's modality values to 842×1024 with resize (the reference, which
// made previews before; the same values to the bit).
func BenchmarkPreviewResample(b *testing.B) {
	im, err := Load(dicomtest.File(b, "4.dcm"))
	if err != nil {
		b.Fatal(err)
	}
	vals := im.mustModality(1)
	b.Run("stream", func(b *testing.B) {
		for b.Loop() {
			resizeValues(vals, im.Width, im.Height, 842, 1024)
		}
	})
	b.Run("reference", func(b *testing.B) {
		for b.Loop() {
			resize(plane{w: im.Width, h: im.Height, ch: 1, pix: vals}, 842, 1024)
		}
	})
}
