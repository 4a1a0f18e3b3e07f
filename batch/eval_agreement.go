package batch

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
)

// How a repetition kappa was computed.
const (
	// KappaCohen is Cohen's kappa of repetition 1 against repetition 2.
	KappaCohen = "cohen"
	// KappaMeanPairwise, with three or more repetitions, is the mean of
	// Cohen's kappa over every two repetitions (Light's kappa, 1971).
	KappaMeanPairwise = "mean-pairwise-cohen"
)

// Agreement is how a (prompt, model) agrees with itself across
// repetitions, and how its metric agrees with the researcher's ratings.
// A field is nil where it cannot be computed.
type Agreement struct {
	// KappaRepetitions is Cohen's kappa between repetitions of the same
	// item, each repetition a rater and its answer the category: the
	// option chosen (mcq), yes or no (yesno), right or wrong (exact), an
	// unparsed reply a category of its own. KappaMethod says whether it is
	// one pair's (two repetitions) or the mean over every two
	// (KappaMeanPairwise); KappaRaters is the number of repetitions and
	// KappaItems the items with at least two of them.
	KappaRepetitions *float64 `json:"kappa_repetitions,omitempty"`
	KappaMethod      string   `json:"kappa_method,omitempty"`
	KappaRaters      int      `json:"kappa_raters,omitempty"`
	KappaItems       int      `json:"kappa_items,omitempty"`
	// KappaRating is Cohen's kappa between the metric (a run right or
	// wrong) and the researcher's rating of the run, a rating of 4 or 5
	// counting as right, over the KappaRatingRuns rated runs: only for
	// accuracy metrics (exact, mcq, yesno) and rows that carry a rating.
	KappaRating     *float64 `json:"kappa_rating,omitempty"`
	KappaRatingRuns int      `json:"kappa_rating_runs,omitempty"`
}

// empty reports whether a has nothing to say.
func (a Agreement) empty() bool { return a.KappaRepetitions == nil && a.KappaRating == nil }

// GoodRating is the lowest rating (of 1 to 5) that counts a run as right
// when the metric is compared with the researcher's ratings.
const GoodRating = 4

// Agree measures agreement for every group of rows with an accuracy
// metric (scored as [Evaluate] scores them), keyed by its [Group] (Prompt,
// Model and Metric set): between repetitions where items have at least
// two, and between the metric and the ratings where rows carry them.
// Groups with neither are left out.
func Agree(rows []Row, opt EvalOptions) map[Side]map[Metric]Agreement {
	opt = opt.withDefaults()
	out := map[Side]map[Metric]Agreement{}
	if opt.By != "" {
		return out // keyed by (prompt, model), which subgroups would share
	}
	for _, g := range collectRuns(rows, opt) {
		if !isAccuracy(g.key.metric) {
			continue
		}
		a := agreement(g)
		if a.empty() {
			continue
		}
		s := Side{g.key.prompt, g.key.model}
		if out[s] == nil {
			out[s] = map[Metric]Agreement{}
		}
		out[s][g.key.metric] = a
	}
	return out
}

// agreement is one accuracy group's agreement.
func agreement(g *itemRuns) Agreement {
	var a Agreement
	// Repetitions: each repetition number a rater.
	byRep := map[int]map[string]string{}
	multi := 0
	for _, id := range g.items {
		if len(g.runs[id]) > 1 {
			multi++
		}
		for _, r := range g.runs[id] {
			if byRep[r.rep] == nil {
				byRep[r.rep] = map[string]string{}
			}
			byRep[r.rep][id] = r.answer
		}
	}
	reps := make([]int, 0, len(byRep))
	for r := range byRep {
		reps = append(reps, r)
	}
	sort.Ints(reps)
	if multi > 0 && len(reps) > 1 {
		sum, n := 0.0, 0
		for i, r := range reps {
			for _, s := range reps[i+1:] {
				var x, y []string
				for _, id := range g.items {
					u, ok1 := byRep[r][id]
					v, ok2 := byRep[s][id]
					if ok1 && ok2 {
						x, y = append(x, u), append(y, v)
					}
				}
				if k, ok := CohenKappa(x, y); ok {
					sum += k
					n++
				}
			}
		}
		if n > 0 {
			k := sum / float64(n)
			a.KappaRepetitions, a.KappaRaters, a.KappaItems = &k, len(reps), multi
			a.KappaMethod = KappaCohen
			if len(reps) > 2 {
				a.KappaMethod = KappaMeanPairwise
			}
		}
	}
	// Ratings: the metric against the researcher, run by run.
	var metric, human []string
	for _, id := range g.items {
		for _, r := range g.runs[id] {
			if r.rating < 1 || r.rating > 5 {
				continue
			}
			metric = append(metric, rightWrong(r.score == 1))
			human = append(human, rightWrong(r.rating >= GoodRating))
		}
	}
	if k, ok := CohenKappa(metric, human); ok {
		a.KappaRating, a.KappaRatingRuns = &k, len(metric)
	}
	return a
}

func rightWrong(ok bool) string {
	if ok {
		return "right"
	}
	return "wrong"
}

// WriteTableAgreement prints the report as [WriteTable] does, with two
// more columns: each group's kappa between repetitions (marked * when it
// is the mean over every two of three or more) and against the
// researcher's ratings, "–" where there is none.
func WriteTableAgreement(w io.Writer, rep Report, ag map[Side]map[Metric]Agreement) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROMPT\tMODEL\tMETRIC\tN\tRUNS\tSCORE\t95% CI\tUNPARSED\tFAILED\tKAPPA (REPS)\tKAPPA (RATINGS)")
	for _, g := range rep.Groups {
		a := ag[Side{g.Prompt, g.Model}][g.Metric]
		reps, rated := "–", "–"
		if a.KappaRepetitions != nil {
			reps = fmt.Sprintf("%.3f", *a.KappaRepetitions)
			if a.KappaMethod == KappaMeanPairwise {
				reps += "*"
			}
		}
		if a.KappaRating != nil {
			rated = fmt.Sprintf("%.3f (%d runs)", *a.KappaRating, a.KappaRatingRuns)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%.3f\t[%.3f, %.3f]\t%d\t%d\t%s\t%s\n",
			g.Prompt, g.Model, g.Metric, g.N, g.Rows, g.Score, g.Low, g.High, g.Unparsed, g.Failed, reps, rated)
	}
	return tw.Flush()
}
