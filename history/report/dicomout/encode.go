package dicomout

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
)

// This file is the explicit VR little endian encoder: data elements with
// defined lengths, sequences and items with defined lengths, values padded
// to even length as PS3.5 6.2 says (UI and OB with NUL, text with a space).

// TransferSyntax is the transfer syntax of every file written here,
// Explicit VR Little Endian.
const TransferSyntax = "1.2.840.10008.1.2.1"

// element is one data element. A sequence (VR SQ) has items and no value.
type element struct {
	tag   uint32
	vr    string
	value []byte
	items []dataset
}

// dataset is a list of elements in any order; encoding sorts them.
type dataset []element

// longVR are the VRs whose explicit-VR header has a reserved field and a
// 32-bit length (PS3.5 7.1.2).
var longVR = map[string]bool{"OB": true, "OD": true, "OF": true, "OL": true, "OV": true, "OW": true,
	"SQ": true, "SV": true, "UC": true, "UN": true, "UR": true, "UT": true, "UV": true}

// maxLen are the longest values, in bytes per value, of the text VRs this
// package writes (PS3.5 table 6.2-1); a longer value is an error rather
// than a file a validator rejects.
var maxLen = map[string]int{"AE": 16, "AS": 4, "CS": 16, "DA": 8, "DS": 16, "DT": 26, "IS": 12,
	"LO": 64, "LT": 10240, "PN": 324, "SH": 16, "ST": 1024, "TM": 14, "UI": 64}

// text makes an element of a text VR from its values, joined with the
// backslash and padded to even length.
func text(tag uint32, vr string, values ...string) element {
	v := []byte(strings.Join(values, `\`))
	if len(v)%2 == 1 {
		pad := byte(' ')
		if vr == "UI" {
			pad = 0
		}
		v = append(v, pad)
	}
	return element{tag: tag, vr: vr, value: v}
}

// us is an element of VR US with one value.
func us(tag uint32, n uint16) element {
	return element{tag: tag, vr: "US", value: binary.LittleEndian.AppendUint16(nil, n)}
}

// ul is an element of VR UL with one value.
func ul(tag uint32, n uint32) element {
	return element{tag: tag, vr: "UL", value: binary.LittleEndian.AppendUint32(nil, n)}
}

// ob is an element of VR OB, padded with NUL to even length.
func ob(tag uint32, b []byte) element {
	v := b
	if len(v)%2 == 1 {
		v = append(append(make([]byte, 0, len(b)+1), b...), 0)
	}
	return element{tag: tag, vr: "OB", value: v}
}

// sq is a sequence of the given items; no items is an empty (Type 2)
// sequence.
func sq(tag uint32, items ...dataset) element {
	return element{tag: tag, vr: "SQ", items: items}
}

// check reports the first value of ds, at any depth, that is too long for
// its VR or holds a character its VR does not allow.
func (ds dataset) check() error {
	for _, e := range ds {
		if e.vr == "SQ" {
			for _, it := range e.items {
				if err := it.check(); err != nil {
					return err
				}
			}
			continue
		}
		limit, ok := maxLen[e.vr]
		if !ok {
			continue
		}
		for _, v := range strings.Split(strings.TrimRight(string(e.value), " \x00"), `\`) {
			if len(v) > limit {
				return fmt.Errorf("attribute (%04X,%04X) %s: value %.20q… is %d bytes, more than %d", e.tag>>16, e.tag&0xffff, e.vr, v, len(v), limit)
			}
			if e.vr == "UI" && !validUID(v) && v != "" {
				return fmt.Errorf("attribute (%04X,%04X): %q is not a UID", e.tag>>16, e.tag&0xffff, v)
			}
		}
	}
	return nil
}

// nonASCII reports whether a text value of ds, at any depth, holds a
// byte outside ASCII (and so needs SpecificCharacterSet ISO_IR 192).
func (ds dataset) nonASCII() bool {
	for _, e := range ds {
		for _, it := range e.items {
			if it.nonASCII() {
				return true
			}
		}
		if e.vr == "OB" || e.vr == "UL" || e.vr == "US" {
			continue
		}
		for _, c := range e.value {
			if c >= 0x80 {
				return true
			}
		}
	}
	return false
}

// encode writes ds in ascending tag order, explicit VR little endian.
func (ds dataset) encode(w *bytes.Buffer) {
	sorted := append(dataset(nil), ds...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].tag < sorted[j].tag })
	for _, e := range sorted {
		e.encode(w)
	}
}

// length is the encoded length of ds in bytes.
func (ds dataset) length() int {
	n := 0
	for _, e := range ds {
		n += e.length()
	}
	return n
}

// valueLength is the length of e's value field.
func (e element) valueLength() int {
	if e.vr != "SQ" {
		return len(e.value)
	}
	n := 0
	for _, it := range e.items {
		n += 8 + it.length()
	}
	return n
}

// length is the encoded length of e, header included.
func (e element) length() int {
	h := 8
	if longVR[e.vr] {
		h = 12
	}
	return h + e.valueLength()
}

// encode writes e: its tag, VR, length and value (or items).
func (e element) encode(w *bytes.Buffer) {
	le := binary.LittleEndian
	var b [12]byte
	le.PutUint16(b[0:], uint16(e.tag>>16))
	le.PutUint16(b[2:], uint16(e.tag))
	copy(b[4:6], e.vr)
	if longVR[e.vr] {
		le.PutUint32(b[8:], uint32(e.valueLength()))
		w.Write(b[:12])
	} else {
		le.PutUint16(b[6:], uint16(e.valueLength()))
		w.Write(b[:8])
	}
	if e.vr != "SQ" {
		w.Write(e.value)
		return
	}
	for _, it := range e.items {
		le.PutUint16(b[0:], 0xFFFE)
		le.PutUint16(b[2:], 0xE000)
		le.PutUint32(b[4:], uint32(it.length()))
		w.Write(b[:8])
		it.encode(w)
	}
}

// part10 is the DICOM file (PS3.10): a 128-byte preamble, "DICM", the
// File Meta Information group with its group length, then ds.
func part10(ds dataset, sopClass, sopInstance string, ids UIDs, version string) []byte {
	meta := dataset{
		ob(tagFileMetaInformationVersion, []byte{0, 1}),
		text(tagMediaStorageSOPClassUID, "UI", sopClass),
		text(tagMediaStorageSOPInstanceUID, "UI", sopInstance),
		text(tagTransferSyntaxUID, "UI", TransferSyntax),
		text(tagImplementationClassUID, "UI", ids.ImplementationClassUID()),
		text(tagImplementationVersionName, "SH", implementationVersionName(version)),
	}
	var w bytes.Buffer
	w.Write(make([]byte, 128))
	w.WriteString("DICM")
	ul(tagFileMetaInformationGroupLength, uint32(meta.length())).encode(&w)
	meta.encode(&w)
	ds.encode(&w)
	return w.Bytes()
}
