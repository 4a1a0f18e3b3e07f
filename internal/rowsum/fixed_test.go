package rowsum

import "testing"

// TestBlend2KernelIsTheLoop: Blend2 (the AVX2 kernel where there is one)
// gives the plain loop's bytes for every pair of byte values at weights
// across the range, including those that clamp, at lengths that are and
// are not multiples of 16.
func TestBlend2KernelIsTheLoop(t *testing.T) {
	const one = 1 << FixedBits
	for _, k := range [][2]int32{{one, 0}, {0, one}, {one / 2, one / 2}, {one*3/4 + 7, one/4 - 7}, {one + 900, 3}, {1, one/3 + 5}} {
		for _, n := range []int{1, 15, 16, 17, 256 * 256, 256*256 + 5} {
			a, b := make([]byte, n), make([]byte, n)
			for i := range n {
				a[i], b[i] = byte(i), byte(i/256+i*7)
			}
			got := make([]byte, n)
			Blend2(got, a, b, k[0], k[1])
			for i := range n {
				v := 1<<(FixedBits-1) + int64(a[i])*int64(k[0]) + int64(b[i])*int64(k[1])
				want := byte(min(max(v>>FixedBits, 0), 255))
				if got[i] != want {
					t.Fatalf("weights %v, n %d, i %d (a %d, b %d): %d, want %d", k, n, i, a[i], b[i], got[i], want)
				}
			}
		}
	}
}
