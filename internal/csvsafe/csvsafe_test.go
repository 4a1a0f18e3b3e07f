package csvsafe

import (
	"bytes"
	"encoding/csv"
	"testing"
)

func TestCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"@SUM(1+1)", "'@SUM(1+1)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"a=1", "a=1"},
		{"-600", "-600"},
		{"-3.25e2", "-3.25e2"},
		{"-600;40", "-600;40"},
		{"+5", "+5"},
		{"-Inf", "'-Inf"},
		{"-0x1p3", "'-0x1p3"},
		{"-600;=1", "'-600;=1"},
		{"- dash bullet", "'- dash bullet"},
	} {
		if got := Cell(tc.in); got != tc.want {
			t.Errorf("Cell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWriter(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	w.Write([]string{"=1+1", "ok", "-7"})
	w.Flush()
	rec, err := csv.NewReader(&b).Read()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"'=1+1", "ok", "-7"}; rec[0] != want[0] || rec[1] != want[1] || rec[2] != want[2] {
		t.Errorf("got %q, want %q", rec, want)
	}
}
