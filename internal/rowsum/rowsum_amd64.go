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

// filter runs Filter's SSE kernel: a pixel's lanes in the four lanes of
// one register, two outputs side by side; lane by lane MULPS and ADDPS
// round as MULSS and ADDSS do.
func filter(dst, src, w4 []float32, first []int, n, lanes int) {
	filterSSE(&dst[0], &src[0], &w4[0], &first[0], n, len(first), 4*lanes)
}

// filterSSE writes each output's four lanes with one store, pix bytes
// after the last (a fourth lane of three is overwritten by the next).
//
//go:noescape
func filterSSE(dst, src, w4 *float32, first *int, n, dw, pix int)

// deinterleave4 transposes four values of each of four rows at a time
// (SSE) and returns how many values of each row it wrote.
func deinterleave4(dst [4][]float32, src4 []float32, n int) int {
	m := n &^ 3
	if m > 0 {
		deinterleave4SSE(&dst[0][0], &dst[1][0], &dst[2][0], &dst[3][0], &src4[0], m)
	}
	return m
}

//go:noescape
func deinterleave4SSE(d0, d1, d2, d3, src4 *float32, n int)

// blend2 runs Blend2's AVX2 kernel over the first multiple of 16 bytes of
// dst and returns how many it did (0 without AVX2).
func blend2(dst, a, b []byte, ka, kb int32) int {
	n := len(dst) &^ 15
	if !hasAVX2 || n == 0 {
		return 0
	}
	blend2AVX2(&dst[0], &a[0], &b[0], n, ka, kb)
	return n
}

// blend2AVX2 writes dst[i] = clip8(2^21 + a[i]·ka + b[i]·kb) for i < n
// (a multiple of 16), eight int32 lanes at a time (VPMULLD, VPADDD),
// shifted right by 22 (VPSRAD) and packed to bytes with unsigned
// saturation (VPACKUSDW, VPACKUSWB), which clamps as clip8 does.
//
//go:noescape
func blend2AVX2(dst, a, b *byte, n int, ka, kb int32)
