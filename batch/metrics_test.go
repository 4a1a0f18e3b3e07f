package batch

import (
	"math"
	"testing"
)

func TestNormalizeAndTokenF1(t *testing.T) {
	for _, tc := range []struct {
		pred, ref string
		f1        float64
		exact     bool
	}{
		// The SQuAD definition: articles and punctuation go, words are
		// counted with multiplicity.
		{"The prostate.", "prostate", 1, true},
		{"the cat sat on the mat", "cat on mat", 6.0 / 7, false},       // P 3/4, R 3/3
		{"left lung", "right lung", 0.5, false},                        // P 1/2, R 1/2
		{"Left upper lobe of the lung", "left lung", 0.8 / 1.4, false}, // 5 words: P 2/5, R 2/2
		{"no no no", "no", 0.5, false},                                 // P 1/3, R 1
		{"Pneumonia", "pleural effusion", 0, false},
		{"", "", 1, true},
		{"", "lung", 0, false},
		{"A.", "", 1, true}, // only an article and punctuation: empty after normalising
		{"CT; MRI!", "ct mri", 1, true},
		{"Gallbladder", "gallbladder", 1, true},
	} {
		got := TokenF1(tc.pred, tc.ref)
		if math.Abs(got-tc.f1) > 1e-9 {
			t.Errorf("TokenF1(%q, %q) = %.6f, want %.6f", tc.pred, tc.ref, got, tc.f1)
		}
		if ExactMatch(tc.pred, tc.ref) != tc.exact {
			t.Errorf("ExactMatch(%q, %q) = %v", tc.pred, tc.ref, !tc.exact)
		}
	}
	if got := Normalize("  The  Answer: (B) — an AP view!  "); got != "answer b — ap view" {
		t.Errorf("Normalize = %q", got)
	}
}

func TestParseChoice(t *testing.T) {
	choices := []string{"CT", "MRI", "PET", "X-ray"}
	for _, tc := range []struct {
		reply string
		want  int // -1: none found
	}{
		{"C", 2},
		{"C.", 2},
		{"(C)", 2},
		{"**C**", 2},
		{"C) PET", 2},
		{"B: MRI", 1},
		{"Answer: D", 3},
		{"The answer is (B).", 1},
		{"The correct option is A, computed tomography.", 0},
		{"answer: b", -1}, // lower case letters are words, not options
		{"This is a PET image.", 2},
		{"A PET scan of the chest.", 2}, // "A" is the article here
		{"Looks like an x-ray", 3},
		{"PET, not CT", 2}, // the option named first
		{"I cannot tell.", -1},
		{"E", -1}, // no option E
		{"", -1},
	} {
		got, ok := ParseChoice(tc.reply, choices)
		if !ok {
			got = -1
		}
		if got != tc.want {
			t.Errorf("ParseChoice(%q) = %d, want %d", tc.reply, got, tc.want)
		}
	}
	// An option whose text is part of another's is not chosen by it.
	if got, ok := ParseChoice("Pleural effusion, left", []string{"effusion", "pleural effusion", "none"}); !ok || got != 1 {
		t.Errorf("nested options: %d, %v", got, ok)
	}
}

func TestChoiceIndexAndYesNo(t *testing.T) {
	choices := []string{"PA", "AP", "Lateral"}
	for ans, want := range map[string]int{"B": 1, "(C)": 2, "b.": -1, "ap": 1, "Lateral": 2, "D": -1, "oblique": -1} {
		got, ok := ChoiceIndex(ans, choices)
		if !ok {
			got = -1
		}
		if got != want {
			t.Errorf("ChoiceIndex(%q) = %d, want %d", ans, got, want)
		}
	}
	for reply, want := range map[string]int{"Yes.": 1, "No, there is none.": 0, "**Yes** — a PET": 1,
		"There is no effusion.": 0, "Probably yes": 1, "Maybe.": -1, "Nothing to see": -1} {
		yes, ok := ParseYesNo(reply)
		got := -1
		if ok && yes {
			got = 1
		} else if ok {
			got = 0
		}
		if got != want {
			t.Errorf("ParseYesNo(%q) = %d, want %d", reply, got, want)
		}
	}
}

func TestScoreAndInferMetric(t *testing.T) {
	for _, tc := range []struct {
		metric           Metric
		reply, answer    string
		choices          []string
		score            float64
		parsed, scorable bool
	}{
		{MCQ, "B", "AP", []string{"PA", "AP"}, 1, true, true},
		{MCQ, "PA view", "B", []string{"PA", "AP"}, 0, true, true},
		{MCQ, "unsure", "B", []string{"PA", "AP"}, 0, false, true},
		{MCQ, "B", "oblique", []string{"PA", "AP"}, 0, false, false},
		{YesNo, "Yes, it is.", "yes", nil, 1, true, true},
		{YesNo, "It is not.", "no", nil, 0, false, true},
		{YesNo, "Yes", "prostate", nil, 0, false, false},
		{Exact, "The prostate.", "prostate", nil, 1, true, true},
		{F1, "left lung", "right lung", nil, 0.5, true, true},
		{F1, "anything", "", nil, 0, false, false},
	} {
		s, p, ok := Score(tc.metric, tc.reply, tc.answer, tc.choices)
		if s != tc.score || p != tc.parsed || ok != tc.scorable {
			t.Errorf("Score(%s, %q, %q) = %v, %v, %v; want %v, %v, %v", tc.metric, tc.reply, tc.answer, s, p, ok, tc.score, tc.parsed, tc.scorable)
		}
	}
	for _, tc := range []struct {
		answer  string
		choices []string
		want    Metric
	}{{"B", []string{"a", "b"}, MCQ}, {"Yes", nil, YesNo}, {"no.", nil, YesNo}, {"the prostate", nil, F1}} {
		if got := InferMetric(tc.answer, tc.choices); got != tc.want {
			t.Errorf("InferMetric(%q, %v) = %s, want %s", tc.answer, tc.choices, got, tc.want)
		}
	}
	if _, err := ParseMetric("bleu"); err == nil {
		t.Error("ParseMetric accepted bleu")
	}
}
