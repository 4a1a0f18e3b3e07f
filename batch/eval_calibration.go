package batch

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// Calibration is how well a (prompt, model)'s choice probabilities
// (rows' choice_probs) fit the truth, over the runs that have them. Each
// value has a percentile bootstrap 95% interval that resamples items,
// their repetitions together.
type Calibration struct {
	// Items and Runs are the items and runs with probabilities.
	Items int `json:"calibration_n"`
	Runs  int `json:"calibration_runs"`
	// Accuracy is the fraction of runs whose most probable option is the
	// answer (ties go to the first option).
	Accuracy     float64 `json:"argmax_accuracy"`
	AccuracyLow  float64 `json:"argmax_accuracy_ci_low"`
	AccuracyHigh float64 `json:"argmax_accuracy_ci_high"`
	// AUROC is, for yes/no, the area under the ROC curve of P(yes)
	// against the answer being yes; for multiple choice the mean over
	// options (by letter) of each option's one-vs-rest AUROC, options the
	// answer never or always is left out. Nil when it is undefined (every
	// answer the same).
	AUROC     *float64 `json:"auroc"`
	AUROCLow  *float64 `json:"auroc_ci_low"`
	AUROCHigh *float64 `json:"auroc_ci_high"`
	// Brier is the mean over runs of (P(yes) - y)² for yes/no, and of Σ
	// over options (p - y)² for multiple choice.
	Brier     float64 `json:"brier"`
	BrierLow  float64 `json:"brier_ci_low"`
	BrierHigh float64 `json:"brier_ci_high"`
	// ECE is the expected calibration error over [CalibrationBins]
	// equal-width bins of the most probable option's probability, and
	// Bins the reliability diagram.
	ECE     float64          `json:"ece"`
	ECELow  float64          `json:"ece_ci_low"`
	ECEHigh float64          `json:"ece_ci_high"`
	Bins    []ReliabilityBin `json:"reliability"`
}

// probRun is one run's choice probabilities over its options (yes/no:
// P(yes), P(no)), normalised to sum to 1, and the answer's index.
type probRun struct {
	probs []float64
	truth int
}

// choiceProbs reads a row's choice_probs as probabilities over its
// options: a key is an option's letter or text (or yes and no), other
// keys are ignored, and the probabilities are divided by their sum (for
// yes/no with only one of the two given, the other is 1 - p). ok is false
// when the row has none of its options' probabilities.
func choiceProbs(m Metric, r Row) (probRun, bool) {
	var pr probRun
	n := len(r.Choices)
	opts := r.Choices
	if m == YesNo {
		n, opts = 2, []string{"yes", "no"}
		pr.truth = 1
		if Normalize(r.Answer) == "yes" {
			pr.truth = 0
		}
	} else {
		i, ok := ChoiceIndex(r.Answer, r.Choices)
		if !ok {
			return pr, false
		}
		pr.truth = i
	}
	pr.probs = make([]float64, n)
	given := make([]bool, n)
	for k, p := range r.ChoiceProbs {
		if math.IsNaN(p) || p < 0 {
			continue
		}
		if i, ok := ChoiceIndex(k, opts); ok {
			pr.probs[i] += p
			given[i] = true
		}
	}
	if m == YesNo && given[0] != given[1] && pr.probs[0]+pr.probs[1] <= 1 {
		if given[0] {
			pr.probs[1] = 1 - pr.probs[0]
		} else {
			pr.probs[0] = 1 - pr.probs[1]
		}
	}
	sum := 0.0
	for _, p := range pr.probs {
		sum += p
	}
	if sum <= 0 {
		return pr, false
	}
	for i := range pr.probs {
		pr.probs[i] /= sum
	}
	return pr, true
}

// argmax is the most probable option, the first of ties.
func argmax(ps []float64) int {
	best := 0
	for i, p := range ps {
		if p > ps[best] {
			best = i
		}
	}
	return best
}

// Calibrate measures the calibration of the choice probabilities of the
// rows' runs per (prompt, model, metric): yesno and mcq rows (as Auto
// picks them, or only the one kind the metric names; other metrics have
// none), ok runs whose reference is an option (or yes/no) and that carry
// choice_probs.
func Calibrate(rows []Row, opt EvalOptions) map[Side]map[Metric]Calibration {
	opt = opt.withDefaults()
	type group struct {
		items []string
		runs  map[string][]probRun
	}
	groups := map[groupKey]*group{}
	for _, r := range rows {
		if r.Status != "ok" || len(r.ChoiceProbs) == 0 || strings.TrimSpace(r.Answer) == "" {
			continue
		}
		m := InferMetric(r.Answer, r.Choices)
		if (m != MCQ && m != YesNo) || (opt.Metric != Auto && opt.Metric != m) {
			continue
		}
		pr, ok := choiceProbs(m, r)
		if !ok {
			continue
		}
		k := groupKey{prompt: r.PromptName, model: r.Model, metric: m}
		g := groups[k]
		if g == nil {
			g = &group{runs: map[string][]probRun{}}
			groups[k] = g
		}
		if _, seen := g.runs[r.ItemID]; !seen {
			g.items = append(g.items, r.ItemID)
		}
		g.runs[r.ItemID] = append(g.runs[r.ItemID], pr)
	}
	out := map[Side]map[Metric]Calibration{}
	for k, g := range groups {
		items := make([][]probRun, len(g.items))
		for i, id := range g.items {
			items[i] = g.runs[id]
		}
		s := Side{k.prompt, k.model}
		if out[s] == nil {
			out[s] = map[Metric]Calibration{}
		}
		out[s][k.metric] = calibration(k.metric, items, opt)
	}
	return out
}

