// Package rowsum is the vertical pass of the pixel pipeline's resampling:
// a weighted sum of rows of float32 values rounded to bytes, with an AVX2
// kernel on amd64 that gives the same bytes as the plain Go.
package rowsum

// Bytes sets dst[i] to the weighted sum of rows[k][i] (weights w[k]),
// rounded to a byte as Round does. The sum is formed as Go's
// `s := float32(0); s += float32(w[k] * rows[k][i])` for k in order: every
// product rounded to float32, then added in turn, never fused, so the
// vector kernel and the plain loop give the same bits. Every row must hold
// at least len(dst) values, and each sum must lie within ±2³¹ (a weighted
// sum of byte values does).
func Bytes(dst []byte, rows [][]float32, w []float32) {
	if len(rows) > len(w) {
		panic("rowsum: fewer weights than rows")
	}
	for _, r := range rows {
		if len(r) < len(dst) {
			panic("rowsum: a row is shorter than the destination")
		}
	}
	n := 0
	if len(rows) > 0 {
		n = vector(dst, rows, w)
	}
	bytesGo(dst[n:], rows, w[:len(rows)], n)
}

// bytesGo is Bytes for dst = the values from offset on.
func bytesGo(dst []byte, rows [][]float32, w []float32, offset int) {
	for i := range dst {
		var s float32
		for k, r := range rows {
			s += float32(w[k] * r[offset+i])
		}
		dst[i] = Round(s)
	}
}

// Round rounds v (within ±2³¹) to the nearest of 0…255, halves up: 0 for
// v ≤ 0, 255 for v ≥ 255, else ⌊v + ½⌋ computed in float32. It has no
// branches (filtered images mix clamped and unclamped values too often
// for a branch to be predicted).
func Round(v float32) uint8 {
	return uint8(min(max(int64(int32(v+0.5)), 0), 255))
}

// Filter3 filters rows of three interleaved channels horizontally: for
// each output x of len(first) outputs and each channel c,
// out[3x+c] = Σ_k w[x·n+k] · in[3(first[x]+k)+c], k = 0…n−1, each product
// rounded to float32 and added in the order of k, as Go's
// `s += float32(w*v)` does.
type Filter3 struct {
	first []int
	w4    []float32 // every weight four times: the kernel's layout
	n     int
	need  int // values a source row must hold
}

// NewFilter3 makes the filter of len(first) outputs of n taps each, whose
// weights are w (n for each output, output after output).
func NewFilter3(first []int, w []float32, n int) *Filter3 {
	if n < 1 || len(w) != n*len(first) {
		panic("rowsum: NewFilter3 sizes do not match")
	}
	f := &Filter3{first: first, n: n, w4: make([]float32, 4*len(w))}
	for i, v := range w {
		f.w4[4*i], f.w4[4*i+1], f.w4[4*i+2], f.w4[4*i+3] = v, v, v, v
	}
	for _, x := range first {
		if x < 0 {
			panic("rowsum: NewFilter3 with a negative first pixel")
		}
		// The kernel reads each pixel as four values, the fourth thrown away.
		f.need = max(f.need, 3*(x+n)+1)
	}
	return f
}

// Apply filters src, which must hold at least 3·(first[x]+n)+1 values for
// every x (a row, then zeros), into dst (3·len(first) values).
func (f *Filter3) Apply(dst, src []float32) {
	if len(f.first) == 0 {
		return
	}
	if len(src) < f.need || len(dst) < 3*len(f.first) {
		panic("rowsum: Filter3 row too short")
	}
	filter3(dst, src, f.w4, f.first, f.n)
}

// filter3Go is Filter3's plain loop.
func filter3Go(dst, src, w4 []float32, first []int, n int) {
	for x, f := range first {
		var a0, a1, a2 float32
		for k := range n {
			w := w4[4*(x*n+k)]
			p := src[3*(f+k):]
			a0 += float32(w * p[0])
			a1 += float32(w * p[1])
			a2 += float32(w * p[2])
		}
		dst[3*x], dst[3*x+1], dst[3*x+2] = a0, a1, a2
	}
}

// Filter1 is Filter3 for one channel, four rows at a time: out_r[x] =
// Σ_k w[x·n+k] · in_r[first[x]+k] for rows r = 0…3, in the same order and
// rounding.
type Filter1 struct {
	first []int
	w4    []float32
	n     int
	need  int
}

// NewFilter1 makes the filter of len(first) outputs of n taps each, whose
// weights are w (n for each output, output after output).
func NewFilter1(first []int, w []float32, n int) *Filter1 {
	f3 := NewFilter3(first, w, n)
	f := &Filter1{first: first, w4: f3.w4, n: n}
	for _, x := range first {
		f.need = max(f.need, 4*(x+n))
	}
	return f
}

// Apply4 filters four rows given interleaved in src4 (src4[4i+r] is value
// i of row r; 4·(first[x]+n) values at least for every x: the rows, then
// zeros) into dst4, interleaved the same way (4·len(first) values).
func (f *Filter1) Apply4(dst4, src4 []float32) {
	if len(f.first) == 0 {
		return
	}
	if len(src4) < f.need || len(dst4) < 4*len(f.first) {
		panic("rowsum: Filter1 rows too short")
	}
	filter1x4(dst4, src4, f.w4, f.first, f.n)
}

// filter1x4Go is Apply4's plain loop.
func filter1x4Go(dst4, src4, w4 []float32, first []int, n int) {
	for x, f := range first {
		var a [4]float32
		for k := range n {
			w := w4[4*(x*n+k)]
			p := src4[4*(f+k):]
			for r := range a {
				a[r] += float32(w * p[r])
			}
		}
		copy(dst4[4*x:], a[:])
	}
}

// Deinterleave4 writes four interleaved rows (src4[4x+r] is value x of
// row r) into the rows dst[0…3], len(dst[0]) values each (every row at
// least that long; src4 at least four times that).
func Deinterleave4(dst [4][]float32, src4 []float32) {
	n := len(dst[0])
	if len(dst[1]) < n || len(dst[2]) < n || len(dst[3]) < n || len(src4) < 4*n {
		panic("rowsum: Deinterleave4 rows too short")
	}
	if n == 0 {
		return
	}
	m := deinterleave4(dst, src4, n)
	for x := m; x < n; x++ {
		dst[0][x], dst[1][x], dst[2][x], dst[3][x] = src4[4*x], src4[4*x+1], src4[4*x+2], src4[4*x+3]
	}
}
