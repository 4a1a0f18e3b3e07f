package dicomview

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// This file builds small synthetic DICOM files for tests, so that each
// pixel-module case (signed data, MONOCHROME1, RGB, big endian, damaged
// lengths) has a file of a few bytes with known values.

// byteOrder is binary.LittleEndian or binary.BigEndian.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// elem is one data element to encode. Values are already encoded for the
// file's byte order; undefined marks an undefined length (children are
// written after it, followed by the sequence delimiter).
type elem struct {
	group, element uint16
	vr             string
	value          []byte
	vl             *uint32 // overrides the encoded length
	children       [][]elem
	undefined      bool
}

// dicomFile describes a synthetic file.
type dicomFile struct {
	ts    string // transfer syntax UID
	order byteOrder
	// implicit VR encoding of the data set
	implicit bool
	// noMeta: write only the data set, without preamble, DICM marker and
	// file meta information (an ACR-NEMA style file).
	noMeta bool
	elems  []elem
}

func (f dicomFile) bytes() []byte {
	if f.noMeta {
		order := f.order
		if order == nil {
			order = binary.LittleEndian
		}
		return encodeElems(order, f.implicit, f.elems)
	}
	meta := encodeElems(binary.LittleEndian, false, []elem{
		{group: 2, element: 1, vr: "OB", value: []byte{0, 1}},
		{group: 2, element: 2, vr: "UI", value: uiValue("1.2.840.10008.5.1.4.1.1.7")},
		{group: 2, element: 3, vr: "UI", value: uiValue("1.2.3.4")},
		{group: 2, element: 0x10, vr: "UI", value: uiValue(f.ts)},
	})
	out := make([]byte, 128, 128+4+12+len(meta))
	out = append(out, "DICM"...)
	out = append(out, encodeElems(binary.LittleEndian, false, []elem{
		{group: 2, element: 0, vr: "UL", value: binary.LittleEndian.AppendUint32(nil, uint32(len(meta)))},
	})...)
	out = append(out, meta...)
	order := f.order
	if order == nil {
		order = binary.LittleEndian
	}
	return append(out, encodeElems(order, f.implicit, f.elems)...)
}

func encodeElems(bo byteOrder, implicit bool, elems []elem) []byte {
	var out []byte
	for _, e := range elems {
		out = bo.AppendUint16(out, e.group)
		out = bo.AppendUint16(out, e.element)
		var body []byte
		if e.vr == "SQ" {
			for _, item := range e.children {
				inner := encodeElems(bo, implicit, item)
				body = bo.AppendUint16(body, 0xFFFE)
				body = bo.AppendUint16(body, 0xE000)
				body = bo.AppendUint32(body, uint32(len(inner)))
				body = append(body, inner...)
			}
		} else {
			body = e.value
		}
		vl := uint32(len(body))
		if e.undefined {
			vl = undefinedLength
		}
		if e.vl != nil {
			vl = *e.vl
		}
		switch {
		case implicit:
			out = bo.AppendUint32(out, vl)
		case e.vr == "OB" || e.vr == "OW" || e.vr == "SQ" || e.vr == "UN" || e.vr == "UT":
			out = append(out, e.vr...)
			out = append(out, 0, 0)
			out = bo.AppendUint32(out, vl)
		default:
			out = append(out, e.vr...)
			out = bo.AppendUint16(out, uint16(vl))
		}
		out = append(out, body...)
		if e.undefined {
			out = bo.AppendUint16(out, 0xFFFE)
			out = bo.AppendUint16(out, 0xE0DD)
			out = bo.AppendUint32(out, 0)
		}
	}
	return out
}

// uiValue pads a UID to even length with NUL.
func uiValue(s string) []byte {
	if len(s)%2 == 1 {
		s += "\x00"
	}
	return []byte(s)
}

// csValue pads a string to even length with a space.
func csValue(s string) []byte {
	if len(s)%2 == 1 {
		s += " "
	}
	return []byte(s)
}

func str(g, e uint16, vr, s string) elem {
	if vr == "UI" {
		return elem{group: g, element: e, vr: vr, value: uiValue(s)}
	}
	return elem{group: g, element: e, vr: vr, value: csValue(s)}
}

func us(bo byteOrder, g, e uint16, v uint16) elem {
	return elem{group: g, element: e, vr: "US", value: bo.AppendUint16(nil, v)}
}

// imageElems returns the Image Pixel module of a greyscale or RGB image.
func imageElems(bo byteOrder, rows, cols, samples, bitsAlloc, bitsStored, highBit, pixRep int, photometric string) []elem {
	out := []elem{
		str(0x0008, 0x0060, "CS", "OT"),
		us(bo, 0x0028, 0x0002, uint16(samples)),
		str(0x0028, 0x0004, "CS", photometric),
		us(bo, 0x0028, 0x0010, uint16(rows)),
		us(bo, 0x0028, 0x0011, uint16(cols)),
		us(bo, 0x0028, 0x0100, uint16(bitsAlloc)),
		us(bo, 0x0028, 0x0101, uint16(bitsStored)),
		us(bo, 0x0028, 0x0102, uint16(highBit)),
		us(bo, 0x0028, 0x0103, uint16(pixRep)),
	}
	return out
}

// pixelData returns a PixelData element holding 16-bit words.
func pixelData16(bo byteOrder, words ...uint16) elem {
	var b []byte
	for _, w := range words {
		b = bo.AppendUint16(b, w)
	}
	return elem{group: 0x7FE0, element: 0x0010, vr: "OW", value: b}
}

// writeTemp writes data to a file in a test temporary directory.
func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
