package dicomview

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// Attribute is one top-level data element of a DICOM file, as text. It is
// the raw attribute, patient data included: de-identify it (history/deid)
// before showing or exporting it.
type Attribute struct {
	Group, Element uint16
	// Keyword is the DICOM keyword, e.g. "PatientName"; "" for private or
	// unknown tags.
	Keyword string
	VR      string
	// Values are the element's values as text; a sequence has none and
	// binary data is left out.
	Values []string
	// Items are the items of a sequence (VR SQ), each its attributes in
	// file order; nil for other elements.
	Items [][]Attribute
}

// Attributes reads the attributes of the DICOM file at path, without its
// pixel data, in file order (File Meta Information first), the items of
// sequences nested in Items.
// Errors name the file and match ErrMalformed as Load's do.
func Attributes(path string) ([]Attribute, error) {
	data, err := readFile(path, newBudget(CurrentLimits(), nil))
	if err != nil {
		return nil, fmt.Errorf("read attributes of %s: %w", path, err)
	}
	return ParseAttributes(path, data)
}

// ParseAttributes is Attributes for a DICOM file already in memory (for
// example an entry of a ZIP archive); name is used in errors.
func ParseAttributes(name string, data []byte) ([]Attribute, error) {
	path := name
	if !looksLikeDICOM(data) {
		return nil, fmt.Errorf("read attributes of %s: %w", path, malformed("not a DICOM file (no DICM marker at offset 128)"))
	}
	// Bound the parse (and inflate a deflated data set) as Load does; a
	// transfer syntax without a codec here still has readable attributes.
	if checked, sc, err := checkDICOM(data, newBudget(CurrentLimits(), nil)); err == nil {
		data = parserInput(checked, sc)
	} else if !errors.Is(err, ErrUnsupportedTransferSyntax) || !isDICOM(data) {
		return nil, fmt.Errorf("read attributes of %s: %w", path, err)
	}
	ds, err := parseDataset(data)
	if err != nil {
		return nil, fmt.Errorf("read attributes of %s: %w", path, err)
	}
	return attributesOf(ds.Elements, 0), nil
}

// attributesOf converts elements (and the items of their sequences, up to
// maxNesting deep) to attributes, leaving out pixel data.
func attributesOf(elems []*dicom.Element, depth int) []Attribute {
	out := make([]Attribute, 0, len(elems))
	for _, e := range elems {
		if e == nil || e.Tag == tag.PixelData {
			continue
		}
		a := Attribute{Group: e.Tag.Group, Element: e.Tag.Element, VR: e.RawValueRepresentation}
		if info, err := tag.Find(e.Tag); err == nil && e.Tag.Group%2 == 0 {
			a.Keyword = info.Name
		}
		if e.Value != nil {
			a.Values = valueTexts(e.Value)
			if items, ok := e.Value.GetValue().([]*dicom.SequenceItemValue); ok && depth < maxNesting {
				a.Items = make([][]Attribute, 0, len(items))
				for _, it := range items {
					sub, _ := it.GetValue().([]*dicom.Element)
					a.Items = append(a.Items, attributesOf(sub, depth+1))
				}
			}
		}
		out = append(out, a)
	}
	return out
}

// valueTexts returns the values of v as text; nil for sequences and bytes.
func valueTexts(v dicom.Value) []string {
	switch x := v.GetValue().(type) {
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = strings.TrimSpace(strings.Trim(s, "\x00"))
		}
		return out
	case []int:
		out := make([]string, len(x))
		for i, n := range x {
			out[i] = strconv.Itoa(n)
		}
		return out
	case []float64:
		out := make([]string, len(x))
		for i, f := range x {
			out[i] = strconv.FormatFloat(f, 'g', -1, 64)
		}
		return out
	}
	return nil
}
