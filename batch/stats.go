package batch

import (
	"math"
	"sort"

	"github.com/medgemma-workbench/medgemma-workbench/internal/rng"
)

// This file holds the statistics behind eval's comparisons, agreement
// and calibration, as plain functions of plain numbers: each is checked
// in stats_test.go against a published worked example or a computation by
// hand.

// BinomialCDF is P(X ≤ k) for X ~ Binomial(n, 1/2), summed in log space
// so that it holds for any n.
func BinomialCDF(k, n int) float64 {
	if k < 0 {
		return 0
	}
	if k >= n {
		return 1
	}
	lgn, _ := math.Lgamma(float64(n + 1))
	s := 0.0
	for i := 0; i <= k; i++ {
		a, _ := math.Lgamma(float64(i + 1))
		b, _ := math.Lgamma(float64(n - i + 1))
		s += math.Exp(lgn - a - b - float64(n)*math.Ln2)
	}
	return min(s, 1)
}

// McNemarExact is the exact two-sided McNemar test of a paired 2×2
// table's discordant cells: b pairs where only the first is correct, c
// where only the second is. Under the null each discordant pair goes
// either way with probability 1/2, so the p-value is twice the smaller
// binomial tail, at most 1 (1 when there is no discordant pair).
func McNemarExact(b, c int) float64 {
	n := b + c
	if n == 0 {
		return 1
	}
	return min(1, 2*BinomialCDF(min(b, c), n))
}

// Holm adjusts p-values for multiple comparisons by Holm's step-down
// method (Holm 1979), which controls the family-wise error rate: the
// i-th smallest of m p-values is multiplied by m - i + 1, each adjusted
// value is at least the one before it, and none exceeds 1. The result is
// in the order of ps.
func Holm(ps []float64) []float64 {
	m := len(ps)
	idx := make([]int, m)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return ps[idx[i]] < ps[idx[j]] })
	adj := make([]float64, m)
	prev := 0.0
	for rank, i := range idx {
		v := min(1, float64(m-rank)*ps[i])
		prev = max(prev, v)
		adj[i] = prev
	}
	return adj
}

// CohenKappa is Cohen's kappa of two raters' labels of the same subjects
// (a[i] and b[i] label subject i): (po - pe) / (1 - pe), po the observed
// agreement and pe the agreement expected from each rater's marginal
// frequencies. ok is false when it is undefined: no subjects, or pe = 1
// (both raters always gave the same one label).
func CohenKappa(a, b []string) (kappa float64, ok bool) {
	n := len(a)
	if n == 0 || n != len(b) {
		return 0, false
	}
	ma, mb := map[string]int{}, map[string]int{}
	agree := 0
	for i := range a {
		ma[a[i]]++
		mb[b[i]]++
		if a[i] == b[i] {
			agree++
		}
	}
	po := float64(agree) / float64(n)
	pe := 0.0
	for l, x := range ma {
		pe += float64(x) / float64(n) * float64(mb[l]) / float64(n)
	}
	if pe >= 1 {
		return 0, false
	}
	return (po - pe) / (1 - pe), true
}

// AUROC is the area under the ROC curve of scores against binary truth:
// the probability that a random positive scores above a random negative,
// ties counting one half (the Mann-Whitney statistic divided by the
// number of positive-negative pairs). ok is false without at least one
// positive and one negative.
func AUROC(scores []float64, positive []bool) (auc float64, ok bool) {
	type obs struct {
		s   float64
		pos bool
	}
	o := make([]obs, len(scores))
	np := 0
	for i := range scores {
		o[i] = obs{scores[i], positive[i]}
		if positive[i] {
			np++
		}
	}
	nn := len(o) - np
	if np == 0 || nn == 0 {
		return 0, false
	}
	sort.Slice(o, func(i, j int) bool { return o[i].s < o[j].s })
	// Sum the positives' mid-ranks among all scores.
	rankSum := 0.0
	for i := 0; i < len(o); {
		j := i
		for j < len(o) && o[j].s == o[i].s {
			j++
		}
		mid := float64(i+j+1) / 2 // ranks i+1 … j
		for k := i; k < j; k++ {
			if o[k].pos {
				rankSum += mid
			}
		}
		i = j
	}
	u := rankSum - float64(np)*float64(np+1)/2
	return u / (float64(np) * float64(nn)), true
}

// CalibrationBins is the number of equal-width confidence bins of the
// expected calibration error and the reliability diagram.
const CalibrationBins = 10

// ReliabilityBin is one bin of a reliability diagram: the predictions
// whose confidence (the probability of the option chosen) falls in
// (Low, High] — the first bin also holds confidence 0 — how many there
// are, their mean confidence and the fraction of them that were right.
type ReliabilityBin struct {
	Low        float64 `json:"low"`
	High       float64 `json:"high"`
	Count      int     `json:"count"`
	Confidence float64 `json:"mean_confidence"`
	Accuracy   float64 `json:"accuracy"`
}

