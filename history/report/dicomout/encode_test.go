package dicomout

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

func TestValidRoot(t *testing.T) {
	for _, tc := range []struct {
		root string
		ok   bool
	}{
		{"", true},
		{"1.2.826.0.1.3680043.10.1234", true},
		{"2.25", true},
		{"1.2.3.0", true},
		{strings.Repeat("1", MaxRootLen), true},
		{strings.Repeat("1", MaxRootLen+1), false},
		{"1.2.03", false},
		{"1..2", false},
		{".1.2", false},
		{"1.2.", false},
		{"1.2.a", false},
		{"1.2 3", false},
	} {
		if err := ValidRoot(tc.root); (err == nil) != tc.ok {
			t.Errorf("ValidRoot(%q) = %v, want ok %v", tc.root, err, tc.ok)
		}
	}
}

func TestUIDsNew(t *testing.T) {
	for _, root := range []string{"", "1.2.826.0.1.3680043.10.1234", strings.Repeat("9", MaxRootLen)} {
		u := UIDs{Root: root}
		seen := map[string]bool{}
		for range 200 {
			v := u.New()
			if !validUID(v) || seen[v] {
				t.Fatalf("root %q: New() = %q: not a valid new UID", root, v)
			}
			seen[v] = true
			prefix := root + "."
			if root == "" {
				prefix = "2.25."
			}
			if !strings.HasPrefix(v, prefix) || len(v)-len(prefix) < 16 {
				t.Fatalf("root %q: New() = %q: want %s and 16 or more digits", root, v, prefix)
			}
		}
		if c := u.ImplementationClassUID(); !validUID(c) || seen[c] {
			t.Errorf("root %q: ImplementationClassUID %q", root, c)
		}
	}
	if (UIDs{}).ImplementationClassUID() != implementationUUID {
		t.Error("the 2.25 implementation class UID is not fixed")
	}
}

// TestEncodeReadBack writes a dataset with nested sequences, odd-length
// values and a long-VR value, and reads it back with
// github.com/suyashkumar/dicom's parser.
func TestEncodeReadBack(t *testing.T) {
	inner := dataset{text(tagCodeValue, "SH", "ABC"), text(tagCodingSchemeDesignator, "SH", "99MGW"), text(tagCodeMeaning, "LO", "odd")}
	ds := dataset{
		text(tagSOPInstanceUID, "UI", "1.2.3"),
		text(tagSOPClassUID, "UI", ComprehensiveSR),
		text(tagTextValue, "UT", "an odd text"),
		sq(tagContentSequence, dataset{text(tagValueType, "CS", "CODE"), sq(tagConceptCodeSequence, inner)}, dataset{text(tagValueType, "CS", "TEXT")}),
		sq(tagPerformedProcedureCodeSequence),
		ob(tagEncapsulatedDocument, []byte("xyz")),
	}
	b := part10(ds, ComprehensiveSR, "1.2.3", UIDs{}, "1.0")
	if string(b[128:132]) != "DICM" {
		t.Fatal("no DICM marker")
	}
	// The group length counts the meta elements after it.
	gl := binary.LittleEndian.Uint32(b[140:144])
	if first := b[144+gl : 144+gl+4]; !bytes.Equal(first, []byte{0x08, 0x00, 0x16, 0x00}) {
		t.Errorf("group length %d: the data set does not start there (% x)", gl, first)
	}
	parsed, err := dicom.Parse(bytes.NewReader(b), int64(len(b)), nil, dicom.SkipPixelData())
	if err != nil {
		t.Fatal(err)
	}
	e, err := parsed.FindElementByTag(tag.ContentSequence)
	if err != nil {
		t.Fatal(err)
	}
	items := e.Value.GetValue().([]*dicom.SequenceItemValue)
	if len(items) != 2 {
		t.Fatalf("%d content items, want 2", len(items))
	}
	code := items[0].GetValue().([]*dicom.Element)
	var meaning string
	for _, el := range code {
		if el.Tag == tag.ConceptCodeSequence {
			for _, c := range el.Value.GetValue().([]*dicom.SequenceItemValue)[0].GetValue().([]*dicom.Element) {
				if c.Tag == tag.CodeMeaning {
					meaning = c.Value.GetValue().([]string)[0]
				}
			}
		}
	}
	if strings.TrimSpace(meaning) != "odd" {
		t.Errorf("nested code meaning %q, want odd", meaning)
	}
	doc, err := parsed.FindElementByTag(tag.EncapsulatedDocument)
	if err != nil {
		t.Fatal(err)
	}
	if v := doc.Value.GetValue().([]byte); string(v) != "xyz\x00" {
		t.Errorf("encapsulated %q, want xyz and a NUL pad", v)
	}
	if ts, _ := parsed.FindElementByTag(tag.TransferSyntaxUID); ts == nil || strings.TrimRight(ts.Value.GetValue().([]string)[0], "\x00") != TransferSyntax {
		t.Errorf("transfer syntax %v", ts)
	}
}

