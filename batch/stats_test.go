package batch

import (
	"math"
	"math/big"
	"testing"
)

// exactMcNemar is an independent reference: the two-sided exact McNemar
// p-value, 2 Σ_{i ≤ min(b,c)} C(b+c, i) / 2^(b+c), in exact rational
// arithmetic.
func exactMcNemar(b, c int) float64 {
	n := b + c
	sum := new(big.Int)
	for i := 0; i <= min(b, c); i++ {
		sum.Add(sum, new(big.Int).Binomial(int64(n), int64(i)))
	}
	r := new(big.Rat).SetFrac(new(big.Int).Mul(sum, big.NewInt(2)), new(big.Int).Lsh(big.NewInt(1), uint(n)))
	f, _ := r.Float64()
	return math.Min(f, 1)
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestMcNemarExact(t *testing.T) {
	for _, tc := range []struct {
		name string
		b, c int
		want float64
		tol  float64
	}{
		// Agresti, An Introduction to Categorical Data Analysis (2nd ed.,
		// §8.1): approval of the President's performance in two surveys a
		// month apart, 1600 people; 150 approved then disapproved, 86
		// disapproved then approved. The exact two-sided p-value is
		// 2 P(X ≤ 86), X ~ Bin(236, 1/2) = 3.716e-5 (Python's
		// math.comb: 3.715936139571442e-05); Agresti's z = -4.17 is the
		// large-sample test.
		{"Agresti presidential approval", 150, 86, 3.715936139571442e-05, 1e-12},
		// By hand: 1 vs 6 discordant, n = 7: P(X ≤ 1) = (1 + 7)/128, so
		// p = 16/128 = 0.125.
		{"1 vs 6 by hand", 1, 6, 0.125, 1e-15},
		{"6 vs 1 is symmetric", 6, 1, 0.125, 1e-15},
		// 0 vs 5: 2/32 = 0.0625.
		{"0 vs 5 by hand", 0, 5, 0.0625, 1e-15},
		// Equal discordant counts, and none at all: no evidence, p = 1.
		{"4 vs 4", 4, 4, 1, 0},
		{"no discordant pair", 0, 0, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := McNemarExact(tc.b, tc.c)
			if !near(got, tc.want, tc.tol*tc.want+tc.tol) {
				t.Errorf("McNemarExact(%d, %d) = %.10g, want %.10g", tc.b, tc.c, got, tc.want)
			}
			if ref := exactMcNemar(tc.b, tc.c); tc.b+tc.c > 0 && !near(got, ref, 1e-9*ref) {
				t.Errorf("McNemarExact(%d, %d) = %.10g, exact arithmetic gives %.10g", tc.b, tc.c, got, ref)
			}
		})
	}
	// A large table against exact arithmetic.
	if got, ref := McNemarExact(1200, 1100), exactMcNemar(1200, 1100); !near(got, ref, 1e-9*ref) {
		t.Errorf("McNemarExact(1200, 1100) = %.10g, exact %.10g", got, ref)
	}
}

func TestHolm(t *testing.T) {
	// By hand, m = 4: sorted 0.005, 0.01, 0.03, 0.04 are multiplied by
	// 4, 3, 2, 1 → 0.02, 0.03, 0.06, 0.04, and the last is raised to
	// the one before it (step-down monotonicity): 0.06.
	got := Holm([]float64{0.01, 0.04, 0.03, 0.005})
	want := []float64{0.03, 0.06, 0.06, 0.02}
	for i := range want {
		if !near(got[i], want[i], 1e-15) {
			t.Errorf("Holm = %v, want %v", got, want)
			break
		}
	}
	// Capped at 1.
	if got := Holm([]float64{0.6, 0.9}); got[0] != 1 || got[1] != 1 {
		t.Errorf("Holm(0.6, 0.9) = %v, want [1 1]", got)
	}
	if got := Holm(nil); len(got) != 0 {
		t.Errorf("Holm(nil) = %v", got)
	}
}

