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
	// truth is a class metric's reference class (answer is the class
	// predicted).
	truth string
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
		k := keyOf(r, m, opt.By)
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
	run, _, _, ok := scoreReply(m, r, field)
	return run, ok
}

// groupStat is a group's score over some of its items (idx indexes
// items; an index twice counts twice) and all their runs: the mean over
// items of each item's mean score, or a corpus-level metric's aggregate
// of all their runs. It is NaN when no item has a run.
func groupStat(m Metric, items [][]scoredRun, idx []int) float64 {
	if d, _ := metricOf(m); d.aggregate != nil {
		var runs []scoredRun
		for _, i := range idx {
			runs = append(runs, items[i]...)
		}
		if len(runs) == 0 {
			return math.NaN()
		}
		return d.aggregate(runs)
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
