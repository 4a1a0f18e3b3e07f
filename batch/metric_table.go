package batch

import (
	"fmt"
	"strings"
)

// This file is the one table of eval's metrics (STYLE.md 4a): a metric
// is a scorer of one run and, for a corpus-level metric, an aggregate of
// a group's runs, plus one line here. ParseMetric, the names and help the
// command line and its errors print, Evaluate, Compare and Agree all read
// the table.

// The metrics beyond core's.
const (
	// RougeL is ROUGE-L as Google's rouge-score computes it
	// (RougeScorer(["rougeL"], use_stemmer=False)): see [RougeL].
	RougeL Metric = "rouge-l"
	// IoU is the mean IoU of the reply's box_2d boxes against the
	// reference boxes in the answer: see [BoxIoU].
	IoU Metric = "iou"
	// IoU50 is the share of runs whose IoU is at least 0.5.
	IoU50 Metric = "iou@0.5"
	// BalancedAccuracy is the mean over reference classes of each class's
	// recall (macro recall): see [ClassScores].
	BalancedAccuracy Metric = "balanced-accuracy"
	// WeightedF1 is the F1 of each reference class weighted by its
	// support (scikit-learn's f1_score(average="weighted")).
	WeightedF1 Metric = "weighted-f1"
	// ClosedAccuracy is accuracy on the rows whose item has answer_type
	// closed (VQA-RAD's CLOSED, SLAKE's CLOSED), the others not scored.
	ClosedAccuracy Metric = "closed-accuracy"
)

// metricDef is one row of the metric table.
type metricDef struct {
	name Metric
	help string
	// score scores one ok run's reply against its row's reference:
	// score and, for the aggregates, the run's details (answer, labels,
	// class). parsed is false when the reply gives nothing the metric can
	// read (it scores 0); scorable is false when the row's reference
	// cannot be used with the metric (the row is not scored).
	score func(reply string, r Row) (run scoredRun, parsed, scorable bool)
	// aggregate, when set, is a corpus-level score of a group's runs
	// (a resample's runs for its interval); nil is the mean over items
	// of each item's mean run score.
	aggregate func(runs []scoredRun) float64
	// accuracy is true when each run scores 0 or 1 (McNemar's test and
	// kappa apply).
	accuracy bool
	// classes is true when the scorer reads runs as classes (eval prints
	// the per-class precision, recall and F1 table).
	classes bool
}

// metricTable lists the metrics, in the order help shows them. Auto is
// not a scorer: it picks one of the first three per row.
var metricTable = []metricDef{
	{name: Auto, help: "mcq for rows with choices, yesno for yes/no answers, else f1"},
	{name: Exact, help: "exact match of the SQuAD-normalised reply and answer", score: scoreExact, accuracy: true},
	{name: MCQ, help: "multiple-choice accuracy: the option the reply names (letter or text) is the answer's", score: scoreMCQ, accuracy: true},
	{name: YesNo, help: "yes/no accuracy: the reply's first yes or no is the answer", score: scoreYesNo, accuracy: true},
	{name: F1, help: "token F1, SQuAD-style: normalised words shared with multiplicity, 2PR/(P+R) (the card's \"tokenized F1\")", score: scoreTokenF1},
	{name: MacroF1, help: "choices are labels and the answer lists those present: mean over labels of 2TP/(2TP+FP+FN), corpus-level", score: scoreMacroF1, aggregate: aggregateMacroF1},
	{name: RougeL, help: "ROUGE-L F-measure as Google's rouge-score computes it (lower case, non-alphanumerics to spaces, LCS; no stemming)", score: scoreRougeL},
	{name: IoU, help: "mean IoU of the reply's box_2d boxes (0-1000) against the answer's: each reference box's best match, averaged", score: scoreIoU},
	{name: IoU50, help: "share of runs with IoU ≥ 0.5", score: scoreIoU50, accuracy: true},
	{name: BalancedAccuracy, help: "mean over reference classes (option, yes/no or normalised answer) of their recall, corpus-level", score: scoreClass, aggregate: aggregateBalancedAccuracy, classes: true},
	{name: WeightedF1, help: "per-class F1 weighted by the class's support (scikit-learn average=\"weighted\"), corpus-level", score: scoreClass, aggregate: aggregateWeightedF1, classes: true},
	{name: ClosedAccuracy, help: "accuracy (option, yes/no or exact answer) on the items whose answer_type is closed", score: scoreClosed, accuracy: true, classes: true},
}

// metricOf is the table's row for m; ok is false for a name not there.
func metricOf(m Metric) (metricDef, bool) {
	for _, d := range metricTable {
		if d.name == m {
			return d, true
		}
	}
	return metricDef{}, false
}

// ParseMetric reads a metric's name ("" is [Auto]).
func ParseMetric(s string) (Metric, error) {
	m := Metric(strings.ToLower(strings.TrimSpace(s)))
	if m == "" {
		return Auto, nil
	}
	if _, ok := metricOf(m); ok {
		return m, nil
	}
	return "", fmt.Errorf("unknown metric %q: want %s", s, strings.Join(MetricNames(), ", "))
}

// MetricNames are the metrics' names, in the table's order.
func MetricNames() []string {
	out := make([]string, len(metricTable))
	for i, d := range metricTable {
		out[i] = string(d.name)
	}
	return out
}

