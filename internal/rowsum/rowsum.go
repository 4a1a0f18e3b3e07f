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

// Spread4 returns w with every weight four times in a row, the layout
// Filter3 reads.
func Spread4(w []float32) []float32 {
	out := make([]float32, 4*len(w))
	for i, v := range w {
		out[4*i], out[4*i+1], out[4*i+2], out[4*i+3] = v, v, v, v
	}
	return out
}

// Filter3 filters a row of three interleaved channels horizontally: for
// each output x of the len(first) outputs and each channel c,
// dst[3x+c] = Σ_k w[x·n+k] · src[3(first[x]+k)+c], k = 0…n−1, each product
// rounded to float32 and added in the order of k, as Go's
// `s += float32(w*v)` does. w4 is Spread4 of those len(first)·n weights.
// src must hold at least 3·(first[x]+n)+1 values for every x: the kernel
// reads each pixel as four values, the fourth thrown away.
func Filter3(dst, src, w4 []float32, first []int, n int) {
	dw := len(first)
	if n < 1 || len(dst) < 3*dw || len(w4) < 4*n*dw {
		panic("rowsum: Filter3 sizes do not match")
	}
	for _, f := range first {
		if f < 0 || 3*(f+n)+1 > len(src) {
			panic("rowsum: Filter3 reads past its source row")
		}
	}
	if dw == 0 {
		return
	}
	filter3(dst, src, w4, first, n)
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
