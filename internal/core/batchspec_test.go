package core

import (
	"errors"
	"testing"
)

// TestBatchSpecCheck: Check finds what every batch needs, the first
// problem in the order the fields are given, as a *BatchSpecError whose
// Problem the window and the command line word.
func TestBatchSpecCheck(t *testing.T) {
	ok := BatchSpec{Manifest: "m.jsonl", Prompts: "p.yaml", Out: "o.jsonl", Repeat: 1, Concurrency: 1}
	for _, tc := range []struct {
		name string
		edit func(*BatchSpec)
		want BatchProblem
	}{
		{"can run", func(*BatchSpec) {}, 0},
		{"images instead", func(s *BatchSpec) { s.Manifest, s.Images = "", "dir" }, 0},
		{"no source", func(s *BatchSpec) { s.Manifest = "" }, BatchNoSource},
		{"both sources", func(s *BatchSpec) { s.Images = "dir" }, BatchBothSources},
		{"no prompts", func(s *BatchSpec) { s.Prompts = "" }, BatchNoPrompts},
		{"no out", func(s *BatchSpec) { s.Out = "" }, BatchNoOut},
		{"no repeat", func(s *BatchSpec) { s.Repeat = 0 }, BatchRepeat},
		{"no concurrency", func(s *BatchSpec) { s.Concurrency = -1 }, BatchConcurrency},
		{"source before prompts", func(s *BatchSpec) { s.Manifest, s.Prompts = "", "" }, BatchNoSource},
		{"prompts before out", func(s *BatchSpec) { s.Prompts, s.Out = "", "" }, BatchNoPrompts},
		{"out before counts", func(s *BatchSpec) { s.Out, s.Repeat = "", 0 }, BatchNoOut},
		{"repeat before concurrency", func(s *BatchSpec) { s.Repeat, s.Concurrency = 0, 0 }, BatchRepeat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			tc.edit(&s)
			err := s.Check()
			var pe *BatchSpecError
			switch {
			case tc.want == 0 && err != nil:
				t.Errorf("Check: %v, want nil", err)
			case tc.want != 0 && (!errors.As(err, &pe) || pe.Problem != tc.want):
				t.Errorf("Check: %v, want problem %d", err, tc.want)
			}
		})
	}
}
