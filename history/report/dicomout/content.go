package dicomout

import (
	"fmt"
	"math"
	"strconv"
)

// formatDS writes v as a Decimal String: at most 16 characters.
func formatDS(v float64) string {
	for prec := 10; prec > 0; prec-- {
		if s := strconv.FormatFloat(v, 'g', prec, 64); len(s) <= 16 {
			return s
		}
	}
	return strconv.FormatFloat(v, 'e', 0, 64)
}

// Code is a coded concept: a code value, its coding scheme designator and
// its meaning (PS3.3 8.8, the Basic Code Sequence Macro).
type Code struct{ Value, Scheme, Meaning string }

// Relationship types of content items (PS3.3 C.17.3.2.4).
const (
	Contains      = "CONTAINS"
	HasObsContext = "HAS OBS CONTEXT"
	HasConceptMod = "HAS CONCEPT MOD"
	HasProperties = "HAS PROPERTIES"
	InferredFrom  = "INFERRED FROM"
)

// Item is a node of an SR content tree: a CONTAINER with children, or a
// TEXT, CODE, UIDREF or IMAGE leaf. The root is a CONTAINER whose
// Relationship is empty. Other value types (NUM for the measurement
// groups of TID 1500, SCOORD) are one more field and case in encode:
// Comprehensive SR allows them.
type Item struct {
	// Relationship is how the item relates to its parent ("" for the root).
	Relationship string
	// ValueType is CONTAINER, TEXT, CODE, UIDREF or IMAGE.
	ValueType string
	Concept   Code
	// Text is a TEXT item's value, UID a UIDREF item's.
	Text, UID string
	// Code is a CODE item's value.
	Code Code
	// Image is an IMAGE item's reference.
	Image Source
	// Value and Units are a NUM item's measured value and its unit (a
	// UCUM code).
	Value float64
	Units Code
	// Children are a CONTAINER's items, or a leaf's (e.g. its modifiers).
	Children []Item
}

// Container is a CONTAINER item with separate items (continuity SEPARATE).
func Container(rel string, concept Code, children ...Item) Item {
	return Item{Relationship: rel, ValueType: "CONTAINER", Concept: concept, Children: children}
}

// Text is a TEXT item.
func Text(rel string, concept Code, value string) Item {
	return Item{Relationship: rel, ValueType: "TEXT", Concept: concept, Text: value}
}

// CodeItem is a CODE item.
func CodeItem(rel string, concept, value Code) Item {
	return Item{Relationship: rel, ValueType: "CODE", Concept: concept, Code: value}
}

// UIDRef is a UIDREF item.
func UIDRef(rel string, concept Code, uid string) Item {
	return Item{Relationship: rel, ValueType: "UIDREF", Concept: concept, UID: uid}
}

// Num is a NUM item: value in units (a UCUM code, scheme "UCUM").
func Num(rel string, concept Code, value float64, units Code) Item {
	return Item{Relationship: rel, ValueType: "NUM", Concept: concept, Value: value, Units: units}
}

// Image is an IMAGE item referencing src.
func Image(rel string, concept Code, src Source) Item {
	return Item{Relationship: rel, ValueType: "IMAGE", Concept: concept, Image: src}
}

// codeItem is the Basic Code Sequence Macro's item for c.
func codeItem(c Code) dataset {
	return dataset{
		text(tagCodeValue, "SH", c.Value),
		text(tagCodingSchemeDesignator, "SH", c.Scheme),
		text(tagCodeMeaning, "LO", c.Meaning),
	}
}

// referencedSOP is a Referenced SOP Sequence item for src (with its frame
// for a multi-frame image).
func referencedSOP(src Source) dataset {
	ds := dataset{
		text(tagReferencedSOPClassUID, "UI", src.SOPClassUID),
		text(tagReferencedSOPInstanceUID, "UI", src.SOPInstanceUID),
	}
	if src.Frame > 0 {
		ds = append(ds, text(tagReferencedFrameNumber, "IS", strconv.Itoa(src.Frame)))
	}
	return ds
}

// encode is the item's attributes (for the root, those of the SR Document
// Content Module; otherwise one Content Sequence item).
func (it Item) encode() (dataset, error) {
	ds := dataset{text(tagValueType, "CS", it.ValueType)}
	if it.Relationship != "" {
		ds = append(ds, text(tagRelationshipType, "CS", it.Relationship))
	}
	if it.Concept.Value != "" {
		ds = append(ds, sq(tagConceptNameCodeSequence, codeItem(it.Concept)))
	} else if it.Relationship == "" || it.ValueType != "IMAGE" {
		return nil, fmt.Errorf("sr content: a %s item needs a concept name", it.ValueType)
	}
	switch it.ValueType {
	case "CONTAINER":
		ds = append(ds, text(tagContinuityOfContent, "CS", "SEPARATE"))
	case "TEXT":
		if it.Text == "" {
			return nil, fmt.Errorf("sr content: TEXT item %q is empty", it.Concept.Meaning)
		}
		ds = append(ds, text(tagTextValue, "UT", it.Text))
	case "CODE":
		ds = append(ds, sq(tagConceptCodeSequence, codeItem(it.Code)))
	case "UIDREF":
		ds = append(ds, text(tagUID, "UI", it.UID))
	case "IMAGE":
		ds = append(ds, sq(tagReferencedSOPSequence, referencedSOP(it.Image)))
	case "NUM":
		if it.Units.Value == "" || math.IsNaN(it.Value) || math.IsInf(it.Value, 0) {
			return nil, fmt.Errorf("sr content: NUM item %q needs a finite value and a unit", it.Concept.Meaning)
		}
		ds = append(ds, sq(tagMeasuredValueSequence, dataset{
			sq(tagMeasurementUnitsCodeSequence, codeItem(it.Units)),
			text(tagNumericValue, "DS", formatDS(it.Value)),
		}))
	default:
		return nil, fmt.Errorf("sr content: value type %q is not written yet", it.ValueType)
	}
	if len(it.Children) > 0 {
		items := make([]dataset, 0, len(it.Children))
		for _, c := range it.Children {
			if c.Relationship == "" {
				return nil, fmt.Errorf("sr content: item %q under %q has no relationship", c.Concept.Meaning, it.Concept.Meaning)
			}
			cds, err := c.encode()
			if err != nil {
				return nil, err
			}
			items = append(items, cds)
		}
		ds = append(ds, sq(tagContentSequence, items...))
	}
	return ds, nil
}
