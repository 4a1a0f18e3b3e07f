package dicomview

import "encoding/binary"

// RLE Lossless (PS3.5 Annex G). A frame is a 64-byte header (the number of
// segments, then 15 segment offsets, little endian) followed by segments.
// Each segment holds one byte of one sample for every pixel of the frame,
// PackBits-encoded: the most significant byte of sample 1 first, then its
// less significant bytes, then sample 2, and so on (G.2).

// rleHeaderSize is the size of an RLE frame header.
const rleHeaderSize = 64

// decodeRLE decodes one RLE Lossless frame into dst (see codec.decode).
func decodeRLE(dst, src []byte, l layout, photometric string) (string, error) {
	if len(src) < rleHeaderSize {
		return "", malformed("RLE frame of %d bytes is shorter than its %d-byte header", len(src), rleHeaderSize)
	}
	bytesPer := l.bitsAllocated / 8
	want := l.samples * bytesPer
	n := int(binary.LittleEndian.Uint32(src))
	if n != want {
		return "", malformed("RLE frame has %d segments; %d samples of %d bits need %d", n, l.samples, l.bitsAllocated, want)
	}
	pixels := l.pixels()
	seg := make([]byte, pixels)
	for s := 0; s < n; s++ {
		start := int64(binary.LittleEndian.Uint32(src[4+4*s:]))
		end := int64(len(src))
		if s+1 < n {
			end = int64(binary.LittleEndian.Uint32(src[8+4*s:]))
		}
		if start < rleHeaderSize || start > end || end > int64(len(src)) {
			return "", malformed("RLE segment %d spans bytes %d to %d of a %d-byte frame", s+1, start, end, len(src))
		}
		if err := unpackBits(seg, src[start:end]); err != nil {
			return "", malformed("RLE segment %d: %v", s+1, err)
		}
		// Segment s is byte (bytesPer-1-b) of sample c, little endian in dst.
		c, b := s/bytesPer, bytesPer-1-s%bytesPer
		stride := l.samples * bytesPer
		off := c*bytesPer + b
		for p, v := range seg {
			dst[p*stride+off] = v
		}
	}
	return photometric, nil
}

// unpackBits decodes a PackBits segment into exactly len(dst) bytes: a
// header byte n of 0…127 copies the next n+1 bytes, −1…−127 repeats the
// next byte 1−n times, and −128 does nothing. Output past len(dst) (the
// padding some encoders add) is ignored; less is an error.
func unpackBits(dst, src []byte) error {
	o, i := 0, 0
	for o < len(dst) && i < len(src) {
		n := int(int8(src[i]))
		i++
		switch {
		case n >= 0:
			if i+n+1 > len(src) {
				return errTruncatedRLE
			}
			o += copy(dst[o:], src[i:i+n+1])
			i += n + 1
		case n != -128:
			if i >= len(src) {
				return errTruncatedRLE
			}
			v := src[i]
			i++
			for k := 0; k < 1-n && o < len(dst); k++ {
				dst[o] = v
				o++
			}
		}
	}
	if o < len(dst) {
		return errShortRLE
	}
	return nil
}

type rleError string

func (e rleError) Error() string { return string(e) }

const (
	errTruncatedRLE = rleError("a run runs past the end of the segment")
	errShortRLE     = rleError("the segment decodes to fewer bytes than the frame has pixels")
)
