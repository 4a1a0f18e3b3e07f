package deid

import (
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// phi5 is identifying information in 5.dcm that must not survive.
var phi5 = []string{"Perfusion", "MCA Stroke", "19500704", "St. Nowhere Hospital", "Thomas^Albert", "Smith^John",
	"Jones^Molly", "CONSOLE01", "20061219", "1166562673"}

func TestApply5(t *testing.T) {
	attrs, err := dicomview.Attributes(dicomtest.File(t, "5.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	key := Key("secret")
	out := Apply(attrs, key)
	if len(out) != len(attrs) {
		t.Fatalf("%d results for %d attributes", len(out), len(attrs))
	}
	byKw := map[string]Result{}
	for _, r := range out {
		byKw[r.Keyword] = r
		for _, v := range r.Values {
			for _, p := range phi5 {
				if strings.Contains(v, p) {
					t.Errorf("%s (%04x,%04x) %s keeps %q", r.Keyword, r.Group, r.Element, r.Action, v)
				}
			}
		}
	}
	tests := []struct {
		kw   string
		act  Action
		want string // first value; "" for none
	}{
		{"PatientName", Remove, ""},
		{"PatientID", Remove, ""},
		{"PatientBirthDate", Remove, ""},
		{"InstitutionName", Remove, ""},
		{"ReferringPhysicianName", Remove, ""},
		{"AccessionNumber", Remove, ""},
		{"StudyTime", Remove, ""},
		{"Modality", Keep, "CT"},
		{"Rows", Keep, "512"},
		{"ImageType", Keep, "DERIVED"},
		{"SOPClassUID", Keep, "1.2.840.10008.5.1.4.1.1.2.1"},
		{"StudyInstanceUID", NewUID, key.UID("1.3.6.1.4.1.5962.1.2.10.1166562673.14401")},
		{"StudyDate", Shifted, mustShift(t, key, "20061219")},
		{"SeriesDate", Shifted, mustShift(t, key, "20061219")},
	}
	for _, tt := range tests {
		r, ok := byKw[tt.kw]
		if !ok {
			t.Errorf("%s not in the results", tt.kw)
			continue
		}
		got := ""
		if len(r.Values) > 0 {
			got = r.Values[0]
		}
		if r.Action != tt.act || got != tt.want {
			t.Errorf("%s: %s %q, want %s %q", tt.kw, r.Action, got, tt.act, tt.want)
		}
	}
}

func mustShift(t *testing.T, k Key, d string) string {
	t.Helper()
	s, ok := k.ShiftDate(d)
	if !ok {
		t.Fatalf("ShiftDate(%q) failed", d)
	}
	return s
}

func TestKey(t *testing.T) {
	a, b := Key("a"), Key("b")
	uid := "1.2.3.4"
	if a.UID(uid) != a.UID(uid) || a.UID(uid) == b.UID(uid) || a.UID(uid) == a.UID("1.2.3.5") {
		t.Error("UID replacement is not consistent per key and distinct across keys and UIDs")
	}
	if u := a.UID(uid); !strings.HasPrefix(u, "2.25.") || len(u) > 64 {
		t.Errorf("UID %q is not a valid 2.25 UID", u)
	}
	for _, k := range []Key{a, b, Key("")} {
		if d := k.ShiftDays(); d < 365 || d > 3652 {
			t.Errorf("ShiftDays = %d", d)
		}
	}
	d1, _ := a.ShiftDate("20240301")
	d2, _ := a.ShiftDate("20240311")
	if d1 >= d2 || d1 == "20240301" {
		t.Errorf("shifted dates %s, %s do not keep their order or did not move", d1, d2)
	}
	if _, ok := a.ShiftDate("2024"); ok {
		t.Error("ShiftDate accepted a partial date")
	}
	res := Apply([]dicomview.Attribute{
		{Group: 0x0009, Element: 0x1001, VR: "LO", Values: []string{"private"}},
		{Group: 0x0008, Element: 0x0020, Keyword: "StudyDate", VR: "DA", Values: []string{"garbage"}},
		{Group: 0x0040, Element: 0xa123, Keyword: "PersonName", VR: "PN", Values: []string{"Doe^Jane"}},
		{Group: 0x0018, Element: 0x0050, Keyword: "SliceThickness", VR: "DS", Values: []string{"5"}},
	}, a)
	for i, want := range []Action{Remove, Remove, Remove, Keep} {
		if res[i].Action != want || (want == Remove) != (len(res[i].Values) == 0) {
			t.Errorf("attribute %d: %+v, want action %s", i, res[i], want)
		}
	}
}