func TestCohenKappa(t *testing.T) {
	// The classic 2×2 (Wikipedia, "Cohen's kappa", first example): 50
	// proposals, both raters yes 20, A yes B no 5, A no B yes 10, both no
	// 15. po = 35/50 = 0.7; A says yes 25/50, B 30/50, so pe = 0.5 × 0.6
	// + 0.5 × 0.4 = 0.5 and kappa = (0.7 - 0.5)/(1 - 0.5) = 0.4.
	a, b := table2x2(20, 5, 10, 15)
	if k, ok := CohenKappa(a, b); !ok || !near(k, 0.4, 1e-12) {
		t.Errorf("kappa = %v, %v; want 0.4", k, ok)
	}
	// Wikipedia's second pair of examples: 45/15/25/15 → po 0.6, pe
	// 0.54, kappa 0.1304; 25/35/5/35 → po 0.6, pe 0.46, kappa 0.2593.
	a, b = table2x2(45, 15, 25, 15)
	if k, _ := CohenKappa(a, b); !near(k, 0.06/0.46, 1e-12) {
		t.Errorf("kappa = %v, want %v", k, 0.06/0.46)
	}
	a, b = table2x2(25, 35, 5, 35)
	if k, _ := CohenKappa(a, b); !near(k, 0.14/0.54, 1e-12) {
		t.Errorf("kappa = %v, want %v", k, 0.14/0.54)
	}
	// Three categories by hand: A = [x x y z], B = [x y y z]: po = 3/4;
	// marginals A (2, 1, 1)/4, B (1, 2, 1)/4, pe = (2 + 2 + 1)/16 =
	// 5/16; kappa = (12/16 - 5/16)/(11/16) = 7/11.
	if k, _ := CohenKappa([]string{"x", "x", "y", "z"}, []string{"x", "y", "y", "z"}); !near(k, 7.0/11, 1e-12) {
		t.Errorf("kappa = %v, want 7/11", k)
	}
	// One category throughout: pe = 1, undefined.
	if _, ok := CohenKappa([]string{"x", "x"}, []string{"x", "x"}); ok {
		t.Error("kappa of constant raters is defined")
	}
}

// table2x2 spells out a 2×2 agreement table (yes/yes, yes/no, no/yes,
// no/no) as two raters' labels.
func table2x2(yy, yn, ny, nn int) (a, b []string) {
	add := func(n int, x, y string) {
		for range n {
			a, b = append(a, x), append(b, y)
		}
	}
	add(yy, "yes", "yes")
	add(yn, "yes", "no")
	add(ny, "no", "yes")
	add(nn, "no", "no")
	return a, b
}

func TestAUROC(t *testing.T) {
	// Hanley and McNeil (Radiology 1982;143:29-36), Table 1: 109 CT
	// images rated 1 (definitely normal) to 5 (definitely abnormal); the
	// 58 normal ones 33, 6, 6, 11, 2 and the 51 abnormal 3, 2, 2, 11, 33.
	// They report the area as 0.893.
	var scores []float64
	var pos []bool
	for r, n := range []int{33, 6, 6, 11, 2} {
		for range n {
			scores, pos = append(scores, float64(r+1)), append(pos, false)
		}
	}
	for r, n := range []int{3, 2, 2, 11, 33} {
		for range n {
			scores, pos = append(scores, float64(r+1)), append(pos, true)
		}
	}
	if a, ok := AUROC(scores, pos); !ok || !near(a, 0.893, 0.0005) {
		t.Errorf("Hanley-McNeil AUROC = %v, want 0.893", a)
	}
	// Counted here pair by pair, ties one half.
	if a, ok := AUROC(scores, pos); !ok || !near(a, countPairs(scores, pos), 1e-12) {
		t.Errorf("AUROC = %v, counting pairs gives %v", a, countPairs(scores, pos))
	}
	// By hand: positives 0.9, 0.6, 0.4; negatives 0.7, 0.4, 0.2. 0.9
	// beats all 3; 0.6 beats 0.4 and 0.2 (2); 0.4 ties 0.4 (½) and beats
	// 0.2 (1): 6.5 of 9 pairs.
	s := []float64{0.9, 0.6, 0.4, 0.7, 0.4, 0.2}
	p := []bool{true, true, true, false, false, false}
	if a, _ := AUROC(s, p); !near(a, 6.5/9, 1e-12) {
		t.Errorf("AUROC = %v, want 6.5/9", a)
	}
	if _, ok := AUROC([]float64{0.1, 0.2}, []bool{true, true}); ok {
		t.Error("AUROC without negatives is defined")
	}
}

