package dicomview

import "encoding/binary"

// unpackBitsAllocated1 turns native pixel data of BitsAllocated 1 (PS3.5 8.1.1: bits
// packed without padding between frames, the first pixel in the lowest
// bit) into one byte per pixel, 0 or 1, within b. In explicit VR big
// endian OW data the bytes of each 16-bit word are swapped.
func unpackBitsAllocated1(pd *pixelSpan, frames int, l layout, order binary.ByteOrder, b *budget) ([]byte, error) {
	n := int64(frames) * int64(l.pixels())
	if need := (n + 7) / 8; int64(len(pd.native)) < need {
		return nil, malformed("malformed DICOM: 1-bit pixel data has %d bytes; %d frame(s) of %d×%d pixels need %d",
			len(pd.native), frames, l.cols, l.rows, need)
	}
	if err := b.charge(n, "unpacked 1-bit pixel data"); err != nil {
		return nil, err
	}
	swap := order == binary.BigEndian && pd.vr == "OW"
	src := pd.native
	out := make([]byte, n)
	for i := range out {
		j := i >> 3
		if swap {
			j ^= 1
		}
		if j < len(src) {
			out[i] = src[j] >> uint(i&7) & 1
		}
	}
	return out, nil
}
