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

// Filter is a horizontal filter over pixels of lanes interleaved values
// (3: a row's R, G and B; 4: one value of each of four rows side by side):
// for each output x of len(first) outputs and each lane c,
// out[lanes·x+c] = Σ_k w[x·n+k] · in[lanes·(first[x]+k)+c], k = 0…n−1,
// each product rounded to float32 and added in the order of k, as Go's
// `s += float32(w*v)` does.
type Filter struct {
	first []int
	w4    []float32 // every weight four times: the kernel's layout
	n     int
	lanes int
	need  int // values a source row must hold
}

// NewFilter makes the filter of len(first) outputs of n taps each, whose
// weights are w (n for each output, output after output), over pixels of
// lanes (3 or 4) values.
func NewFilter(first []int, w []float32, n, lanes int) *Filter {
	if n < 1 || len(w) != n*len(first) || (lanes != 3 && lanes != 4) {
		panic("rowsum: NewFilter sizes do not match")
	}
	f := &Filter{first: first, n: n, lanes: lanes, w4: make([]float32, 4*len(w))}
	for i, v := range w {
		f.w4[4*i], f.w4[4*i+1], f.w4[4*i+2], f.w4[4*i+3] = v, v, v, v
	}
	for _, x := range first {
		if x < 0 {
			panic("rowsum: NewFilter with a negative first pixel")
		}
		// The kernel reads and writes every pixel as four values; with three
		// lanes the fourth is thrown away (read) or overwritten by the next
		// pixel (written).
		f.need = max(f.need, lanes*(x+n-1)+4)
	}
	return f
}

// DstLen is how many values Apply's dst must hold: lanes·len(first), and
// one more with three lanes (the last output's fourth value).
func (f *Filter) DstLen() int {
	if f.lanes == 3 {
		return 3*len(f.first) + 1
	}
	return 4 * len(f.first)
}

// Apply filters src, which must hold at least lanes·(first[x]+n−1)+4
// values for every x (the pixels, then zeros), into dst (DstLen values).
func (f *Filter) Apply(dst, src []float32) {
	if len(f.first) == 0 {
		return
	}
	if len(src) < f.need || len(dst) < f.DstLen() {
		panic("rowsum: Filter row too short")
	}
	filter(dst, src, f.w4, f.first, f.n, f.lanes)
}

// filterGo is Apply's plain loop.
func filterGo(dst, src, w4 []float32, first []int, n, lanes int) {
	for x, f := range first {
		var a [4]float32
		for k := range n {
			w := w4[4*(x*n+k)]
			p := src[lanes*(f+k):]
			for c := range lanes {
				a[c] += float32(w * p[c])
			}
		}
		copy(dst[lanes*x:], a[:lanes])
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
