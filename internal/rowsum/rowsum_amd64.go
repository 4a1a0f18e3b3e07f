package rowsum

import "golang.org/x/sys/cpu"

var hasAVX2 = cpu.X86.HasAVX2

// vector runs the AVX2 kernel over the first multiple of 8 values of dst
// and returns how many it did (0 without AVX2).
func vector(dst []byte, rows [][]float32, w []float32) int {
	n := len(dst) &^ 7
	if !hasAVX2 || n == 0 {
		return 0
	}
	sumBytesAVX2(&dst[0], &rows[0], &w[0], len(rows), n)
	return n
}

// sumBytesAVX2 does Bytes for the first n (a multiple of 8) values of dst,
// eight at a time: for each k, the eight products w[k]·rows[k][i…i+7]
// (VMULPS) added to the sums (VADDPS), then + ½, truncated to int32
// (VCVTTPS2DQ) and packed to bytes with signed then unsigned saturation,
// which clamps to 0…255 as Round does.
//
//go:noescape
func sumBytesAVX2(dst *byte, rows *[]float32, w *float32, nrows, n int)

// filter3 runs Filter3's SSE kernel: each pixel's three channels (and a
// fourth value, thrown away) in the four lanes of one register, two
// outputs side by side; lane by lane MULPS and ADDPS round as MULSS and
// ADDSS do.
func filter3(dst, src, w4 []float32, first []int, n int) {
	filter3SSE(&dst[0], &src[0], &w4[0], &first[0], n, len(first))
}

//go:noescape
func filter3SSE(dst, src, w4 *float32, first *int, n, dw int)
