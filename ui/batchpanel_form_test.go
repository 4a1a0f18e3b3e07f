package ui

import (
	"testing"
)

// TestBatchFormProblems: the form words each problem of core.BatchSpec.Check
// in its own fields, and checks what only the window knows (the models
// installed and checked, a result file named .csv) once those pass.
func TestBatchFormProblems(t *testing.T) {
	h := newHarness(t, twoModels())
	b := h.openBatch()
	fill := func() {
		b.images.SetText("")
		b.manifest.SetText("m.jsonl")
		b.prompts.SetText("p.yaml")
		b.out.SetText("o.jsonl")
		b.repeat.SetText("1")
		b.concurrency.SetText("1")
		b.models.SetSelected([]string{testModel})
	}
	for _, tc := range []struct {
		name string
		edit func()
		want string // "" for none
	}{
		{"can run", func() {}, ""},
		{"no source", func() { b.manifest.SetText(" ") },
			"choose a manifest (JSON Lines or CSV), or a folder or ZIP of images"},
		{"both sources", func() { b.images.SetText("dir") },
			"give a manifest or images, not both: clear one of the two fields"},
		{"no prompts", func() { b.prompts.SetText("") }, "choose a prompts file (YAML or JSON)"},
		{"no out", func() { b.out.SetText("") }, "choose a result file (JSON Lines, e.g. results.jsonl)"},
		{"repetitions 0", func() { b.repeat.SetText("0") }, `repetitions "0": want a whole number of 1 or more`},
		{"repetitions not a number", func() { b.repeat.SetText("two") }, `repetitions "two": want a whole number of 1 or more`},
		{"concurrency", func() { b.concurrency.SetText("-1") }, `concurrency "-1": want a whole number of 1 or more`},
		{"no model checked", func() { b.models.SetSelected(nil) }, "check at least one model"},
		{"result file .csv", func() { b.out.SetText("o.CSV") },
			"result file o.CSV: name it FILE.jsonl; its CSV copy is written beside it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fill()
			tc.edit()
			_, err := b.spec()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("spec: %v, want none", err)
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Errorf("spec: %v, want %q", err, tc.want)
			}
		})
	}
	fill()
	b.setModels(nil)
	if _, err := b.spec(); err == nil || err.Error() != "no models installed: get one in the Models tab first" {
		t.Errorf("no models installed: %v", err)
	}
}