// countPairs is the AUROC by its definition: over every positive and
// negative, 1 when the positive scores higher, ½ for a tie.
func countPairs(s []float64, pos []bool) float64 {
	c, n := 0.0, 0
	for i := range s {
		for j := range s {
			if !pos[i] || pos[j] {
				continue
			}
			n++
			switch {
			case s[i] > s[j]:
				c++
			case s[i] == s[j]:
				c += 0.5
			}
		}
	}
	return c / float64(n)
}

func TestBrierScore(t *testing.T) {
	// Binary, by hand: P(yes) 0.9, 0.8, 0.3, 0.6 for yes, yes, no, no:
	// (0.01 + 0.04 + 0.09 + 0.36)/4 = 0.125.
	bin := [][]float64{{0.9}, {0.8}, {0.3}, {0.6}}
	if b := BrierScore(bin, []int{0, 0, -1, -1}); !near(b, 0.125, 1e-12) {
		t.Errorf("binary Brier = %v, want 0.125", b)
	}
	// Multi-class, by hand: (0.7, 0.2, 0.1) truth 0: 0.09 + 0.04 + 0.01
	// = 0.14; (0.2, 0.5, 0.3) truth 2: 0.04 + 0.25 + 0.49 = 0.78; mean
	// 0.46.
	if b := BrierScore([][]float64{{0.7, 0.2, 0.1}, {0.2, 0.5, 0.3}}, []int{0, 2}); !near(b, 0.46, 1e-12) {
		t.Errorf("multi-class Brier = %v, want 0.46", b)
	}
}

func TestReliability(t *testing.T) {
	// By hand: two predictions at 0.95 (one right): bin (0.9, 1],
	// accuracy 0.5, gap 0.45; four at 0.65 (three right): bin (0.6,
	// 0.7], accuracy 0.75, gap 0.1. ECE = (2 × 0.45 + 4 × 0.1)/6 = 1.3/6.
	conf := []float64{0.95, 0.95, 0.65, 0.65, 0.65, 0.65}
	right := []bool{true, false, true, true, true, false}
	bins, ece := Reliability(conf, right)
	if !near(ece, 1.3/6, 1e-12) {
		t.Errorf("ECE = %v, want %v", ece, 1.3/6)
	}
	if len(bins) != 10 || bins[9].Count != 2 || !near(bins[9].Accuracy, 0.5, 0) || !near(bins[9].Confidence, 0.95, 1e-12) ||
		bins[6].Count != 4 || !near(bins[6].Accuracy, 0.75, 0) || bins[0].Count != 0 {
		t.Errorf("bins = %+v", bins)
	}
	// Edges: a bin holds its upper edge (0.3 in (0.2, 0.3], though 0.3 ×
	// 10 is not 3 in floating point); 0 is in the first bin, 1 in the
	// last.
	bins, _ = Reliability([]float64{0.3, 0.7, 0, 1, 0.1}, make([]bool, 5))
	for i, want := range []int{2, 0, 1, 0, 0, 0, 1, 0, 0, 1} {
		if bins[i].Count != want {
			t.Errorf("bin %d (%.1f, %.1f] holds %d, want %d", i, bins[i].Low, bins[i].High, bins[i].Count, want)
		}
	}
}
