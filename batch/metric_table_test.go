package batch

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func near9(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// okRow is an ok run of item id answering reply, with reference answer,
// choices and metadata.
func okRow(id, reply, answer string, choices []string, meta map[string]string) Row {
	return Row{ItemID: id, PromptName: "p", Model: "m", Repetition: 1, Status: "ok", Output: reply, Answer: answer, Choices: choices, Meta: meta}
}

// TestRougeLByHand checks ROUGE-L against two short reports worked by hand,
// with rouge-score's tokenizer (lower case, non-alphanumerics to spaces,
// no stemming).
func TestRougeLByHand(t *testing.T) {
	// 1. ref "No acute cardiopulmonary process." → no acute cardiopulmonary process (4)
	//    pred "No acute process in the chest." → no acute process in the chest (6)
	//    LCS = "no acute process" = 3; P = 3/6 = 0.5, R = 3/4 = 0.75,
	//    F = 2·0.5·0.75 / 1.25 = 0.6.
	// 2. ref "Mild cardiomegaly. Small left pleural effusion." → 6 tokens
	//    pred "Small left-sided pleural effusion; heart size normal." →
	//    small left sided pleural effusion heart size normal (8: "-" splits)
	//    LCS = "small left pleural effusion" = 4; P = 4/8, R = 4/6,
	//    F = 2·(1/2)(2/3) / (7/6) = 4/7 ≈ 0.571429.
	for _, tc := range []struct {
		pred, ref string
		want      float64
	}{
		{"No acute process in the chest.", "No acute cardiopulmonary process.", 0.6},
		{"Small left-sided pleural effusion; heart size normal.", "Mild cardiomegaly. Small left pleural effusion.", 4.0 / 7},
		{"", "anything", 0},
		{"Ödem", "dem", 1}, // Ö is not a-z: a separator, as in rouge-score
	} {
		if got := RougeLF(tc.pred, tc.ref); !near9(got, tc.want) {
			t.Errorf("RougeLF(%q, %q) = %.6f, want %.6f", tc.pred, tc.ref, got, tc.want)
		}
	}
	if got := strings.Join(RougeTokens("Left-sided  EFFUSION, 2cm."), " "); got != "left sided effusion 2cm" {
		t.Errorf("RougeTokens = %q", got)
	}
	// As a metric: the mean of the two, (0.6 + 4/7)/2 ≈ 0.585714.
	rep := Evaluate([]Row{
		okRow("a", "No acute process in the chest.", "No acute cardiopulmonary process.", nil, nil),
		okRow("b", "Small left-sided pleural effusion; heart size normal.", "Mild cardiomegaly. Small left pleural effusion.", nil, nil),
	}, EvalOptions{Metric: RougeL})
	if g := rep.Groups[0]; !near9(g.Score, (0.6+4.0/7)/2) || g.Low > g.Score || g.High < g.Score {
		t.Errorf("rouge-l group %+v", g)
	}
}

// TestIoUByHand checks IoU of two boxes and the share at IoU ≥ 0.5.
func TestIoUByHand(t *testing.T) {
	// [y0, x0, y1, x1]: A = [100,100,300,300], B = [200,200,400,400]:
	// intersection [200,200,300,300] = 100·100 = 10000; each area 40000;
	// union 40000 + 40000 − 10000 = 70000; IoU = 1/7 ≈ 0.142857.
	a, b := Box2D{100, 100, 300, 300}, Box2D{200, 200, 400, 400}
	if got := a.IoU(b); !near9(got, 1.0/7) {
		t.Errorf("IoU = %v, want 1/7", got)
	}
	// ref [0,0,500,500], pred [0,0,500,250]: 125000 / 250000 = 0.5.
	ref := `[{"box_2d": [0, 0, 500, 500], "label": "right lung"}]`
	rows := []Row{
		okRow("x", "```json\n[{\"box_2d\": [200, 200, 400, 400], \"label\": \"nodule\"}]\n```", `[{"box_2d": [100, 100, 300, 300], "label": "nodule"}]`, nil, nil),
		okRow("y", `Final Answer: [{"box_2d": [0, 0, 500, 250], "label": "right lung"}]`, ref, nil, nil),
		okRow("z", "I see no abnormality.", ref, nil, nil), // no box: IoU 0, unparsed
	}
	// mean IoU = (1/7 + 0.5 + 0)/3 ≈ 0.214286; IoU ≥ 0.5: 1 of 3.
	rep := Evaluate(rows, EvalOptions{Metric: IoU})
	if g := rep.Groups[0]; !near9(g.Score, (1.0/7+0.5)/3) || g.Unparsed != 1 || g.N != 3 {
		t.Errorf("iou group %+v", g)
	}
	rep = Evaluate(rows, EvalOptions{Metric: IoU50})
	if g := rep.Groups[0]; !near9(g.Score, 1.0/3) {
		t.Errorf("iou@0.5 group %+v", g)
	}
}

// imbalanced is 10 yes/no items, 2 yes and 8 no: of the yes items one is
// answered yes and one no; of the no items seven no and one yes.
func imbalanced() []Row {
	var rows []Row
	add := func(answer, reply string, n int) {
		for range n {
			rows = append(rows, okRow(fmt.Sprintf("i%d", len(rows)), reply, answer, nil, nil))
		}
	}
	add("yes", "Yes.", 1)
	add("yes", "No.", 1)
	add("no", "No.", 7)
	add("no", "Yes, there is.", 1)
	return rows
}

// TestBalancedAccuracyAndWeightedF1ByHand checks the class metrics on an
// imbalanced set against the arithmetic by hand (scikit-learn's
// definitions).
func TestBalancedAccuracyAndWeightedF1ByHand(t *testing.T) {
	// yes: support 2, predicted 2, TP 1 → P = 1/2, R = 1/2, F1 = 0.5
	// no:  support 8, predicted 8, TP 7 → P = 7/8, R = 7/8, F1 = 0.875
	// accuracy = 8/10 = 0.8
	// balanced accuracy = (1/2 + 7/8)/2 = 0.6875
	// weighted F1 = (2·0.5 + 8·0.875)/10 = 8/10 = 0.8
	rows := imbalanced()
	c := ClassScores(classPairs(runsOf(t, rows, BalancedAccuracy)))
	if !near9(c.Accuracy, 0.8) || !near9(c.BalancedAccuracy, 0.6875) || !near9(c.WeightedF1, 0.8) {
		t.Errorf("classes %+v", c)
	}
	if l := c.Labels[1]; l.Label != "yes" || l.Support != 2 || !near9(l.Precision, 0.5) || !near9(l.Recall, 0.5) || !near9(l.F1, 0.5) {
		t.Errorf("yes row %+v", l)
	}
	for m, want := range map[Metric]float64{BalancedAccuracy: 0.6875, WeightedF1: 0.8, YesNo: 0.8} {
		g := Evaluate(rows, EvalOptions{Metric: m, Resamples: 500}).Groups[0]
		if !near9(g.Score, want) || g.Low > g.Score || g.High < g.Score || g.Low == g.High {
			t.Errorf("%s: %+v, want %v inside a real interval", m, g, want)
		}
	}
	// Always "no": accuracy 0.8 but balanced accuracy (0 + 1)/2 = 0.5,
	// weighted F1 = (2·0 + 8·(2·0.8·1/1.8))/10 = 0.8·16/18 ≈ 0.711111.
	for i := range rows {
		rows[i].Output = "no"
	}
	c = ClassScores(classPairs(runsOf(t, rows, WeightedF1)))
	if !near9(c.BalancedAccuracy, 0.5) || !near9(c.WeightedF1, 0.8*16/18) {
		t.Errorf("always no: %+v", c)
	}
	tables := PerClass(rows, EvalOptions{Metric: WeightedF1})
	var b strings.Builder
	if err := WriteClasses(&b, tables); err != nil || !strings.Contains(b.String(), "balanced accuracy 0.500") {
		t.Errorf("per-class table:\n%s", b.String())
	}
}

func runsOf(t *testing.T, rows []Row, m Metric) []scoredRun {
	t.Helper()
	var out []scoredRun
	for _, g := range collectRuns(rows, EvalOptions{Metric: m}) {
		for _, it := range g.runsOf() {
			out = append(out, it...)
		}
	}
	return out
}

// TestSubgroupsByHand splits a VQA-RAD-like set by answer_type: CLOSED
// items 3 (2 right: 2/3), OPEN items 2 (1 right: 1/2), and scores the
// closed subset alone with closed-accuracy (2/3, the open ones unscored).
func TestSubgroupsByHand(t *testing.T) {
	closed := map[string]string{"answer_type": "CLOSED"}
	open := map[string]string{"answer_type": "OPEN"}
	rows := []Row{
		okRow("1", "yes", "yes", nil, closed),
		okRow("2", "no", "no", nil, closed),
		okRow("3", "yes", "no", nil, closed),
		okRow("4", "left lung", "left lung", nil, open),
		okRow("5", "liver", "kidney", nil, open),
	}
	rep := Evaluate(rows, EvalOptions{Metric: Exact, By: "answer_type"})
	if len(rep.Groups) != 2 {
		t.Fatalf("groups %+v", rep.Groups)
	}
	for _, g := range rep.Groups {
		want := map[string]float64{"CLOSED": 2.0 / 3, "OPEN": 0.5}[g.Value]
		if g.By != "answer_type" || !near9(g.Score, want) || g.Low > g.Score || g.High < g.Score {
			t.Errorf("group %+v, want %v", g, want)
		}
	}
	var b strings.Builder
	WriteTable(&b, rep)
	if !strings.Contains(b.String(), "ANSWER_TYPE") || !strings.Contains(b.String(), "CLOSED") {
		t.Errorf("table:\n%s", b.String())
	}
	rep = Evaluate(rows, EvalOptions{Metric: ClosedAccuracy})
	if g := rep.Groups[0]; g.N != 3 || !near9(g.Score, 2.0/3) || rep.NoReference != 2 {
		t.Errorf("closed-accuracy %+v (not scored %d)", g, rep.NoReference)
	}
	// Paired within subgroups: two models compared on each value apart.
	var both []Row
	for _, r := range rows {
		both = append(both, r)
		r.Model, r.Output = "m2", r.Answer
		both = append(both, r)
	}
	pairs := Compare(both, EvalOptions{Metric: Exact, By: "answer_type"})
	if len(pairs) != 2 || pairs[0].Value == pairs[1].Value || pairs[0].By != "answer_type" {
		t.Errorf("pairs %+v", pairs)
	}
}

// TestMetricTableDrivesNames: every metric of the table parses, is in the
// names and the help, and an unknown name's error lists them all.
func TestMetricTableDrivesNames(t *testing.T) {
	for _, d := range metricTable {
		if m, err := ParseMetric(strings.ToUpper(string(d.name))); err != nil || m != d.name {
			t.Errorf("ParseMetric(%s) = %v, %v", d.name, m, err)
		}
		if !strings.Contains(MetricHelp(), string(d.name)+": ") {
			t.Errorf("help lacks %s", d.name)
		}
	}
	_, err := ParseMetric("bleu")
	if err == nil || !strings.Contains(err.Error(), strings.Join(MetricNames(), ", ")) {
		t.Errorf("ParseMetric(bleu): %v", err)
	}
}

// TestPairedCorpusMetrics: --paired works for the corpus-level and box
// metrics as for the others: the imbalanced set answered always "no" by
// model m2 against m's answers differs in balanced accuracy by
// 0.6875 − 0.5 = 0.1875, and in weighted F1 by 0.8 − 0.8·16/18.
func TestPairedCorpusMetrics(t *testing.T) {
	rows := imbalanced()
	for _, r := range imbalanced() {
		r.Model, r.Output = "m2", "no"
		rows = append(rows, r)
	}
	for m, want := range map[Metric]float64{BalancedAccuracy: 0.1875, WeightedF1: 0.8 - 0.8*16/18} {
		pairs := Compare(rows, EvalOptions{Metric: m, Resamples: 500})
		if len(pairs) != 1 || !near9(pairs[0].Diff, want) || pairs[0].Test != TestBootstrap || pairs[0].Low > pairs[0].Diff || pairs[0].High < pairs[0].Diff {
			t.Errorf("%s: %+v, want diff %v", m, pairs, want)
		}
	}
}
