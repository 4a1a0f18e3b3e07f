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
