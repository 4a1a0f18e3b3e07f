package batch

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestAgreeRepetitions(t *testing.T) {
	// Fifty yes/no items answered twice as the classic 2×2: both yes 20,
	// yes then no 5, no then yes 10, both no 15 → Cohen's kappa 0.4
	// (po 0.7, pe 0.5).
	yn := func(item string, rep int, out string) Row {
		return Row{Key: fmt.Sprint(item, rep), PromptName: "p", Model: "m", ItemID: item, Repetition: rep,
			Status: "ok", Output: out, Answer: "yes"}
	}
	var rows []Row
	a, b := table2x2(20, 5, 10, 15)
	for i := range a {
		id := fmt.Sprint("item", i)
		rows = append(rows, yn(id, 1, a[i]), yn(id, 2, b[i]))
	}
	ag := Agree(rows, EvalOptions{})[Side{"p", "m"}][YesNo]
	if ag.KappaRepetitions == nil || !near(*ag.KappaRepetitions, 0.4, 1e-12) || ag.KappaMethod != KappaCohen ||
		ag.KappaRaters != 2 || ag.KappaItems != 50 || ag.KappaRating != nil {
		t.Errorf("two repetitions: %+v", ag)
	}
	// A third repetition equal to the first: kappas (1, 2) = 0.4, (1, 3)
	// = 1, (2, 3) = 0.4; their mean is 0.6.
	for i := range a {
		rows = append(rows, yn(fmt.Sprint("item", i), 3, a[i]))
	}
	ag = Agree(rows, EvalOptions{})[Side{"p", "m"}][YesNo]
	if ag.KappaRepetitions == nil || !near(*ag.KappaRepetitions, 0.6, 1e-12) || ag.KappaMethod != KappaMeanPairwise || ag.KappaRaters != 3 {
		t.Errorf("three repetitions: %+v", ag)
	}
	// One run per item and no ratings: nothing to say.
	if got := Agree(rows[:1], EvalOptions{}); len(got) != 0 {
		t.Errorf("one run: %+v", got)
	}
}

func TestAgreeRatings(t *testing.T) {
	// Ten rated mcq runs. The metric says right on 1-6; the researcher
	// rated 5, 4, 4, 4, 2 (right, right, right, right, wrong) on 1-5, 3 on
	// 6, 1 on 7-8 and 4 on 9-10: metric right & rater right 4, metric
	// right & rater wrong 2, metric wrong & rater right 2, both wrong 2.
	// po = 6/10; metric right 0.6, rater right 0.6: pe = 0.36 + 0.16 =
	// 0.52; kappa = 0.08/0.48 = 1/6.
	ratings := []int{5, 4, 4, 4, 2, 3, 1, 1, 4, 4}
	var rows []Row
	for i, r := range ratings {
		row := mcqRow("p", "m", fmt.Sprint("item", i), 1, i < 6)
		row.Rating = r
		rows = append(rows, row)
	}
	rows = append(rows, mcqRow("p", "m", "unrated", 1, true)) // no rating: not counted
	ag := Agree(rows, EvalOptions{})[Side{"p", "m"}][MCQ]
	if ag.KappaRating == nil || !near(*ag.KappaRating, 1.0/6, 1e-12) || ag.KappaRatingRuns != 10 || ag.KappaRepetitions != nil {
		t.Errorf("ratings: %+v", ag)
	}
}