// Reliability bins predictions by confidence into [CalibrationBins]
// equal-width bins, (0, 0.1], (0.1, 0.2], …, (0.9, 1] (Guo et al. 2017),
// and returns the bins and the expected calibration error: the mean over
// predictions of |accuracy - mean confidence| of their bin, that is
// Σ (count/N) |accuracy - confidence|.
func Reliability(conf []float64, correct []bool) (bins []ReliabilityBin, ece float64) {
	bins = make([]ReliabilityBin, CalibrationBins)
	sumConf := make([]float64, CalibrationBins)
	right := make([]int, CalibrationBins)
	for i := range bins {
		bins[i].Low = float64(i) / CalibrationBins
		bins[i].High = float64(i+1) / CalibrationBins
	}
	for i, p := range conf {
		// The tolerance keeps 0.3 in (0.2, 0.3], though 0.3 × 10 is
		// 3.0000000000000004 in floating point.
		b := min(max(int(math.Ceil(p*CalibrationBins-1e-9))-1, 0), CalibrationBins-1)
		bins[b].Count++
		sumConf[b] += p
		if correct[i] {
			right[b]++
		}
	}
	n := len(conf)
	for i := range bins {
		if c := bins[i].Count; c > 0 {
			bins[i].Confidence = sumConf[i] / float64(c)
			bins[i].Accuracy = float64(right[i]) / float64(c)
			ece += float64(c) / float64(n) * math.Abs(bins[i].Accuracy-bins[i].Confidence)
		}
	}
	return bins, ece
}

// BrierScore is the multi-class Brier score: the mean over predictions
// of Σ over options (p - y)², y 1 for the true option and 0 for the
// others. probs[i] are prediction i's probabilities and truth[i] the index
// of its true option. For a binary prediction stated as one probability,
// pass one option (the probability of "yes") and truth 0 or -1: then it
// is the usual (p - y)².
func BrierScore(probs [][]float64, truth []int) float64 {
	if len(probs) == 0 {
		return 0
	}
	s := 0.0
	for i, ps := range probs {
		for k, p := range ps {
			y := 0.0
			if k == truth[i] {
				y = 1
			}
			s += (p - y) * (p - y)
		}
	}
	return s / float64(len(probs))
}

// clusterBootstrap resamples n clusters (items) with replacement
// resamples times, with a generator seeded with seed, and calls stat on
// each resample's cluster indices (a cluster drawn twice is there twice;
// all its repetitions move with it). It returns the values that are not
// NaN (stat returns NaN where a resample leaves it undefined), sorted.
func clusterBootstrap(n, resamples int, seed uint64, stat func(idx []int) float64) []float64 {
	return clusterBootstrapN(n, resamples, seed, 1, func(idx []int, out []float64) { out[0] = stat(idx) })[0]
}

// clusterBootstrapN is [clusterBootstrap] of k statistics at once: stat
// fills out[0:k] for a resample, and the j-th slice returned holds the
// j-th statistic's values that are not NaN, sorted.
func clusterBootstrapN(n, resamples int, seed uint64, k int, stat func(idx []int, out []float64)) [][]float64 {
	vals := make([][]float64, k)
	if n == 0 {
		return vals
	}
	draw := rng.SplitMix64(seed)
	idx := make([]int, n)
	out := make([]float64, k)
	for range resamples {
		for i := range idx {
			idx[i] = int(draw.Next() % uint64(n))
		}
		stat(idx, out)
		for j, v := range out {
			if !math.IsNaN(v) {
				vals[j] = append(vals[j], v)
			}
		}
	}
	for _, v := range vals {
		sort.Float64s(v)
	}
	return vals
}

// percentileCI is the 95% percentile interval of sorted bootstrap
// values, taken as [Bootstrap] takes it; ok is false when there are none.
func percentileCI(sorted []float64) (low, high float64, ok bool) {
	r := len(sorted)
	if r == 0 {
		return 0, 0, false
	}
	lo := int(0.025 * float64(r))
	hi := int(0.975*float64(r)+0.5) - 1
	return sorted[lo], sorted[min(max(hi, lo), r-1)], true
}

// bootstrapP is the two-sided bootstrap p-value of an observed statistic
// against zero: the resampled values, shifted to centre on zero (the null
// hypothesis), that are at least as far from zero as the observed one,
// counted as (1 + #) / (1 + resamples) (Davison and Hinkley 1997, §4.4).
func bootstrapP(observed float64, sorted []float64) float64 {
	if len(sorted) == 0 {
		return 1
	}
	far := 0
	const eps = 1e-12
	for _, v := range sorted {
		if math.Abs(v-observed) >= math.Abs(observed)-eps {
			far++
		}
	}
	return min(1, float64(1+far)/float64(1+len(sorted)))
}
