// Package rng holds the workbench's one pseudo-random generator: fixed, so
// that what it draws (the demo model's weights, the bootstrap's resamples)
// is the same on every platform and Go version, unlike math/rand's
// sequences, which may change.
package rng

// SplitMix64 is Steele, Lea and Flood's SplitMix64 generator: tiny, fast
// and fixed. Its value is its state; a seed is a conversion,
// SplitMix64(seed).
type SplitMix64 uint64

// Next advances the generator and returns its next 64 random bits.
func (s *SplitMix64) Next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
