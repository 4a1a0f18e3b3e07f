package dicomview

import (
	"encoding/binary"
	"math"
	"strings"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// This file holds the lookup tables of the pixel pipeline: the Modality
// LUT Sequence (PS3.3 C.11.1), the VOI LUT Function and VOI LUT Sequence
// (C.11.2), the Presentation LUT Shape (C.11.6) and the palette of
// PALETTE COLOR images (C.7.6.3.1.5), as plain functions on plain data.

// VOI LUT functions (PS3.3 C.11.2.1.3).
const (
	VOILinear      = "LINEAR"
	VOILinearExact = "LINEAR_EXACT"
	VOISigmoid     = "SIGMOID"
)

// lut is a lookup table: input first maps to data[0]; inputs below or
// above the table map to its first or last entry.
type lut struct {
	first int64
	bits  int // bits of an entry (8 or 16 in practice)
	data  []uint16
	name  string // LUT Explanation
}

// at returns the entry for input x.
func (l *lut) at(x int64) uint16 {
	i := x - l.first
	switch {
	case i < 0:
		i = 0
	case i >= int64(len(l.data)):
		i = int64(len(l.data) - 1)
	}
	return l.data[i]
}

// Tags of the LUT attributes.
var (
	tagLUTDescriptor          = tag.Tag{Group: 0x0028, Element: 0x3002}
	tagLUTExplanation         = tag.Tag{Group: 0x0028, Element: 0x3003}
	tagLUTData                = tag.Tag{Group: 0x0028, Element: 0x3006}
	tagModalityLUTSequence    = tag.Tag{Group: 0x0028, Element: 0x3000}
	tagVOILUTSequence         = tag.Tag{Group: 0x0028, Element: 0x3010}
	tagVOILUTFunction         = tag.Tag{Group: 0x0028, Element: 0x1056}
	tagPresentationLUTShape   = tag.Tag{Group: 0x2050, Element: 0x0020}
	tagPaletteDescriptors     = [3]tag.Tag{{Group: 0x0028, Element: 0x1101}, {Group: 0x0028, Element: 0x1102}, {Group: 0x0028, Element: 0x1103}}
	tagPaletteData            = [3]tag.Tag{{Group: 0x0028, Element: 0x1201}, {Group: 0x0028, Element: 0x1202}, {Group: 0x0028, Element: 0x1203}}
	tagSegmentedPaletteRedLUT = tag.Tag{Group: 0x0028, Element: 0x1221}
)

// readLUT reads a LUT from a descriptor element and a data element.
// signedFirst says the first mapped value is signed (PS3.3 C.11.1.1.1:
// it follows Pixel Representation for the modality and VOI LUTs).
func readLUT(desc, data *dicom.Element, signedFirst bool, order binary.ByteOrder) (*lut, error) {
	if desc == nil || data == nil {
		return nil, malformed("malformed DICOM: LUT without descriptor or data")
	}
	l, err := lutDescriptor(desc, signedFirst)
	if err != nil {
		return nil, err
	}
	if err := l.readData(data, order); err != nil {
		return nil, err
	}
	return l, nil
}

// lutDescriptor reads a LUT Descriptor (entries, first mapped value, bits
// per entry) and returns the LUT with room for its entries.
func lutDescriptor(desc *dicom.Element, signedFirst bool) (*lut, error) {
	d, ok := desc.Value.GetValue().([]int)
	if !ok || len(d) != 3 {
		return nil, malformed("malformed DICOM: LUT Descriptor %s has %d values, want 3", desc.Tag, len(d))
	}
	n := d[0] & 0xFFFF
	if n == 0 {
		n = 1 << 16
	}
	first := int64(d[1] & 0xFFFF)
	if signedFirst && first >= 1<<15 {
		first -= 1 << 16
	}
	bits := d[2]
	if bits < 1 || bits > 16 {
		return nil, malformed("malformed DICOM: LUT Descriptor %s has %d bits per entry", desc.Tag, bits)
	}
	return &lut{first: first, bits: bits, data: make([]uint16, n)}, nil
}

// readData fills l's entries from a LUT Data element: integers, 16-bit
// words, or eight-bit entries packed two to a word.
func (l *lut) readData(data *dicom.Element, order binary.ByteOrder) error {
	n := len(l.data)
	switch v := data.Value.GetValue().(type) {
	case []int:
		if len(v) < n {
			return malformed("malformed DICOM: LUT Data %s has %d entries, its descriptor %d", data.Tag, len(v), n)
		}
		for i := range l.data {
			l.data[i] = uint16(v[i])
		}
	case []byte:
		switch {
		case len(v) >= 2*n:
			for i := range l.data {
				l.data[i] = order.Uint16(v[2*i:])
			}
		case l.bits <= 8 && len(v) >= n:
			// Eight-bit entries packed two to a word (seen in palettes).
			for i := range l.data {
				l.data[i] = uint16(v[i])
			}
		default:
			return malformed("malformed DICOM: LUT Data %s has %d bytes for %d entries", data.Tag, len(v), n)
		}
	default:
		return malformed("malformed DICOM: LUT Data %s is not binary", data.Tag)
	}
	return nil
}

// lutItems reads the LUTs of a Modality or VOI LUT Sequence.
func lutItems(elems []*dicom.Element, seq tag.Tag, signed bool, order binary.ByteOrder) ([]*lut, error) {
	var out []*lut
	for _, it := range items(find(elems, seq)) {
		l, err := readLUT(find(it, tagLUTDescriptor), find(it, tagLUTData), signed, order)
		if err != nil {
			return nil, err
		}
		l.name = text(it, tagLUTExplanation)
		out = append(out, l)
	}
	return out, nil
}

// voiFunction returns the VOI LUT Function of elems, "" when absent, or
// an error for an unknown one.
func voiFunction(elems []*dicom.Element) (string, error) {
	f := strings.ToUpper(text(elems, tagVOILUTFunction))
	switch f {
	case "", VOILinear, VOILinearExact, VOISigmoid:
		return f, nil
	}
	return "", unsupported("VOI LUT Function %q is not supported (only LINEAR, LINEAR_EXACT and SIGMOID)", f)
}

// voiExact applies the LINEAR_EXACT VOI LUT function (PS3.3
// C.11.2.1.3.2) for the output range 0…255.
func voiExact(x float64, w Window) uint8 {
	lo, hi := w.Center-w.Width/2, w.Center+w.Width/2
	switch {
	case x <= lo:
		return 0
	case x > hi:
		return 255
	}
	return uint8(float64(float64((x-lo)/w.Width)*255) + 0.5)
}

// voiSigmoid applies the SIGMOID VOI LUT function (PS3.3 C.11.2.1.3.1) for
// the output range 0…255.
func voiSigmoid(x float64, w Window) uint8 {
	y := 255 / (1 + math.Exp(-4*(x-w.Center)/w.Width))
	return uint8(y + 0.5)
}

// voiFunc returns the per-value VOI function for name.
func voiFunc(name string) func(float64, Window) uint8 {
	switch name {
	case VOILinearExact:
		return voiExact
	case VOISigmoid:
		return voiSigmoid
	}
	return voiLinear
}

// applyVOILUT maps modality values through a VOI LUT, scaling its output
// range (the descriptor's bits) to 0…255, inverting for invert.
func applyVOILUT(dst []uint8, vals []float32, l *lut, invert bool) {
	maxOut := float64(uint32(1)<<uint(l.bits) - 1)
	for i, v := range vals {
		e := float64(l.at(int64(math.Floor(float64(v)))))
		y := uint8(math.Min(255, float64(e*255)/maxOut+0.5))
		if invert {
			y = 255 - y
		}
		dst[i] = y
	}
}

// palette is the three colour LUTs of a PALETTE COLOR image.
type palette [3]*lut

// readPalette reads the palette colour LUTs of elems.
func readPalette(elems []*dicom.Element, order binary.ByteOrder) (palette, error) {
	var p palette
	if find(elems, tagSegmentedPaletteRedLUT) != nil && find(elems, tagPaletteData[0]) == nil {
		return p, unsupported("segmented palette colour LUTs are not supported")
	}
	for c := range p {
		if find(elems, tagPaletteDescriptors[c]) == nil || find(elems, tagPaletteData[c]) == nil {
			return p, malformed("malformed DICOM: PALETTE COLOR image without its %s palette colour LUT", [3]string{"red", "green", "blue"}[c])
		}
		l, err := readLUT(find(elems, tagPaletteDescriptors[c]), find(elems, tagPaletteData[c]), false, order)
		if err != nil {
			return p, err
		}
		p[c] = l
	}
	return p, nil
}

// rgb maps a stored index through the palette to 8-bit R, G, B: 16-bit
// entries keep their high byte.
func (p palette) rgb(x int64) (r, g, b uint8) {
	var out [3]uint8
	for c, l := range p {
		v := l.at(x)
		if l.bits > 8 {
			v >>= 8
		}
		out[c] = uint8(v)
	}
	return out[0], out[1], out[2]
}
