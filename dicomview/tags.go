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
}

// Attributes reads the top-level attributes of the DICOM file at path,
// without its pixel data, in file order (File Meta Information first).
// Errors name the file and match ErrMalformed as Load's do.
func Attributes(path string) ([]Attribute, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, fmt.Errorf("read attributes of %s: %w", path, err)
	}
	if !isDICOM(data) {
		return nil, fmt.Errorf("read attributes of %s: %w", path, malformed("not a DICOM file (no DICM marker at offset 128)"))
	}
	// Bound the parse (and inflate a deflated data set) as Load does; a
	// transfer syntax without a codec here still has readable attributes.
	if checked, _, err := checkDICOM(data); err == nil {
		data = checked
	} else if !errors.Is(err, ErrUnsupportedTransferSyntax) {
		return nil, fmt.Errorf("read attributes of %s: %w", path, err)
	}
	ds, err := parseDataset(data)
	if err != nil {
		return nil, fmt.Errorf("read attributes of %s: %w", path, err)
	}
	out := make([]Attribute, 0, len(ds.Elements))
	for _, e := range ds.Elements {
		if e == nil || e.Tag == tag.PixelData {
			continue
		}
		a := Attribute{Group: e.Tag.Group, Element: e.Tag.Element, VR: e.RawValueRepresentation}
		if info, err := tag.Find(e.Tag); err == nil && e.Tag.Group%2 == 0 {
			a.Keyword = info.Name
		}
		if e.Value != nil {
			a.Values = valueTexts(e.Value)
		}
		out = append(out, a)
	}
	return out, nil
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