func TestCalibrateYesNo(t *testing.T) {
	// By hand: P(yes) 0.9, 0.8 for two yes items, 0.3, 0.6 for two no
	// items (as {"yes": p, "no": 1 - p}, or one of the two).
	// Arg-max: yes ✓ (0.9), yes ✓ (0.8), no ✓ (0.7), yes ✗ (0.6):
	// accuracy 0.75. AUROC: both yes items score above both no items: 1.
	// Brier (P(yes) - y)²: (0.01 + 0.04 + 0.09 + 0.36)/4 = 0.125. ECE: one
	// prediction in each of (0.8, 0.9], (0.7, 0.8], (0.6, 0.7], (0.5, 0.6]
	// with gaps 0.1, 0.2, 0.3, 0.6: 1.2/4 = 0.3.
	row := func(item, ans string, probs map[string]float64) Row {
		return Row{Key: item, PromptName: "p", Model: "m", ItemID: item, Repetition: 1, Status: "ok", Output: "yes",
			Answer: ans, ChoiceProbs: probs}
	}
	rows := []Row{
		row("a", "yes", map[string]float64{"yes": 0.9, "no": 0.1}),
		row("b", "Yes", map[string]float64{"Yes": 0.8}),
		row("c", "no", map[string]float64{"yes": 0.3, "no": 0.7}),
		row("d", "no", map[string]float64{"no": 0.4}),
		row("e", "no", nil), // no probabilities: not counted
	}
	c, ok := Calibrate(rows, EvalOptions{Resamples: 500})[Side{"p", "m"}][YesNo]
	if !ok || c.Items != 4 || c.Runs != 4 {
		t.Fatalf("calibration %+v, %v", c, ok)
	}
	if !near(c.Accuracy, 0.75, 1e-12) || c.AUROC == nil || !near(*c.AUROC, 1, 1e-12) || !near(c.Brier, 0.125, 1e-12) || !near(c.ECE, 0.3, 1e-12) {
		t.Errorf("accuracy %v, AUROC %v, Brier %v, ECE %v; want 0.75, 1, 0.125, 0.3", c.Accuracy, c.AUROC, c.Brier, c.ECE)
	}
	for i, want := range []int{0, 0, 0, 0, 0, 1, 1, 1, 1, 0} {
		if c.Bins[i].Count != want {
			t.Errorf("bin %d: %+v, want %d", i, c.Bins[i], want)
		}
	}
	if c.BrierLow > c.Brier || c.BrierHigh < c.Brier || c.ECELow > c.ECEHigh || c.AccuracyLow > c.Accuracy || *c.AUROCLow > *c.AUROCHigh {
		t.Errorf("intervals: %+v", c)
	}
}

func TestCalibrateMCQ(t *testing.T) {
	// By hand, options A, B, C:
	//   1 truth A: (0.6, 0.3, 0.1)   2 truth B: (0.2, 0.7, 0.1), given
	//   unnormalised as (0.4, 1.4, 0.2)   3 truth C: (0.3, 0.3, 0.4)
	//   4 truth A: (0.25, 0.5, 0.25)
	// Arg-max right on 1-3, wrong on 4 (B): accuracy 0.75.
	// One-vs-rest AUROC: A: positives 0.6, 0.25 vs negatives 0.2, 0.3:
	// 3 of 4 pairs; B: 0.7 above 0.3, 0.3, 0.5: 1; C: 0.4 above 0.1, 0.1,
	// 0.25: 1. Macro = (0.75 + 1 + 1)/3 = 11/12.
	// Brier Σ(p - y)²: 0.26, 0.14, 0.54, 0.875 → 1.815/4 = 0.45375.
	// ECE: one in each of (0.5, 0.6] gap 0.4, (0.6, 0.7] gap 0.3,
	// (0.3, 0.4] gap 0.6, (0.4, 0.5] gap 0.5 (wrong): 1.8/4 = 0.45.
	ch := []string{"CT", "MRI", "PET"}
	row := func(item, ans string, probs map[string]float64) Row {
		return Row{Key: item, PromptName: "p", Model: "m", ItemID: item, Repetition: 1, Status: "ok", Output: "A",
			Answer: ans, Choices: ch, ChoiceProbs: probs}
	}
	rows := []Row{
		row("1", "A", map[string]float64{"A": 0.6, "B": 0.3, "C": 0.1}),
		row("2", "MRI", map[string]float64{"CT": 0.4, "MRI": 1.4, "PET": 0.2}),
		row("3", "(C)", map[string]float64{"A": 0.3, "B": 0.3, "C": 0.4, "unknown": 5}),
		row("4", "CT", map[string]float64{"A": 0.25, "B": 0.5, "C": 0.25}),
	}
	cal := Calibrate(rows, EvalOptions{Resamples: 500})
	c := cal[Side{"p", "m"}][MCQ]
	if c.Runs != 4 || !near(c.Accuracy, 0.75, 1e-12) || c.AUROC == nil || !near(*c.AUROC, 11.0/12, 1e-12) ||
		!near(c.Brier, 0.45375, 1e-12) || !near(c.ECE, 0.45, 1e-12) {
		t.Errorf("calibration %+v (AUROC %v); want accuracy 0.75, AUROC 11/12, Brier 0.45375, ECE 0.45", c, c.AUROC)
	}
	// Only yes/no asked for: none.
	if got := Calibrate(rows, EvalOptions{Metric: YesNo}); len(got) != 0 {
		t.Errorf("yesno only: %+v", got)
	}
	var table bytes.Buffer
	rep := Evaluate(rows, EvalOptions{})
	if err := WriteCalibration(&table, rep, cal); err != nil {
		t.Fatal(err)
	}
	if s := table.String(); !strings.Contains(s, "0.917 [") || !strings.Contains(s, "0.454 [") || !strings.Contains(s, "(0.4, 0.5]") {
		t.Errorf("table:\n%s", s)
	}
}