func TestCheckRejects(t *testing.T) {
	for _, ds := range []dataset{
		{text(tagCodeValue, "SH", strings.Repeat("x", 17))},
		{text(tagStudyInstanceUID, "UI", "1.2.x")},
		{sq(tagContentSequence, dataset{text(tagCodeMeaning, "LO", strings.Repeat("m", 65))})},
	} {
		if err := ds.check(); err == nil {
			t.Errorf("check accepted %v", ds)
		}
	}
}

func TestContentTree(t *testing.T) {
	src := Source{StudyInstanceUID: "1.2", SeriesInstanceUID: "1.2.3", SOPInstanceUID: "1.2.3.4", SOPClassUID: "1.2.840.10008.5.1.4.1.1.2"}
	rep := &Report{RunID: 7, Answer: "answer", Model: "m", ModelDigest: "sha256:1", Sources: []Source{src, src}}
	root := Content(rep)
	if root.Concept != CodeReport || root.Children[0].Concept != CodeEquivalentTitle || root.Children[0].Text != Title {
		t.Errorf("root %v, first child %v: want the coded title and its draft text", root.Concept, root.Children[0])
	}
	if _, err := Container("", CodeReport, Text(Contains, CodeFinding, "")).encode(); err == nil {
		t.Error("an empty TEXT item was accepted")
	}
	if _, err := Container("", CodeReport, Item{ValueType: "TEXT", Concept: CodeFinding, Text: "x"}).encode(); err == nil {
		t.Error("a child without a relationship was accepted")
	}
	// The evidence lists an instance once however often it is analysed.
	ev := evidence(rep.Sources)
	if len(ev) != 1 || len(ev[0][1].items) != 1 || len(ev[0][1].items[0][1].items) != 1 {
		t.Errorf("evidence %v: want one study, series and instance", ev)
	}
	// Measurements later: a root of the caller's own is accepted.
	doc, err := BuildSRContent(rep, Container("", Code{"126000", "DCM", "Imaging Measurement Report"}, Text(Contains, CodeFinding, "x")), UIDs{})
	if err != nil || doc.SOPClassUID != ComprehensiveSR {
		t.Errorf("BuildSRContent = %v, %v", doc, err)
	}
}

func TestToUTF8(t *testing.T) {
	for _, tc := range []struct {
		v, charset, want string
		ok               bool
	}{
		{"Smith^John", "ISO 2022 IR 87", "Smith^John", true},
		{"M\xfcller", "ISO_IR 100", "Müller", true},
		{"Müller", "ISO_IR 192", "Müller", true},
		{"Müller", "", "Müller", true},
		{"M\xfcller", "", "Müller", true},
		{"\x1b$B", "ISO 2022 IR 87", "", false},
		{"\xb0\xa1", "GB18030", "", false},
	} {
		got, err := toUTF8(tc.v, tc.charset)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("toUTF8(%q, %q) = %q, %v; want %q, ok %v", tc.v, tc.charset, got, err, tc.want, tc.ok)
		}
	}
}
