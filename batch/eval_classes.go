package batch

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// unparsedClass is the class of a reply that names no option or yes/no.
const unparsedClass = "(unparsed)"

// classify reads one run as a single-label classification: the reference
// class and the class predicted. An item with choices is classed by its
// option letter (the reply's as [ParseChoice] reads it); a yes/no answer
// by yes or no (the reply's first yes or no); any other answer by its
// SQuAD-normalised text (the reply's, whole). A reply that names no
// option or yes/no is the class "(unparsed)", and parsed is false. ok is
// false when the reference is not an option of the item's choices.
func classify(reply string, r Row) (truth, pred string, parsed, ok bool) {
	switch {
	case len(r.Choices) > 0:
		want, ok := ChoiceIndex(r.Answer, r.Choices)
		if !ok {
			return "", "", false, false
		}
		if got, ok := ParseChoice(reply, r.Choices); ok {
			return Letter(want), Letter(got), true, true
		}
		return Letter(want), unparsedClass, false, true
	case isYesNo(r.Answer):
		if yes, ok := ParseYesNo(reply); ok {
			return Normalize(r.Answer), map[bool]string{true: "yes", false: "no"}[yes], true, true
		}
		return Normalize(r.Answer), unparsedClass, false, true
	}
	return Normalize(r.Answer), Normalize(reply), true, true
}

// ClassPair is one run's reference class and predicted class.
type ClassPair struct{ Truth, Pred string }

func classPairs(runs []scoredRun) []ClassPair {
	out := make([]ClassPair, len(runs))
	for i, r := range runs {
		out[i] = ClassPair{r.truth, r.answer}
	}
	return out
}

// LabelScore is one reference class's precision, recall and F1 over a
// group's runs. Support is its number of runs (reference), Predicted the
// runs that predicted it, TP those that were right.
type LabelScore struct {
	Label     string  `json:"label"`
	Support   int     `json:"support"`
	Predicted int     `json:"predicted"`
	TP        int     `json:"tp"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// Classes are the per-class scores of a classification and its
// averages.
type Classes struct {
	Labels []LabelScore `json:"labels"`
	// BalancedAccuracy is the mean over reference classes of their
	// recall; WeightedF1 the mean of their F1 weighted by support;
	// Accuracy the share of runs predicted right.
	BalancedAccuracy float64 `json:"balanced_accuracy"`
	WeightedF1       float64 `json:"weighted_f1"`
	Accuracy         float64 `json:"accuracy"`
}

// ClassScores scores classification pairs as scikit-learn does:
// per reference class, precision TP/predicted (0 when nothing predicted
// it), recall TP/support, F1 2PR/(P+R) (0 when both are 0);
// balanced_accuracy_score is the mean recall over the classes that occur
// as references; f1_score(average="weighted") is Σ support·F1 / Σ support.
// Classes only ever predicted (an unparsed reply, an answer outside the
// references) lower their own precision nowhere else, as there: they have
// no support and so no weight. Labels are sorted by name.
func ClassScores(pairs []ClassPair) Classes {
	by := map[string]*LabelScore{}
	get := func(l string) *LabelScore {
		if by[l] == nil {
			by[l] = &LabelScore{Label: l}
		}
		return by[l]
	}
	right := 0
	for _, p := range pairs {
		get(p.Truth).Support++
		get(p.Pred).Predicted++
		if p.Truth == p.Pred {
			get(p.Truth).TP++
			right++
		}
	}
	var c Classes
	classes, weighted, support := 0, 0.0, 0
	for _, s := range by {
		if s.Predicted > 0 {
			s.Precision = float64(s.TP) / float64(s.Predicted)
		}
		if s.Support > 0 {
			s.Recall = float64(s.TP) / float64(s.Support)
		}
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		if s.Support > 0 {
			classes++
			c.BalancedAccuracy += s.Recall
			weighted += float64(s.Support) * s.F1
			support += s.Support
			c.Labels = append(c.Labels, *s)
		}
	}
	sort.Slice(c.Labels, func(i, j int) bool { return c.Labels[i].Label < c.Labels[j].Label })
	if classes > 0 {
		c.BalancedAccuracy /= float64(classes)
		c.WeightedF1 = weighted / float64(support)
		c.Accuracy = float64(right) / float64(len(pairs))
	}
	return c
}

// ClassTable is one group's per-class table: eval prints it under the
// scores of a class metric (balanced-accuracy, weighted-f1,
// closed-accuracy).
type ClassTable struct {
	Group   Group   `json:"group"`
	Classes Classes `json:"classes"`
}

// PerClass lists, for each group of a class metric (scored as Evaluate
// scores it), its per-class precision, recall and F1 over all its runs.
// It is empty for other metrics.
func PerClass(rows []Row, opt EvalOptions) []ClassTable {
	opt = opt.withDefaults()
	var out []ClassTable
	for _, g := range collectRuns(rows, opt) {
		if !isClassMetric(g.key.metric) {
			continue
		}
		var runs []scoredRun
		for _, it := range g.runsOf() {
			runs = append(runs, it...)
		}
		out = append(out, ClassTable{
			Group:   Group{Prompt: g.key.prompt, Model: g.key.model, Metric: g.key.metric, By: opt.By, Value: g.key.by, N: len(g.items), Rows: len(runs)},
			Classes: ClassScores(classPairs(runs)),
		})
	}
	return out
}

// isClassMetric reports whether m reads runs as classes (their per-class
// table means something).
func isClassMetric(m Metric) bool {
	d, _ := metricOf(m)
	return d.classes
}

// WriteClasses prints per-class tables, one block per group.
func WriteClasses(w io.Writer, tables []ClassTable) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, t := range tables {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		fmt.Fprintf(tw, "%s: accuracy %.3f, balanced accuracy %.3f, weighted F1 %.3f\n", t.Group.Label(),
			t.Classes.Accuracy, t.Classes.BalancedAccuracy, t.Classes.WeightedF1)
		fmt.Fprintln(tw, "LABEL\tSUPPORT\tPREDICTED\tPRECISION\tRECALL\tF1")
		for _, l := range t.Classes.Labels {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.3f\t%.3f\t%.3f\n", ellipsize(l.Label, 40), l.Support, l.Predicted, l.Precision, l.Recall, l.F1)
		}
	}
	return tw.Flush()
}

func ellipsize(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
