package batch

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
)

// The tests a [Pair]'s p-value comes from.
const (
	// TestMcNemar is the exact McNemar test: an accuracy metric (exact,
	// mcq, yesno) with one run of each item on each side.
	TestMcNemar = "mcnemar-exact"
	// TestBootstrap is the paired bootstrap of the difference, resampling
	// items: any other metric, one run of each item on each side.
	TestBootstrap = "paired-bootstrap"
	// TestClusterBootstrap is the paired bootstrap resampling items as
	// clusters, all their repetitions together: any metric with
	// repetitions (McNemar's pairs would not be independent).
	TestClusterBootstrap = "cluster-bootstrap"
)

// Side names one (prompt, model) of a comparison.
type Side struct {
	Prompt string `json:"prompt_name"`
	Model  string `json:"model"`
}

// String is "prompt / model".
func (s Side) String() string { return s.Prompt + " / " + s.Model }

// Pair compares two (prompt, model) groups under one metric on the items
// (and repetitions) both have: Diff is A's score minus B's over those
// runs, with a paired bootstrap 95% interval, and PValue the two-sided
// p-value of no difference from Test; PAdjusted is Holm's adjustment over
// all the pairs of the comparison.
type Pair struct {
	A      Side   `json:"a"`
	B      Side   `json:"b"`
	Metric Metric `json:"metric"`
	// By and Value, with eval --by FIELD, are the field and the value of
	// the subgroup both sides are scored on.
	By    string `json:"by,omitempty"`
	Value string `json:"value,omitempty"`
	// N is the number of items both have, Runs the number of matched
	// (item, repetition) pairs behind them.
	N    int `json:"n"`
	Runs int `json:"runs"`
	// ScoreA and ScoreB are each side's score on the matched runs.
	ScoreA    float64 `json:"score_a"`
	ScoreB    float64 `json:"score_b"`
	Diff      float64 `json:"diff"`
	Low       float64 `json:"ci_low"`
	High      float64 `json:"ci_high"`
	PValue    float64 `json:"p_value"`
	PAdjusted float64 `json:"p_adjusted"`
	Test      string  `json:"test"`
	// AOnly and BOnly are McNemar's discordant pairs: items only A, or
	// only B, got right (McNemar's test only).
	AOnly *int `json:"a_only,omitempty"`
	BOnly *int `json:"b_only,omitempty"`
}

// Compare compares every two (prompt, model) groups of rows that share a
// metric (scored as [Evaluate] scores them), matched on item and
// repetition: the difference of their scores with a paired bootstrap
// interval (items resampled as clusters, their repetitions together), the
// exact McNemar test for an accuracy metric without repetitions and the
// bootstrap's p-value otherwise, and Holm's adjustment over all the
// pairs. Pairs come in Evaluate's order of groups, A before B; pairs
// without a matched run are left out.
func Compare(rows []Row, opt EvalOptions) []Pair {
	opt = opt.withDefaults()
	groups := collectRuns(rows, opt)
	var pairs []Pair
	for i, a := range groups {
		for _, b := range groups[i+1:] {
			if a.key.metric != b.key.metric || a.key.by != b.key.by {
				continue
			}
			if p, ok := comparePair(a, b, opt); ok {
				pairs = append(pairs, p)
			}
		}
	}
	ps := make([]float64, len(pairs))
	for i, p := range pairs {
		ps[i] = p.PValue
	}
	for i, adj := range Holm(ps) {
		pairs[i].PAdjusted = adj
	}
	return pairs
}

// withDefaults fills in the options' defaults, as Evaluate does.
func (opt EvalOptions) withDefaults() EvalOptions {
	if opt.Metric == "" {
		opt.Metric = Auto
	}
	if opt.Resamples <= 0 {
		opt.Resamples = DefaultResamples
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	return opt
}

// comparePair compares two groups of one metric on their matched runs.
func comparePair(a, b *itemRuns, opt EvalOptions) (Pair, bool) {
	m := a.key.metric
	var ra, rb [][]scoredRun
	runs, repeated := 0, false
	aOnly, bOnly := 0, 0
	for _, id := range a.items {
		byRep := map[int]scoredRun{}
		for _, r := range b.runs[id] {
			byRep[r.rep] = r
		}
		var xa, xb []scoredRun
		for _, r := range a.runs[id] {
			if o, ok := byRep[r.rep]; ok {
				xa, xb = append(xa, r), append(xb, o)
				delete(byRep, r.rep)
			}
		}
		if len(xa) == 0 {
			continue
		}
		repeated = repeated || len(xa) > 1
		runs += len(xa)
		for k := range xa {
			switch {
			case xa[k].score == 1 && xb[k].score == 0:
				aOnly++
			case xa[k].score == 0 && xb[k].score == 1:
				bOnly++
			}
		}
		ra, rb = append(ra, xa), append(rb, xb)
	}
	if len(ra) == 0 {
		return Pair{}, false
	}
	diff := func(idx []int) float64 { return groupStat(m, ra, idx) - groupStat(m, rb, idx) }
	all := allIdx(len(ra))
	p := Pair{A: Side{a.key.prompt, a.key.model}, B: Side{b.key.prompt, b.key.model}, Metric: m,
		By: opt.By, Value: a.key.by, N: len(ra), Runs: runs, ScoreA: groupStat(m, ra, all), ScoreB: groupStat(m, rb, all)}
	p.Diff = p.ScoreA - p.ScoreB
	vals := clusterBootstrap(len(ra), opt.Resamples, opt.Seed, diff)
	var ok bool
	if p.Low, p.High, ok = percentileCI(vals); !ok {
		p.Low, p.High = p.Diff, p.Diff
	}
	switch {
	case isAccuracy(m) && !repeated:
		p.Test, p.PValue = TestMcNemar, McNemarExact(aOnly, bOnly)
		p.AOnly, p.BOnly = &aOnly, &bOnly
	case repeated:
		p.Test, p.PValue = TestClusterBootstrap, bootstrapP(p.Diff, vals)
	default:
		p.Test, p.PValue = TestBootstrap, bootstrapP(p.Diff, vals)
	}
	return p, true
}

// WritePairs prints pairs as an aligned table.
func WritePairs(w io.Writer, pairs []Pair) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "A\tB\tMETRIC\tN\tRUNS\tSCORE A\tSCORE B\tDIFF\t95% CI\tP\tP (HOLM)\tTEST")
	for _, p := range pairs {
		metric := string(p.Metric)
		if p.By != "" {
			metric += " " + p.By + "=" + orEmpty(p.Value)
		}
		test := p.Test
		if p.AOnly != nil {
			test = fmt.Sprintf("%s (%d vs %d discordant)", test, *p.AOnly, *p.BOnly)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%.3f\t%.3f\t%+.3f\t[%+.3f, %+.3f]\t%s\t%s\t%s\n",
			p.A, p.B, metric, p.N, p.Runs, p.ScoreA, p.ScoreB, p.Diff, p.Low, p.High,
			formatP(p.PValue), formatP(p.PAdjusted), test)
	}
	return tw.Flush()
}

// formatP prints a p-value with three significant digits, small ones in
// exponent form.
func formatP(p float64) string {
	if p < 0.001 {
		return fmt.Sprintf("%.2e", p)
	}
	return fmt.Sprintf("%.3g", math.Min(p, 1))
}
