package rowsum

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBytesMatchesPlainGo: the vector kernel gives, for every length and
// number of rows, the bytes of the plain loop, including sums below 0,
// above 255, on halves and on the float32 neighbours of halves.
func TestBytesMatchesPlainGo(t *testing.T) {
	if !hasAVX2 {
		t.Log("no AVX2 here: the plain loop is checked against itself")
	}
	r := rand.New(rand.NewPCG(7, 8))
	edges := []float32{0, 0.5, 254.5, 255, 127.5, -0.5}
	for trial := 0; trial < 3000; trial++ {
		n := r.IntN(70)
		if trial%100 == 0 {
			n = 2688
		}
		nr := 1 + r.IntN(12)
		rows := make([][]float32, nr)
		w := make([]float32, nr)
		for k := range rows {
			rows[k] = make([]float32, n+r.IntN(3))
			for i := range rows[k] {
				switch r.IntN(4) {
				case 0:
					e := edges[r.IntN(len(edges))]
					rows[k][i] = math.Nextafter32(e, e+float32(r.IntN(3)-1))
				default:
					rows[k][i] = float32(r.IntN(256))
				}
			}
			w[k] = float32(r.Float64()*1.6 - 0.3)
		}
		if nr == 1 && r.IntN(2) == 0 {
			w[0] = 1 // a same-size row: the sum is the value itself
		}
		got := make([]byte, n)
		Bytes(got, rows, w)
		want := make([]byte, n)
		bytesGo(want, rows, w, 0)
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("trial %d, %d rows, %d values: value %d is %d, the plain loop gives %d", trial, nr, n, i, got[i], want[i])
			}
		}
	}
}

// TestRoundClampsAndRoundsHalfUp: Round is the pipeline's rounding to a
// byte, at and around every edge.
func TestRoundClampsAndRoundsHalfUp(t *testing.T) {
	for _, c := range []struct {
		v    float32
		want uint8
	}{{-1e9, 0}, {-3, 0}, {-0.5, 0}, {0, 0}, {0.4999, 0}, {0.5, 1}, {1.5, 2}, {2.5, 3}, {254.4999, 254}, {254.5, 255}, {255, 255}, {300, 255}, {1e9, 255}} {
		if got := Round(c.v); got != c.want {
			t.Errorf("Round(%v) = %d, want %d", c.v, got, c.want)
		}
	}
}

// TestBytesPanicsOnShortRows: a row shorter than the destination is a
// programming error, caught before any memory is read past it.
func TestBytesPanicsOnShortRows(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a row of 3 values and 16 bytes")
		}
	}()
	Bytes(make([]byte, 16), [][]float32{make([]float32, 16), make([]float32, 3)}, []float32{1, 1})
}

// BenchmarkBytes compares the vector kernel with the plain loop (the
// reference) on a CT input row: 2,688 values (896 RGB pixels), 4 rows.
func BenchmarkBytes(b *testing.B) {
	rows := make([][]float32, 4)
	for k := range rows {
		rows[k] = make([]float32, 2688)
		for i := range rows[k] {
			rows[k][i] = float32((i * (k + 3)) % 256)
		}
	}
	w := []float32{-0.06, 0.55, 0.58, -0.07}
	dst := make([]byte, 2688)
	b.Run("kernel", func(b *testing.B) {
		for b.Loop() {
			Bytes(dst, rows, w)
		}
	})
	b.Run("reference", func(b *testing.B) {
		for b.Loop() {
			bytesGo(dst, rows, w, 0)
		}
	})
}