// MetricHelp is one line per metric, "name: what it scores", for a flag's
// help.
func MetricHelp() string {
	var b strings.Builder
	for _, d := range metricTable {
		fmt.Fprintf(&b, "\n  %s: %s", d.name, d.help)
	}
	return b.String()
}

// isAccuracy reports whether m scores each run 0 or 1.
func isAccuracy(m Metric) bool {
	d, _ := metricOf(m)
	return d.accuracy
}

// isCorpus reports whether m's score is corpus-level (an aggregate of
// runs rather than a mean of items).
func isCorpus(m Metric) bool {
	d, _ := metricOf(m)
	return d.aggregate != nil
}

// Score scores one reply against a reference answer with metric m (not
// Auto). parsed is false when the reply names nothing the metric reads
// (an mcq or yesno reply without an option or yes/no, a reply without
// boxes: it scores 0); scorable is false when the reference cannot be
// used with the metric (no reference, a reference that is not an option
// or not yes/no).
func Score(m Metric, reply, answer string, choices []string) (score float64, parsed, scorable bool) {
	return scoreRowReply(m, reply, Row{Answer: answer, Choices: choices})
}

// scoreRowReply is [Score] with the whole row (its metadata too).
func scoreRowReply(m Metric, reply string, r Row) (score float64, parsed, scorable bool) {
	run, parsed, scorable := scoreWith(m, reply, r)
	return run.score, parsed, scorable
}

// scoreWith runs m's scorer on reply against r's reference.
func scoreWith(m Metric, reply string, r Row) (scoredRun, bool, bool) {
	d, ok := metricOf(m)
	if !ok || d.score == nil || strings.TrimSpace(r.Answer) == "" {
		return scoredRun{}, false, false
	}
	return d.score(reply, r)
}

func b01(v bool) float64 {
	if v {
		return 1
	}
	return 0
}

// The scorers of the table.

func scoreExact(reply string, r Row) (scoredRun, bool, bool) {
	ok := ExactMatch(reply, r.Answer)
	return scoredRun{score: b01(ok), answer: map[bool]string{true: "correct", false: "wrong"}[ok]}, true, true
}

func scoreTokenF1(reply string, r Row) (scoredRun, bool, bool) {
	return scoredRun{score: TokenF1(reply, r.Answer)}, true, true
}

func scoreYesNo(reply string, r Row) (scoredRun, bool, bool) {
	if !isYesNo(r.Answer) {
		return scoredRun{}, false, false
	}
	yes, ok := ParseYesNo(reply)
	run := scoredRun{score: b01(ok && yes == (Normalize(r.Answer) == "yes")), answer: "unparsed"}
	if ok {
		run.answer = map[bool]string{true: "yes", false: "no"}[yes]
	}
	return run, ok, true
}

func scoreMCQ(reply string, r Row) (scoredRun, bool, bool) {
	want, ok := ChoiceIndex(r.Answer, r.Choices)
	if !ok {
		return scoredRun{}, false, false
	}
	got, ok := ParseChoice(reply, r.Choices)
	run := scoredRun{score: b01(ok && got == want), answer: "unparsed"}
	if ok {
		run.answer = Letter(got)
	}
	return run, ok, true
}

func scoreMacroF1(reply string, r Row) (scoredRun, bool, bool) {
	truth, ok := ParseLabels(r.Answer, r.Choices)
	if !ok {
		return scoredRun{}, false, false
	}
	pred, parsed := PredictLabels(reply, r.Choices)
	s, _, _ := scoreLabels(reply, r.Answer, r.Choices)
	return scoredRun{score: s, labels: labelOutcome(truth, pred, r.Choices)}, parsed, true
}

func aggregateMacroF1(runs []scoredRun) float64 {
	t := labelTally{}
	for _, r := range runs {
		t.add(r.labels)
	}
	return t.macroF1()
}

func scoreRougeL(reply string, r Row) (scoredRun, bool, bool) {
	return scoredRun{score: RougeLF(reply, r.Answer)}, true, true
}

func scoreIoU(reply string, r Row) (scoredRun, bool, bool) {
	refs := ParseBox2D(r.Answer)
	if len(refs) == 0 {
		return scoredRun{}, false, false
	}
	pred := ParseBox2D(reply)
	return scoredRun{score: BoxIoU(pred, refs)}, len(pred) > 0, true
}

func scoreIoU50(reply string, r Row) (scoredRun, bool, bool) {
	run, parsed, ok := scoreIoU(reply, r)
	run.score = b01(ok && run.score >= 0.5)
	run.answer = map[bool]string{true: "correct", false: "wrong"}[run.score == 1]
	return run, parsed, ok
}

func scoreClass(reply string, r Row) (scoredRun, bool, bool) {
	truth, pred, parsed, ok := classify(reply, r)
	if !ok {
		return scoredRun{}, false, false
	}
	return scoredRun{score: b01(truth == pred), answer: pred, truth: truth}, parsed, true
}

func aggregateBalancedAccuracy(runs []scoredRun) float64 {
	return ClassScores(classPairs(runs)).BalancedAccuracy
}

func aggregateWeightedF1(runs []scoredRun) float64 {
	return ClassScores(classPairs(runs)).WeightedF1
}

func scoreClosed(reply string, r Row) (scoredRun, bool, bool) {
	if !strings.EqualFold(strings.TrimSpace(r.Meta["answer_type"]), "closed") {
		return scoredRun{}, false, false
	}
	return scoreClass(reply, r)
}
