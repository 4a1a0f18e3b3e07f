package batch

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/medgemma-workbench/medgemma-workbench/internal/csvsafe"
	"github.com/medgemma-workbench/medgemma-workbench/internal/rng"
)

// EvalOptions say how to score.
type EvalOptions struct {
	// Metric is the metric, or Auto (the default) to pick one per row.
	Metric Metric
	// Resamples is the number of bootstrap resamples (default 2000) and
	// Seed their random seed (default 1): the same rows, resamples and
	// seed always give the same interval.
	Resamples int
	Seed      uint64
	// Field, when set, scores each row's structured-answer field of that
	// name (Row.Fields) instead of its reply text; a row without it (its
	// answer invalid against its schema, or without the field) scores 0
	// as unparsed. A yesno field may be a JSON boolean (true is yes).
	Field string
	// By, when set, scores each value of this item field (a manifest
	// item's metadata, carried in Row.Meta) apart: one group per (prompt,
	// model, metric, value), rows without the field under "".
	By string
}

// DefaultResamples is the number of bootstrap resamples.
const DefaultResamples = 2000

// Evaluate scores rows per (prompt, model, metric), grouped by metric,
// then prompt, then model, each in the order they first appear, with a percentile bootstrap 95% interval that resamples
// items (each item's repetitions stay together). A [MacroF1] group's
// score is the macro-F1 of all its runs, and each resample recomputes it.
func Evaluate(rows []Row, opt EvalOptions) Report {
	if opt.Metric == "" {
		opt.Metric = Auto
	}
	if opt.Resamples <= 0 {
		opt.Resamples = DefaultResamples
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	rep := Report{Resamples: opt.Resamples, Seed: opt.Seed, Field: opt.Field}
	groups, order := scoreRows(rows, opt, &rep)
	sortGroups(order)
	corpus := map[groupKey]*itemRuns{}
	if isCorpus(opt.Metric) {
		for _, g := range collectRuns(rows, opt) {
			corpus[g.key] = g
		}
	}
	for _, k := range order {
		a := groups[k]
		means := make([]float64, len(a.items))
		for i, id := range a.items {
			means[i] = mean(a.scores[id])
		}
		a.g.N = len(means)
		a.g.Score = mean(means)
		a.g.Low, a.g.High = Bootstrap(means, opt.Resamples, opt.Seed)
		if g := corpus[k]; g != nil {
			a.g.Score, a.g.Low, a.g.High = corpusInterval(g, opt.Resamples, opt.Seed)
		}
		if a.g.N == 0 && a.g.Failed == 0 {
			continue
		}
		rep.Groups = append(rep.Groups, a.g)
	}
	return rep
}

// corpusInterval is a corpus-level metric's group score (macro-F1,
// balanced accuracy, weighted F1) and its percentile bootstrap 95%
// interval, resampling items (each with all its repetitions) and
// recomputing the score of each resample.
func corpusInterval(g *itemRuns, resamples int, seed uint64) (score, low, high float64) {
	items := g.runsOf()
	m := g.key.metric
	score = groupStat(m, items, allIdx(len(items)))
	vals := clusterBootstrap(len(items), resamples, seed, func(idx []int) float64 { return groupStat(m, items, idx) })
	if lo, hi, ok := percentileCI(vals); ok {
		return score, lo, hi
	}
	return score, score, score
}

// groupKey is what Evaluate groups rows by.
type groupKey struct {
	prompt, model string
	metric        Metric
	// by is the row's value of EvalOptions.By ("" without it).
	by string
}

// keyOf is row r's group under metric m, by the value of its field by
// when that is set.
func keyOf(r Row, m Metric, by string) groupKey {
	k := groupKey{prompt: r.PromptName, model: r.Model, metric: m}
	if by != "" {
		k.by = r.Meta[by]
	}
	return k
}

// groupScores are one group's counts and its scores per item, items in
// the order they first appear.
type groupScores struct {
	g      Group
	items  []string
	scores map[string][]float64
}

// scoreRows scores each row with opt's metric (Auto: the row's own) and
// field into its group; rows without a reference answer are counted in
// rep.NoReference, rows without the field in rep.NoField and answers
// invalid against their schema in rep.SchemaInvalid. order lists the
// groups as they first appear.
func scoreRows(rows []Row, opt EvalOptions, rep *Report) (groups map[groupKey]*groupScores, order []groupKey) {
	groups = map[groupKey]*groupScores{}
	for _, r := range rows {
		m := opt.Metric
		if m == Auto {
			m = InferMetric(r.Answer, r.Choices)
		}
		k := keyOf(r, m, opt.By)
		a := groups[k]
		if a == nil {
			a = &groupScores{g: Group{Prompt: r.PromptName, Model: r.Model, Metric: m, By: opt.By, Value: k.by}, scores: map[string][]float64{}}
			groups[k] = a
			order = append(order, k)
		}
		if r.Status != "ok" {
			a.g.Failed++
			continue
		}
		if r.SchemaValid != nil && !*r.SchemaValid {
			rep.SchemaInvalid++
		}
		run, parsed, has, ok := scoreReply(m, r, opt.Field)
		s := run.score
		if !ok {
			rep.NoReference++
			continue
		}
		if !has {
			rep.NoField++
		}
		if !parsed {
			a.g.Unparsed++
		}
		if _, seen := a.scores[r.ItemID]; !seen {
			a.items = append(a.items, r.ItemID)
		}
		a.scores[r.ItemID] = append(a.scores[r.ItemID], s)
		a.g.Rows++
	}
	return groups, order
}

// reply is the text a row's run is scored on: its output, or with a
// field the structured answer's field of that name; has is false when the
// row has no such field.
func reply(r Row, field string) (text string, has bool) {
	if field == "" {
		return r.Output, true
	}
	text, has = r.Fields[field]
	return text, has
}

// scoreReply scores one ok row with metric m (not Auto) on its [reply]:
// a row without the field scores 0, unparsed, and has is false; a yesno
// field that is a JSON boolean reads true as yes. scorable is [Score]'s.
func scoreReply(m Metric, r Row, field string) (run scoredRun, parsed, has, scorable bool) {
	text, has := reply(r, field)
	if m == YesNo && field != "" {
		switch strings.TrimSpace(text) {
		case "true":
			text = "yes"
		case "false":
			text = "no"
		}
	}
	run, parsed, scorable = scoreWith(m, text, r)
	run.rep, run.rating = r.Repetition, r.Rating
	if !has {
		run.score, parsed = 0, false
		if isAccuracy(m) {
			run.answer = "unparsed"
		}
	}
	return run, parsed, has, scorable
}

// sortGroups orders groups by metric, then prompt, then model, each in the
// order it first appears in order.
func sortGroups(order []groupKey) {
	first := func() func(string) int {
		seen := map[string]int{}
		return func(s string) int {
			if i, ok := seen[s]; ok {
				return i
			}
			seen[s] = len(seen)
			return seen[s]
		}
	}
	metricIdx, promptIdx, modelIdx := first(), first(), first()
	for _, k := range order {
		metricIdx(string(k.metric))
		promptIdx(k.prompt)
		modelIdx(k.model)
	}
	byIdx := func(k groupKey) string { return k.by }
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if x, y := metricIdx(string(a.metric)), metricIdx(string(b.metric)); x != y {
			return x < y
		}
		if x, y := promptIdx(a.prompt), promptIdx(b.prompt); x != y {
			return x < y
		}
		if x, y := modelIdx(a.model), modelIdx(b.model); x != y {
			return x < y
		}
		return byIdx(a) < byIdx(b)
	})
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// Bootstrap is the percentile bootstrap 95% interval of the mean of xs:
// the 2.5th and 97.5th percentiles of the means of resamples resamples
// of xs drawn with replacement by a generator seeded with seed. It is
// deterministic: the same inputs give the same interval on every
// platform and Go version.
func Bootstrap(xs []float64, resamples int, seed uint64) (low, high float64) {
	n := len(xs)
	switch {
	case n == 0:
		return 0, 0
	case n == 1:
		return xs[0], xs[0]
	}
	draw := rng.SplitMix64(seed)
	means := make([]float64, resamples)
	for b := range means {
		s := 0.0
		for range n {
			s += xs[draw.Next()%uint64(n)]
		}
		means[b] = s / float64(n)
	}
	sort.Float64s(means)
	lo := int(0.025 * float64(resamples))
	hi := int(0.975*float64(resamples)+0.5) - 1
	return means[lo], means[min(max(hi, lo), resamples-1)]
}

