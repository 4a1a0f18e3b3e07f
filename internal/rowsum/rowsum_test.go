package rowsum

import (
	"fmt"
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

// randomFilter is a random horizontal filter for the kernel tests: a
// source of w pixels of ch values (then the zeros the kernels may read),
// dw outputs of n taps.
func randomFilter(r *rand.Rand, ch int) (src, ws []float32, first []int, n int) {
	w := 1 + r.IntN(40)
	n = 1 + r.IntN(12)
	dw := r.IntN(50)
	src = make([]float32, ch*(w+n)+1)
	for i := range ch * w {
		src[i] = float32(r.IntN(256))
	}
	first = make([]int, dw)
	ws = make([]float32, dw*n)
	for x := range first {
		first[x] = r.IntN(w)
	}
	for i := range ws {
		ws[i] = float32(r.Float64()*1.6 - 0.3)
	}
	return src, ws, first, n
}

// sameBits fails t at the first value of got whose bits differ from want's.
func sameBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: value %d is %v, the plain loop gives %v", what, i, got[i], want[i])
		}
	}
}

// TestFilterMatchesPlainGo: the SSE kernel gives the plain loop's values
// to the bit, for three channels and for four rows, odd and even output
// counts and any tap count, and writes nothing past its DstLen.
func TestFilterMatchesPlainGo(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, lanes := range []int{3, 4} {
		for trial := 0; trial < 2000; trial++ {
			src, ws, first, n := randomFilter(r, lanes)
			f := NewFilter(first, ws, n, lanes)
			got, want := make([]float32, f.DstLen()+1), make([]float32, f.DstLen()+1)
			got[f.DstLen()], want[f.DstLen()] = 7, 7
			f.Apply(got, src)
			filterGo(want, src, f.w4, first, n, lanes)
			sameBits(t, fmt.Sprintf("%d lanes, trial %d (%d taps, %d outputs)", lanes, trial, n, len(first)), got[:lanes*len(first)], want[:lanes*len(first)])
			if got[f.DstLen()] != 7 {
				t.Fatalf("%d lanes, trial %d: wrote past DstLen", lanes, trial)
			}
		}
	}
}

// BenchmarkFilter compares the SSE kernel with the plain loop (the
// reference) on a CT row: 512 RGB pixels to 896, 4 taps.
func BenchmarkFilter(b *testing.B) {
	const w, dw, n = 512, 896, 4
	src := make([]float32, 3*(w+n)+1)
	for i := range 3 * w {
		src[i] = float32(i % 256)
	}
	first := make([]int, dw)
	ws := make([]float32, dw*n)
	for x := range first {
		first[x] = min(x*w/dw, w-1)
		for k := range n {
			ws[x*n+k] = 0.25
		}
	}
	f := NewFilter(first, ws, n, 3)
	dst := make([]float32, f.DstLen())
	b.Run("kernel", func(b *testing.B) {
		for b.Loop() {
			f.Apply(dst, src)
		}
	})
	b.Run("reference", func(b *testing.B) {
		for b.Loop() {
			filterGo(dst, src, f.w4, first, n, 3)
		}
	})
}

// TestDeinterleave4: four interleaved rows come apart exactly, for every
// length.
func TestDeinterleave4(t *testing.T) {
	for n := 0; n < 40; n++ {
		src := make([]float32, 4*n)
		for i := range src {
			src[i] = float32(i)
		}
		var dst [4][]float32
		for r := range dst {
			dst[r] = make([]float32, n)
		}
		Deinterleave4(dst, src)
		for r := range dst {
			for x, v := range dst[r] {
				if v != float32(4*x+r) {
					t.Fatalf("length %d: row %d value %d is %v, want %v", n, r, x, v, float32(4*x+r))
				}
			}
		}
	}
}
