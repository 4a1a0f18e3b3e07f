//go:build !amd64

package rowsum

// vector has no kernel on this architecture: the plain loop does it all.
func vector(dst []byte, rows [][]float32, w []float32) int { return 0 }

func filter(dst, src, w4 []float32, first []int, n, lanes int) {
	filterGo(dst, src, w4, first, n, lanes)
}

func deinterleave4(dst [4][]float32, src4 []float32, n int) int { return 0 }

// hasAVX2 is false: no vector kernel on this architecture.
const hasAVX2 = false

// blend2 has no kernel on this architecture: the plain loop does it all.
func blend2(dst, a, b []byte, ka, kb int32) int { return 0 }
