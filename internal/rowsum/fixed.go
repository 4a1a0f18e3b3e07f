package rowsum

// FixedBits is the fixed-point precision of Blend2: 22 bits, Pillow's
// PRECISION_BITS for 8-bit images (libImaging/Resample.c).
const FixedBits = 22

// Blend2 sets dst[i] to a[i]·ka + b[i]·kb in FixedBits fixed point,
// rounded and clamped to a byte as Pillow's clip8 does: the vertical pass
// of its two-tap resampling. The weights must be non-negative and sum to
// about 1 << FixedBits; a and b must hold at least len(dst) bytes. An AVX2
// kernel does 16 bytes at a time on amd64, with the same bytes.
func Blend2(dst, a, b []byte, ka, kb int32) {
	a, b = a[:len(dst)], b[:len(dst)]
	done := blend2(dst, a, b, ka, kb)
	dst, a, b = dst[done:], a[done:], b[done:]
	const half = 1 << (FixedBits - 1)
	for i := range dst {
		v := half + int32(a[i])*ka + int32(b[i])*kb
		switch {
		case v >= 255<<FixedBits:
			dst[i] = 255
		case v <= 0:
			dst[i] = 0
		default:
			dst[i] = uint8(v >> FixedBits)
		}
	}
}
