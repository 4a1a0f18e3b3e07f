package batch

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// mcqRow is an ok multiple-choice run answering "B" (right) or "A"
// (wrong) to an item whose answer is B.
func mcqRow(prompt, model, item string, rep int, right bool) Row {
	out := "A"
	if right {
		out = "B"
	}
	return Row{Key: fmt.Sprint(prompt, model, item, rep), PromptName: prompt, Model: model, ItemID: item,
		Repetition: rep, Status: "ok", Output: out, Answer: "B", Choices: []string{"CT", "MRI", "PET"}}
}

func TestCompareMcNemar(t *testing.T) {
	// Ten items. p1 is right on items 1-8, p2 on 1, 2 and 9: 6 items only
	// p1 got right, 1 only p2 did, so McNemar's p = 2 (1 + 7)/128 =
	// 0.125 (by hand), and the difference 0.8 - 0.3 = 0.5. p3 is right on
	// items 1-7 and 10.
	var rows []Row
	for i := 1; i <= 10; i++ {
		id := fmt.Sprint("item", i)
		rows = append(rows, mcqRow("p1", "m", id, 1, i <= 8), mcqRow("p2", "m", id, 1, i <= 2 || i == 9),
			mcqRow("p3", "m", id, 1, i <= 7 || i == 10))
	}
	pairs := Compare(rows, EvalOptions{Resamples: 2000, Seed: 1})
	if len(pairs) != 3 {
		t.Fatalf("pairs: %+v", pairs)
	}
	p := pairs[0]
	if p.A.Prompt != "p1" || p.B.Prompt != "p2" || p.Metric != MCQ || p.N != 10 || p.Runs != 10 ||
		!near(p.Diff, 0.5, 1e-12) || p.Test != TestMcNemar || *p.AOnly != 6 || *p.BOnly != 1 ||
		!near(p.PValue, 0.125, 1e-12) || p.Low > p.Diff || p.High < p.Diff || p.High > 1 || p.Low < -1 {
		t.Errorf("p1 vs p2: %+v", p)
	}
	// p1 vs p3: p1 only on item 8, p3 only on 10: 1 vs 1, p = 1.
	if q := pairs[1]; q.B.Prompt != "p3" || q.PValue != 1 || !near(q.Diff, 0, 1e-12) {
		t.Errorf("p1 vs p3: %+v", q)
	}
	// p2 vs p3: p2 only on 9, p3 only on 3-7 and 10: 1 vs 6, 0.125.
	if q := pairs[2]; q.A.Prompt != "p2" || !near(q.PValue, 0.125, 1e-12) || !near(q.Diff, -0.5, 1e-12) {
		t.Errorf("p2 vs p3: %+v", q)
	}
	// Holm over the three: 0.125, 1, 0.125 → 0.125 × 3 = 0.375 twice,
	// then 1.
	for i, want := range []float64{0.375, 1, 0.375} {
		if !near(pairs[i].PAdjusted, want, 1e-12) {
			t.Errorf("pair %d adjusted p = %v, want %v", i, pairs[i].PAdjusted, want)
		}
	}
	// Deterministic: the same seed gives the same intervals.
	again := Compare(rows, EvalOptions{Resamples: 2000, Seed: 1})
	for i := range pairs {
		if pairs[i].Low != again[i].Low || pairs[i].High != again[i].High {
			t.Errorf("pair %d: [%v, %v] then [%v, %v]", i, pairs[i].Low, pairs[i].High, again[i].Low, again[i].High)
		}
	}

	var table bytes.Buffer
	if err := WritePairs(&table, pairs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(table.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "A ") || !strings.Contains(lines[1], "p1 / m") ||
		!strings.Contains(lines[1], "mcnemar-exact (6 vs 1 discordant)") || !strings.Contains(lines[1], "0.125") {
		t.Errorf("table:\n%s", table.String())
	}
}

func TestCompareClustersRepetitions(t *testing.T) {
	// Forty items of which p1 gets 30 right and p2 20, mixed so that the
	// items differ. With every run repeated identically, each item's
	// repetitions move together: the per-item scores, and so the
	// resampled differences under the same seed, are exactly those of
	// the single runs. Resampling runs instead would narrow the interval.
	var once, twice []Row
	for i := range 40 {
		id := fmt.Sprint("item", i)
		a, b := i%4 != 0, i%2 == 0
		once = append(once, mcqRow("p1", "m", id, 1, a), mcqRow("p2", "m", id, 1, b))
		for rep := 1; rep <= 2; rep++ {
			twice = append(twice, mcqRow("p1", "m", id, rep, a), mcqRow("p2", "m", id, rep, b))
		}
	}
	p1 := Compare(once, EvalOptions{Resamples: 1000, Seed: 7})[0]
	p2 := Compare(twice, EvalOptions{Resamples: 1000, Seed: 7})[0]
	if p1.Test != TestMcNemar || p2.Test != TestClusterBootstrap || p2.N != 40 || p2.Runs != 80 {
		t.Fatalf("once %+v, twice %+v", p1, p2)
	}
	if p1.Diff != p2.Diff || p1.Low != p2.Low || p1.High != p2.High || p2.AOnly != nil {
		t.Errorf("repeated runs change the interval: once [%v, %v], twice [%v, %v]", p1.Low, p1.High, p2.Low, p2.High)
	}
	if !near(p1.Diff, 0.25, 1e-12) || p2.PValue <= 0 || p2.PValue > 1 {
		t.Errorf("diff %v, cluster p %v", p1.Diff, p2.PValue)
	}
	// A different seed draws different resamples.
	if p3 := Compare(twice, EvalOptions{Resamples: 1000, Seed: 8})[0]; p3.Low == p2.Low && p3.High == p2.High && p3.PValue == p2.PValue {
		t.Logf("seeds 7 and 8 gave the same interval [%v, %v] (possible, unlikely)", p3.Low, p3.High)
	}
}

func TestCompareMatchesItemsAndRepetitions(t *testing.T) {
	// p2 lacks item c and repetition 2 of item a; a failed run is not
	// matched either. F1 rows: the paired bootstrap.
	f1 := func(prompt, item string, rep int, out string) Row {
		return Row{Key: fmt.Sprint(prompt, item, rep), PromptName: prompt, Model: "m", ItemID: item, Repetition: rep,
			Status: "ok", Output: out, Answer: "left lower lobe"}
	}
	rows := []Row{
		f1("p1", "a", 1, "left lower lobe"), f1("p1", "a", 2, "left lobe"), f1("p1", "b", 1, "lower lobe"),
		f1("p1", "c", 1, "left lower lobe"),
		f1("p2", "a", 1, "right upper lobe"), f1("p2", "b", 1, "left lower lobe"),
	}
	failed := f1("p2", "c", 1, "")
	failed.Status = "error"
	rows = append(rows, failed)
	pairs := Compare(rows, EvalOptions{Seed: 3, Resamples: 500})
	if len(pairs) != 1 {
		t.Fatalf("pairs: %+v", pairs)
	}
	p := pairs[0]
	// Matched: (a, 1) and (b, 1). p1 scores 1 and F1("lower lobe") = 0.8;
	// p2 F1("right upper lobe", "left lower lobe") = 1/3 and 1.
	wantA, wantB := (1+0.8)/2, (1.0/3+1)/2
	if p.N != 2 || p.Runs != 2 || p.Test != TestBootstrap || !near(p.ScoreA, wantA, 1e-12) || !near(p.ScoreB, wantB, 1e-12) ||
		!near(p.Diff, wantA-wantB, 1e-12) {
		t.Errorf("pair %+v; want scores %v and %v", p, wantA, wantB)
	}
	// Groups of different metrics are not compared.
	rows = append(rows, mcqRow("p2", "m", "d", 1, true))
	if n := len(Compare(rows, EvalOptions{})); n != 1 {
		t.Errorf("%d pairs across metrics", n)
	}
}

func TestMacroF1(t *testing.T) {
	// By hand, three labels over four items:
	//   1: truth {cardiomegaly}; reply names cardiomegaly.
	//   2: truth {edema, pleural effusion}; reply "Pleural effusion; no
	//      edema": pleural effusion only.
	//   3: truth none; reply "Edema": edema.
	//   4: truth {pleural effusion}; reply names cardiomegaly and pleural
	//      effusion.
	// cardiomegaly TP 1, FP 1, FN 0: F1 2/3; edema TP 0, FP 1, FN 1: 0;
	// pleural effusion TP 2: 1. Macro-F1 = (2/3 + 0 + 1)/3 = 5/9.
	ch := []string{"Cardiomegaly", "Edema", "Pleural effusion"}
	row := func(prompt, item, out, ans string) Row {
		return Row{Key: prompt + item, PromptName: prompt, Model: "m", ItemID: item, Repetition: 1, Status: "ok",
			Output: out, Answer: ans, Choices: ch}
	}
	rows := []Row{
		row("p1", "1", "Cardiomegaly.", "cardiomegaly"),
		row("p1", "2", "Pleural effusion; no edema.", "Edema; Pleural effusion"),
		row("p1", "3", "Edema", "none"),
		row("p1", "4", "Cardiomegaly and pleural effusion", "C"),
		// p2 is perfect: macro-F1 1.
		row("p2", "1", "A", "cardiomegaly"),
		row("p2", "2", "Answer: B, C", "Edema; Pleural effusion"),
		row("p2", "3", "No acute findings. None.", "none"),
		row("p2", "4", "Pleural effusion: yes. Cardiomegaly: no. Edema: absent.", "C"),
	}
	rep := Evaluate(rows, EvalOptions{Metric: MacroF1})
	if len(rep.Groups) != 2 {
		t.Fatalf("groups %+v", rep.Groups)
	}
	if g := rep.Groups[0]; g.Metric != MacroF1 || g.N != 4 || g.Rows != 4 || !near(g.Score, 5.0/9, 1e-12) || g.Low > g.Score || g.High < g.Score {
		t.Errorf("p1: %+v, want macro-F1 5/9", g)
	}
	if g := rep.Groups[1]; !near(g.Score, 1, 1e-12) || g.Unparsed != 0 {
		t.Errorf("p2: %+v, want 1", g)
	}
	pairs := Compare(rows, EvalOptions{Metric: MacroF1})
	if len(pairs) != 1 || pairs[0].Test != TestBootstrap || !near(pairs[0].Diff, 5.0/9-1, 1e-12) {
		t.Errorf("pairs %+v", pairs)
	}
	if m, err := ParseMetric("Macro-F1"); err != nil || m != MacroF1 {
		t.Errorf("ParseMetric(Macro-F1) = %v, %v", m, err)
	}
}

func TestPredictLabels(t *testing.T) {
	ch := []string{"Effusion", "Pleural effusion", "Edema", "Atelectasis"}
	for _, tc := range []struct {
		reply  string
		want   string // the labels present, as letters
		parsed bool
	}{
		{"Pleural effusion and edema.", "BC", true},
		{"No pleural effusion or edema; atelectasis present.", "D", true},
		{"Edema: no\nAtelectasis: yes", "D", true},
		{"Edema is absent, atelectasis", "D", true},
		{"A, D", "AD", true},
		{"None", "", true},
		{"I cannot tell.", "", false},
	} {
		got, parsed := PredictLabels(tc.reply, ch)
		s := ""
		for i, p := range got {
			if p {
				s += string(rune('A' + i))
			}
		}
		if s != tc.want || parsed != tc.parsed {
			t.Errorf("PredictLabels(%q) = %s, %v; want %s, %v", tc.reply, s, parsed, tc.want, tc.parsed)
		}
	}
	if _, ok := ParseLabels("Edema; pneumothorax", ch); ok {
		t.Error("a reference naming no option parsed")
	}
}