// calibration is one group's calibration, items its runs by item.
func calibration(m Metric, items [][]probRun, opt EvalOptions) Calibration {
	c := Calibration{Items: len(items)}
	stats := func(idx []int, out []float64) {
		var runs []probRun
		for _, i := range idx {
			runs = append(runs, items[i]...)
		}
		out[0], out[1], out[2], out[3], _ = calibrationStats(m, runs)
	}
	all := make([]float64, 4)
	stats(allIdx(len(items)), all)
	for _, it := range items {
		c.Runs += len(it)
	}
	var runs []probRun
	for _, it := range items {
		runs = append(runs, it...)
	}
	_, _, _, _, c.Bins = calibrationStats(m, runs)
	vals := clusterBootstrapN(len(items), opt.Resamples, opt.Seed, 4, stats)
	ci := func(j int) (lo, hi float64) {
		lo, hi, ok := percentileCI(vals[j])
		if !ok {
			return all[j], all[j]
		}
		return lo, hi
	}
	c.Accuracy = all[0]
	c.AccuracyLow, c.AccuracyHigh = ci(0)
	if !math.IsNaN(all[1]) {
		lo, hi := ci(1)
		c.AUROC, c.AUROCLow, c.AUROCHigh = &all[1], &lo, &hi
	}
	c.Brier = all[2]
	c.BrierLow, c.BrierHigh = ci(2)
	c.ECE = all[3]
	c.ECELow, c.ECEHigh = ci(3)
	return c
}

// calibrationStats are the argmax accuracy, AUROC (NaN when undefined),
// Brier score, ECE and reliability bins of runs of metric m (yesno or
// mcq).
func calibrationStats(m Metric, runs []probRun) (acc, auroc, brier, ece float64, bins []ReliabilityBin) {
	n := len(runs)
	conf := make([]float64, n)
	correct := make([]bool, n)
	right := 0
	for i, r := range runs {
		a := argmax(r.probs)
		conf[i], correct[i] = r.probs[a], a == r.truth
		if correct[i] {
			right++
		}
	}
	acc = float64(right) / float64(n)
	bins, ece = Reliability(conf, correct)
	if m == YesNo {
		pyes := make([]float64, n)
		isYes := make([]bool, n)
		yes := make([][]float64, n)
		truth := make([]int, n)
		for i, r := range runs {
			pyes[i], isYes[i] = r.probs[0], r.truth == 0
			yes[i] = r.probs[:1]
			truth[i] = r.truth // 0 is yes, the one option given
		}
		brier = BrierScore(yes, truth)
		if a, ok := AUROC(pyes, isYes); ok {
			return acc, a, brier, ece, bins
		}
		return acc, math.NaN(), brier, ece, bins
	}
	probs := make([][]float64, n)
	truth := make([]int, n)
	most := 0
	for i, r := range runs {
		probs[i], truth[i] = r.probs, r.truth
		most = max(most, len(r.probs))
	}
	brier = BrierScore(probs, truth)
	sum, defined := 0.0, 0
	for k := range most {
		var s []float64
		var pos []bool
		for _, r := range runs {
			if k < len(r.probs) {
				s, pos = append(s, r.probs[k]), append(pos, r.truth == k)
			}
		}
		if a, ok := AUROC(s, pos); ok {
			sum += a
			defined++
		}
	}
	if defined == 0 {
		return acc, math.NaN(), brier, ece, bins
	}
	return acc, sum / float64(defined), brier, ece, bins
}

// WriteCalibration prints calibration per group as an aligned table,
// groups in the order of rep's, then each group's non-empty reliability
// bins.
func WriteCalibration(w io.Writer, rep Report, cal map[Side]map[Metric]Calibration) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROMPT\tMODEL\tMETRIC\tN\tRUNS\tACCURACY (ARGMAX)\tAUROC\tBRIER\tECE")
	ival := func(x, lo, hi float64) string { return fmt.Sprintf("%.3f [%.3f, %.3f]", x, lo, hi) }
	var shown []Group
	for _, g := range rep.Groups {
		c, ok := cal[Side{g.Prompt, g.Model}][g.Metric]
		if !ok {
			continue
		}
		shown = append(shown, g)
		auroc := "–"
		if c.AUROC != nil {
			auroc = ival(*c.AUROC, *c.AUROCLow, *c.AUROCHigh)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n", g.Prompt, g.Model, g.Metric, c.Items, c.Runs,
			ival(c.Accuracy, c.AccuracyLow, c.AccuracyHigh), auroc, ival(c.Brier, c.BrierLow, c.BrierHigh),
			ival(c.ECE, c.ECELow, c.ECEHigh))
	}
	if len(shown) == 0 {
		fmt.Fprintln(tw, "(no run has choice_probs: run the batch with --score logprob)")
		return tw.Flush()
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "PROMPT\tMODEL\tMETRIC\tCONFIDENCE BIN\tCOUNT\tMEAN CONFIDENCE\tACCURACY")
	for _, g := range shown {
		for _, b := range cal[Side{g.Prompt, g.Model}][g.Metric].Bins {
			if b.Count == 0 {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t(%.1f, %.1f]\t%d\t%.3f\t%.3f\n", g.Prompt, g.Model, g.Metric,
				b.Low, b.High, b.Count, b.Confidence, b.Accuracy)
		}
	}
	return tw.Flush()
}
