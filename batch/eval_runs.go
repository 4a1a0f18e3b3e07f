package batch

import "math"

// scoredRun is one scored run of a group, with what the comparisons,
// agreement and calibration need beyond its score.
type scoredRun struct {
	rep   int
	score float64
	// answer is the run's answer as a category, for agreement between
	// repetitions: the option letter (mcq), yes or no (yesno), "correct"
	// or "wrong" (exact); "unparsed" when the reply named none. Empty for
	// metrics without categories (f1, macro-f1).
	answer string
	// labels is a macro-f1 run's tally.
	labels labelTally
	// rating is the researcher's rating of the run, 1 to 5, or 0.
	rating int
}

// itemRuns is one group's scored runs, by item, items in the order they
// first appear.
type itemRuns struct {
	key   groupKey
	items []string
	runs  map[string][]scoredRun
}

// isAccuracy reports whether m scores each run 0 or 1.
func isAccuracy(m Metric) bool { return m == Exact || m == MCQ || m == YesNo }

// collectRuns scores rows as [Evaluate] does (the same groups, the same
// runs: ok, with a reference the metric can use) and keeps each run's
// details, groups in Evaluate's order. opt's metric and field say how.
func collectRuns(rows []Row, opt EvalOptions) []*itemRuns {
	metric := opt.Metric
	groups := map[groupKey]*itemRuns{}
	var order []groupKey
	for _, r := range rows {
		m := metric
		if m == Auto {
			m = InferMetric(r.Answer, r.Choices)
		}
		k := groupKey{r.PromptName, r.Model, m}
		g := groups[k]
		if g == nil {
			g = &itemRuns{key: k, runs: map[string][]scoredRun{}}
			groups[k] = g
			order = append(order, k)
		}
		if r.Status != "ok" {
			continue
		}
		run, ok := scoreRun(m, r, opt.Field)
		if !ok {
			continue
		}
		if _, seen := g.runs[r.ItemID]; !seen {
			g.items = append(g.items, r.ItemID)
		}
		g.runs[r.ItemID] = append(g.runs[r.ItemID], run)
	}
	sortGroups(order)
	out := make([]*itemRuns, 0, len(order))
	for _, k := range order {
		if len(groups[k].items) > 0 {
			out = append(out, groups[k])
		}
	}
	return out
}

// scoreRun scores one ok row with metric m on its [reply] (its output,
// or the structured answer's field); ok is false when its reference cannot
// be used.
func scoreRun(m Metric, r Row, field string) (scoredRun, bool) {
	text, s, parsed, _, ok := scoreReply(m, r, field)
	if !ok {
		return scoredRun{}, false
	}
	run := scoredRun{rep: r.Repetition, score: s, rating: r.Rating}
	switch m {
	case MCQ:
		if i, ok := ParseChoice(text, r.Choices); ok && parsed {
			run.answer = string(rune('A' + i))
		}
	case YesNo:
		if yes, ok := ParseYesNo(text); ok && parsed {
			run.answer = map[bool]string{true: "yes", false: "no"}[yes]
		}
	case Exact:
		run.answer = map[bool]string{true: "correct", false: "wrong"}[s == 1]
	case MacroF1:
		truth, _ := ParseLabels(r.Answer, r.Choices)
		pred, _ := PredictLabels(text, r.Choices)
		run.labels = labelOutcome(truth, pred, r.Choices)
	}
	if isAccuracy(m) && !parsed {
		run.answer = "unparsed"
	}
	return run, true
}

// groupStat is a group's score over some of its items (idx indexes
// items; an index twice counts twice) and the runs of each that keep
// says to (nil: all): the mean over items of each item's mean score, or
// for macro-f1 the macro-F1 of all their runs' labels. It is NaN when no
// item has a run kept.
func groupStat(m Metric, items [][]scoredRun, idx []int) float64 {
	if m == MacroF1 {
		t := labelTally{}
		n := 0
		for _, i := range idx {
			for _, r := range items[i] {
				t.add(r.labels)
				n++
			}
		}
		if n == 0 {
			return math.NaN()
		}
		return t.macroF1()
	}
	s, n := 0.0, 0
	for _, i := range idx {
		if len(items[i]) == 0 {
			continue
		}
		is := 0.0
		for _, r := range items[i] {
			is += r.score
		}
		s += is / float64(len(items[i]))
		n++
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// runsOf lists a group's runs by item, in its items' order.
func (g *itemRuns) runsOf() [][]scoredRun {
	out := make([][]scoredRun, len(g.items))
	for i, id := range g.items {
		out[i] = g.runs[id]
	}
	return out
}

// allIdx is 0, 1, …, n-1.
func allIdx(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
