package batch

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// TestCSVNeutralisesFormulas checks batch --csv and eval --csv: cells
// beginning with a formula character get a leading quote; numbers do not.
func TestCSVNeutralisesFormulas(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(*bytes.Buffer) error
		col   string
		want  string
	}{
		{"output", func(b *bytes.Buffer) error { return WriteCSV(b, []Row{{Output: "=cmd|' /C calc'!A0"}}) }, "output", "'=cmd|' /C calc'!A0"},
		{"answer", func(b *bytes.Buffer) error { return WriteCSV(b, []Row{{Answer: "+SUM(1)"}}) }, "answer", "'+SUM(1)"},
		{"item", func(b *bytes.Buffer) error { return WriteCSV(b, []Row{{ItemID: "@x"}}) }, "item_id", "'@x"},
		{"question", func(b *bytes.Buffer) error { return WriteCSV(b, []Row{{Question: "\t=1"}}) }, "question", "'\t=1"},
		{"error", func(b *bytes.Buffer) error { return WriteCSV(b, []Row{{Error: "\r=1"}}) }, "error", "'\r=1"},
		{"negative count stays", func(b *bytes.Buffer) error { return WriteCSV(b, []Row{{RunID: -3}}) }, "run_id", "-3"},
		{"eval prompt", func(b *bytes.Buffer) error {
			return WriteSummaryCSV(b, Report{Groups: []Group{{Prompt: "-2+3", Model: "m"}}})
		}, "prompt_name", "'-2+3"},
		{"eval model", func(b *bytes.Buffer) error {
			return WriteSummaryCSV(b, Report{Groups: []Group{{Prompt: "p", Model: "=m"}}})
		}, "model", "'=m"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.write(&b); err != nil {
				t.Fatal(err)
			}
			table, err := csv.NewReader(&b).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			for i, h := range table[0] {
				if h == tc.col {
					if got := table[1][i]; got != tc.want {
						t.Errorf("%s = %q, want %q", tc.col, got, tc.want)
					}
					return
				}
			}
			t.Fatalf("no column %s", tc.col)
		})
	}
}
