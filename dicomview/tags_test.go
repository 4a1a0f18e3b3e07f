package dicomview_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

func TestAttributes(t *testing.T) {
	attrs, err := dicomview.Attributes(dicomtest.File(t, "5.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]dicomview.Attribute{}
	for _, a := range attrs {
		got[a.Keyword] = a
		if a.Group == 0x7fe0 {
			t.Errorf("pixel data (%04x,%04x) among the attributes", a.Group, a.Element)
		}
	}
	for kw, want := range map[string]string{
		"PatientName": "Perfusion^MCA Stroke", "PatientBirthDate": "19500704", "InstitutionName": "St. Nowhere Hospital",
		"Modality": "CT", "Rows": "512", "StudyInstanceUID": "1.3.6.1.4.1.5962.1.2.10.1166562673.14401",
	} {
		if a := got[kw]; len(a.Values) == 0 || a.Values[0] != want {
			t.Errorf("%s = %+v, want %q", kw, a, want)
		}
	}
	if a := got["PatientName"]; a.VR != "PN" || a.Group != 0x0010 || a.Element != 0x0010 {
		t.Errorf("PatientName = %+v", a)
	}

	bad := filepath.Join(t.TempDir(), "x.dcm")
	if err := os.WriteFile(bad, []byte("not dicom"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := dicomview.Attributes(bad); !errors.Is(err, dicomview.ErrMalformed) {
		t.Errorf("Attributes of a text file: %v, want ErrMalformed", err)
	}
}

func TestAttributesSequenceItems(t *testing.T) {
	path := dicomtest.File(t, "5.dcm")
	attrs, err := dicomview.Attributes(path)
	if err != nil {
		t.Fatal(err)
	}
	var items int
	for _, a := range attrs {
		if a.VR != "SQ" && a.Items != nil {
			t.Errorf("%s (%s) has items", a.Keyword, a.VR)
		}
		for _, it := range a.Items {
			items++
			if len(it) == 0 {
				t.Errorf("an item of sequence %s has no attributes", a.Keyword)
			}
		}
	}
	if items == 0 {
		t.Fatal("5.dcm: no sequence item among the attributes")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	same, err := dicomview.ParseAttributes("5.dcm", data)
	if err != nil || len(same) != len(attrs) {
		t.Errorf("ParseAttributes gave %d attributes (%v), want %d", len(same), err, len(attrs))
	}
}
