package batch

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/internal/evalchart"
)

func TestBootstrapIsReproducible(t *testing.T) {
	xs := []float64{1, 0, 1, 1, 0, 1, 0, 1, 1, 1}
	lo, hi := Bootstrap(xs, 2000, 1)
	lo2, hi2 := Bootstrap(xs, 2000, 1)
	if lo != lo2 || hi != hi2 {
		t.Fatalf("two runs gave [%v, %v] and [%v, %v]", lo, hi, lo2, hi2)
	}
	// Fixed numbers: the generator and the percentiles are ours, so they
	// do not change with the Go version.
	if lo != 0.4 || hi != 1 {
		t.Errorf("interval of 7/10 = [%v, %v], want [0.4, 1]", lo, hi)
	}
	if lo3, hi3 := Bootstrap(xs, 2000, 2); lo3 > 0.7 || hi3 < 0.7 {
		t.Errorf("seed 2 gives [%v, %v], which misses the mean 0.7", lo3, hi3)
	}
	if lo, hi := Bootstrap([]float64{0.5, 0.5, 0.5}, 100, 1); lo != 0.5 || hi != 0.5 {
		t.Errorf("constant scores: [%v, %v]", lo, hi)
	}
	if lo, hi := Bootstrap([]float64{0.25}, 100, 1); lo != 0.25 || hi != 0.25 {
		t.Errorf("one score: [%v, %v]", lo, hi)
	}
	// The interval narrows with more items (the normal approximation's
	// width for p = 0.5, n = 400 is ±0.049).
	many := make([]float64, 400)
	for i := range many {
		many[i] = float64(i % 2)
	}
	lo, hi = Bootstrap(many, 2000, 1)
	if math.Abs((hi-lo)/2-0.049) > 0.01 {
		t.Errorf("n = 400, p = 0.5: half width %.3f, want about 0.049", (hi-lo)/2)
	}
}

func TestEvaluateGroupsAndAveragesRepetitions(t *testing.T) {
	row := func(prompt, model, item, out, ans string, choices []string, status string) Row {
		return Row{Key: prompt + model + item + out, PromptName: prompt, Model: model, ItemID: item, Output: out,
			Answer: ans, Choices: choices, Status: status}
	}
	ch := []string{"CT", "MRI", "PET"}
	rows := []Row{
		row("p1", "m", "a", "C", "C", ch, "ok"),
		row("p1", "m", "a", "A", "C", ch, "ok"), // item a: 1 and 0 → 0.5
		row("p1", "m", "b", "PET", "PET", ch, "ok"),
		row("p1", "m", "b", "dunno", "PET", ch, "ok"), // unparsed: 0; item b → 0.5
		row("p1", "m", "c", "Yes.", "yes", nil, "ok"),
		row("p1", "m", "c", "", "yes", nil, "error"), // failed: not scored
		row("p1", "m", "d", "left lung", "right lung", nil, "ok"),
		row("p1", "m", "e", "anything", "", nil, "ok"), // no reference
		row("p2", "m", "a", "B", "C", ch, "ok"),
	}
	rep := Evaluate(rows, EvalOptions{})
	if len(rep.Groups) != 4 || rep.NoReference != 1 {
		t.Fatalf("groups %+v, no reference %d", rep.Groups, rep.NoReference)
	}
	want := []Group{
		// By metric, then prompt, then model.
		{Prompt: "p1", Model: "m", Metric: MCQ, N: 2, Rows: 4, Score: 0.5, Unparsed: 1},
		{Prompt: "p2", Model: "m", Metric: MCQ, N: 1, Rows: 1, Score: 0},
		{Prompt: "p1", Model: "m", Metric: YesNo, N: 1, Rows: 1, Score: 1, Failed: 1},
		{Prompt: "p1", Model: "m", Metric: F1, N: 1, Rows: 1, Score: 0.5},
	}
	for i, g := range rep.Groups {
		w := want[i]
		if g.Prompt != w.Prompt || g.Metric != w.Metric || g.N != w.N || g.Rows != w.Rows || g.Score != w.Score ||
			g.Unparsed != w.Unparsed || g.Failed != w.Failed || g.Low > g.Score || g.High < g.Score {
			t.Errorf("group %d = %+v, want %+v", i, g, w)
		}
	}
	// One metric for all: exact match.
	rep = Evaluate(rows, EvalOptions{Metric: Exact})
	if len(rep.Groups) != 2 || rep.Groups[0].Metric != Exact || rep.Groups[0].N != 4 {
		t.Errorf("exact: %+v", rep.Groups)
	}

	var table, csvOut, png bytes.Buffer
	if err := WriteTable(&table, Evaluate(rows, EvalOptions{})); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(table.String()), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "PROMPT") || !strings.Contains(lines[1], "mcq") || !strings.Contains(lines[1], "0.500") {
		t.Errorf("table:\n%s", table.String())
	}
	WriteSummaryCSV(&csvOut, rep)
	if !strings.HasPrefix(csvOut.String(), "prompt_name,model,metric,n,runs,score,ci_low,ci_high") {
		t.Errorf("CSV:\n%s", csvOut.String())
	}
	if err := evalchart.WritePNG(&png, Evaluate(rows, EvalOptions{})); err != nil || png.Len() == 0 {
		t.Fatal(err)
	}
}
