package csvsafe

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
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

// TestColumns: a table's header and rows come from the same columns, in
// order; an optional value that is not set is an empty cell.
func TestColumns(t *testing.T) {
	type rec struct {
		Name string
		Seed *int
	}
	seed := 7
	cols := []Column[rec]{
		Col("name", func(r rec) string { return r.Name }),
		Col("seed", func(r rec) string { return Opt(r.Seed, strconv.Itoa) }),
	}
	if got := strings.Join(Header(cols), ","); got != "name,seed" {
		t.Errorf("header %q, want name,seed", got)
	}
	if got := strings.Join(Row([]string{"x"}, cols, rec{"a", &seed}), ","); got != "x,a,7" {
		t.Errorf("row %q, want x,a,7 (appended to what was there)", got)
	}
	if got := strings.Join(Row(nil, cols, rec{Name: "b"}), ","); got != "b," {
		t.Errorf("row without a seed %q, want b,", got)
	}
}
