package dicomtest

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
)

// Bomb describes a decompression bomb: a small deflated DICOM file (transfer
// syntax 1.2.840.10008.1.2.1.99) whose data set declares far more pixel data
// than a viewer should allocate. Its pixels are all zero, so they deflate
// about a thousandfold.
type Bomb struct {
	Name          string // a file name for it, e.g. "frames-bomb.dcm"
	Rows, Columns int
	Frames        int
	BitsAllocated int // 8 or 16
	// Hidden puts the zeros in an item of a private sequence of undefined
	// length before an empty Pixel Data, so that a reader cannot learn
	// their size before inflating them.
	Hidden bool
}

// Bombs are the two bombs the tests and cmd/mkbomb write: five million 1×1
// frames (the per-frame bookkeeping grows) and one 20000×20000 frame (the
// pixel data and everything rendered from it grow).
var Bombs = []Bomb{
	{Name: "frames-bomb.dcm", Rows: 1, Columns: 1, Frames: 5_000_000, BitsAllocated: 8},
	{Name: "size-bomb.dcm", Rows: 20000, Columns: 20000, Frames: 1, BitsAllocated: 8},
}

// Bytes encodes the bomb as a deflated explicit VR little endian file.
func (b Bomb) Bytes() ([]byte, error) {
	pixelBytes := int64(b.Rows) * int64(b.Columns) * int64(b.Frames) * int64(b.BitsAllocated/8)
	if pixelBytes%2 == 1 {
		pixelBytes++
	}
	if b.Rows < 1 || b.Columns < 1 || b.Frames < 1 || (b.BitsAllocated != 8 && b.BitsAllocated != 16) || pixelBytes >= 1<<32-1 {
		return nil, fmt.Errorf("dicomtest: bomb %s: invalid geometry %d×%d×%d at %d bits", b.Name, b.Rows, b.Columns, b.Frames, b.BitsAllocated)
	}
	var ds []byte
	ds = ExplicitLE(ds, 0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7")
	ds = ExplicitLE(ds, 0x0008, 0x0060, "CS", "OT")
	ds = ExplicitLE(ds, 0x0020, 0x000E, "UI", "1.2.826.0.1.3680043.2.1143.99.1")
	ds = ExplicitLEUS(ds, 0x0028, 0x0002, 1)
	ds = ExplicitLE(ds, 0x0028, 0x0004, "CS", "MONOCHROME2")
	ds = ExplicitLE(ds, 0x0028, 0x0008, "IS", fmt.Sprint(b.Frames))
	ds = ExplicitLEUS(ds, 0x0028, 0x0010, uint16(b.Rows))
	ds = ExplicitLEUS(ds, 0x0028, 0x0011, uint16(b.Columns))
	ds = ExplicitLEUS(ds, 0x0028, 0x0100, uint16(b.BitsAllocated))
	ds = ExplicitLEUS(ds, 0x0028, 0x0101, uint16(b.BitsAllocated))
	ds = ExplicitLEUS(ds, 0x0028, 0x0102, uint16(b.BitsAllocated-1))
	ds = ExplicitLEUS(ds, 0x0028, 0x0103, 0)
	le := binary.LittleEndian
	var tail []byte
	if b.Hidden {
		ds = append(ds, 0x09, 0, 0x10, 0, 'S', 'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF) // (0009,0010) SQ, undefined length
		ds = append(ds, 0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF)           // item, undefined length
		ds = append(ds, 0x09, 0, 0x10, 0x10, 'O', 'B', 0, 0)                      // (0009,1010) OB
		ds = le.AppendUint32(ds, uint32(pixelBytes))
		tail = append(tail, 0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0) // item delimiter
		tail = append(tail, 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0) // sequence delimiter
		tail = append(tail, 0xE0, 0x7F, 0x10, 0x00, 'O', 'B', 0, 0, 0, 0, 0, 0)
	} else {
		ds = le.AppendUint16(ds, 0x7FE0)
		ds = le.AppendUint16(ds, 0x0010)
		ds = append(ds, "OB\x00\x00"...)
		ds = le.AppendUint32(ds, uint32(pixelBytes))
	}

	var out bytes.Buffer
	out.Write(Meta("1.2.840.10008.1.2.1.99", "1.2.840.10008.5.1.4.1.1.7"))
	zw, err := flate.NewWriter(&out, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	zw.Write(ds)
	zero := make([]byte, 1<<20)
	for left := pixelBytes; left > 0; {
		n := min(left, int64(len(zero)))
		zw.Write(zero[:n])
		left -= n
	}
	zw.Write(tail)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Meta returns a 128-byte preamble, the DICM marker and a file meta
// information group naming the transfer syntax ts and SOP class sop.
func Meta(ts, sop string) []byte {
	var meta []byte
	meta = binary.LittleEndian.AppendUint16(meta, 2)
	meta = binary.LittleEndian.AppendUint16(meta, 1)
	meta = append(meta, "OB\x00\x00"...)
	meta = binary.LittleEndian.AppendUint32(meta, 2)
	meta = append(meta, 0, 1)
	meta = ExplicitLE(meta, 0x0002, 0x0002, "UI", sop)
	meta = ExplicitLE(meta, 0x0002, 0x0003, "UI", "1.2.826.0.1.3680043.2.1143.99.2")
	meta = ExplicitLE(meta, 0x0002, 0x0010, "UI", ts)
	out := make([]byte, 128, 128+16+len(meta))
	out = append(out, "DICM"...)
	out = append(out, 2, 0, 0, 0, 'U', 'L', 4, 0)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(meta)))
	return append(out, meta...)
}

// ExplicitLE appends an explicit VR little endian element with a short
// (16-bit) length holding the text s, padded to even length (UIDs with NUL,
// other VRs with a space).
func ExplicitLE(dst []byte, group, element uint16, vr, s string) []byte {
	if len(s)%2 == 1 {
		if vr == "UI" {
			s += "\x00"
		} else {
			s += " "
		}
	}
	dst = binary.LittleEndian.AppendUint16(dst, group)
	dst = binary.LittleEndian.AppendUint16(dst, element)
	dst = append(dst, vr...)
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(s)))
	return append(dst, s...)
}

// ExplicitLEUS appends an explicit VR little endian US element.
func ExplicitLEUS(dst []byte, group, element, v uint16) []byte {
	dst = binary.LittleEndian.AppendUint16(dst, group)
	dst = binary.LittleEndian.AppendUint16(dst, element)
	dst = append(dst, "US"...)
	dst = binary.LittleEndian.AppendUint16(dst, 2)
	return binary.LittleEndian.AppendUint16(dst, v)
}