// WriteTable prints the report as an aligned table.
func WriteTable(w io.Writer, rep Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	by := byField(rep)
	head := "PROMPT\tMODEL\tMETRIC\t"
	if by != "" {
		head += strings.ToUpper(by) + "\t"
	}
	fmt.Fprintln(tw, head+"N\tRUNS\tSCORE\t95% CI\tUNPARSED\tFAILED")
	for _, g := range rep.Groups {
		fmt.Fprintf(tw, "%s\t%s\t%s\t", g.Prompt, g.Model, g.Metric)
		if by != "" {
			fmt.Fprintf(tw, "%s\t", orEmpty(g.Value))
		}
		fmt.Fprintf(tw, "%d\t%d\t%.3f\t[%.3f, %.3f]\t%d\t%d\n", g.N, g.Rows, g.Score, g.Low, g.High, g.Unparsed, g.Failed)
	}
	return tw.Flush()
}

// byField is the field a report's groups are split by (eval --by), or "".
func byField(rep Report) string {
	for _, g := range rep.Groups {
		if g.By != "" {
			return g.By
		}
	}
	return ""
}

// orEmpty shows a missing subgroup value as "(none)".
func orEmpty(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

// WriteSummaryCSV writes the report as CSV, one line per group.
func WriteSummaryCSV(w io.Writer, rep Report) error {
	cw := csvsafe.NewWriter(w)
	head := []string{"prompt_name", "model", "metric", "n", "runs", "score", "ci_low", "ci_high", "unparsed", "failed"}
	by := byField(rep)
	if by != "" {
		head = append(head, "by", "value")
	}
	cw.Write(head)
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 4, 64) }
	for _, g := range rep.Groups {
		rec := []string{g.Prompt, g.Model, string(g.Metric), strconv.Itoa(g.N), strconv.Itoa(g.Rows),
			f(g.Score), f(g.Low), f(g.High), strconv.Itoa(g.Unparsed), strconv.Itoa(g.Failed)}
		if by != "" {
			rec = append(rec, g.By, g.Value)
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}
