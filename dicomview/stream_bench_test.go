package dicomview

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkHorizontalPass compares hrow (four outputs side by side) with
// hpass (one at a time) on one 1760-pixel row reduced to 737.
func BenchmarkHorizontalPass(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	const w, dw = 1760, 737
	fx := newRowFilter(w, dw)
	src := make([]float32, w+fx.n)
	for i := range w {
		src[i] = float32(r.IntN(256))
	}
	dst := make([]float32, dw)
	b.Run("hrow", func(b *testing.B) {
		for b.Loop() {
			hrow(src, 1, fx, dst)
		}
	})
	tx := filterTaps(w, dw)
	b.Run("hpass", func(b *testing.B) {
		for b.Loop() {
			hpass(src[:w], w, 1, 1, tx, dst, 0, 1)
		}
	})
}
