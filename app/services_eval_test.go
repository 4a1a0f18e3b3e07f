package app

import (
	"bytes"
	"fmt"
	"image/png"
	"math"
	"strconv"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestEvalSectionsForTheBatchTab: a result file with two prompts on the
// same 20 yes/no items, scored with choice probabilities, gives the Batch
// tab the evaluation report's paired difference (with its forest plot)
// and calibration (with its reliability diagram); one prompt alone gives
// no pairs.
func TestEvalSectionsForTheBatchTab(t *testing.T) {
	var rows []batch.Row
	rightA, rightB := 0, 0
	for i := range 20 {
		answer := "yes"
		if i%2 == 1 {
			answer = "no"
		}
		other := map[string]string{"yes": "no", "no": "yes"}[answer]
		// Prompt A is right on items 0..15, B on items 0..9.
		outA, outB := answer, answer
		if i >= 16 {
			outA = other
		} else {
			rightA++
		}
		if i >= 10 {
			outB = other
		} else {
			rightB++
		}
		id := "item-" + strconv.Itoa(i)
		pYes := 0.8
		if outA == "no" {
			pYes = 0.2
		}
		rows = append(rows,
			batch.Row{ItemID: id, PromptName: "A", Model: "m", Repetition: 1, Output: outA, Status: "ok", Answer: answer,
				ChoiceProbs: map[string]float64{"yes": pYes, "no": 1 - pYes}},
			batch.Row{ItemID: id, PromptName: "B", Model: "m", Repetition: 1, Output: outB, Status: "ok", Answer: answer})
	}
	opt := batch.EvalOptions{Metric: batch.Auto, Resamples: 500, Seed: 1}
	secs, err := evalSections(rows, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(secs) < 2 {
		t.Fatalf("%d sections, want the paired difference and the calibration: %+v", len(secs), secs)
	}
	pairs, cal := secs[0], secs[1]
	if len(pairs.Rows) != 1 || len(pairs.Rows[0]) != len(pairs.Header) {
		t.Fatalf("pairs table %q / %q", pairs.Header, pairs.Rows)
	}
	cell := func(s string) string {
		for i, h := range pairs.Header {
			if h == s {
				return pairs.Rows[0][i]
			}
		}
		t.Fatalf("no column %q in %q", s, pairs.Header)
		return ""
	}
	// By hand: A is right on 16 of 20, B on 10: a difference of +0.300;
	// McNemar's discordant pairs are 6 (only A) against 0 (only B), exact
	// p = 2 × 0.5^6 = 0.03125.
	if want := fmt.Sprintf("%+.3f", float64(rightA-rightB)/20); cell("Diff") != want {
		t.Errorf("diff %s, want %s", cell("Diff"), want)
	}
	if p, err := strconv.ParseFloat(cell("p"), 64); err != nil || math.Abs(p-2*math.Pow(0.5, 6)) > 5e-4 {
		t.Errorf("p %q, want 0.0312", cell("p"))
	}
	if cell("Test") != "mcnemar-exact (6 vs 0)" {
		t.Errorf("test %q", cell("Test"))
	}
	for _, s := range []struct {
		name string
		png  []byte
	}{{"forest plot", figurePNG(pairs)}, {"reliability diagram", figurePNG(cal)}} {
		img, err := png.Decode(bytes.NewReader(s.png))
		if err != nil || img.Bounds().Dx() < 300 {
			t.Errorf("%s: %v", s.name, err)
		}
	}
	if len(cal.Rows) != 1 || cal.Rows[0][0] != "A" {
		t.Errorf("calibration rows %q, want prompt A's only (B has no choice probabilities)", cal.Rows)
	}

	var one []batch.Row
	for _, r := range rows {
		if r.PromptName == "B" {
			one = append(one, r)
		}
	}
	secs, err = evalSections(one, opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(secs) != 0 {
		t.Errorf("one prompt without probabilities: %d sections %+v", len(secs), secs)
	}
}

// figurePNG is the PNG of s's plot; nil when it has none.
func figurePNG(s core.EvalSection) []byte {
	if s.Figure == nil {
		return nil
	}
	return s.Figure.PNG
}
