package batch

import (
	"fmt"
	"testing"
)

// fieldRows are hand-made rows of structured answers: prompt "json" asks
// for {"answer": …, "reasoning": …}; its reply text always names option
// A in the reasoning, so only the field scores right. Item i's answer is
// B; runs 0-5 have the field B, runs 6-7 A, run 8 is invalid against its
// schema (no fields) and run 9 valid but without the field.
func fieldRows() []Row {
	ch := []string{"CT", "MRI", "PET"}
	valid, invalid := true, false
	var rows []Row
	for i := range 10 {
		r := Row{Key: fmt.Sprint("k", i), ItemID: fmt.Sprint("item", i), PromptName: "json", Model: "m", Repetition: 1,
			Status: "ok", Answer: "B", Choices: ch, SchemaHash: "ab12", SchemaValid: &valid,
			Output: `{"reasoning": "A is the usual first look", "answer": "X"}`}
		switch {
		case i <= 5:
			r.Fields = map[string]string{"answer": "B", "reasoning": "A is the usual first look"}
		case i <= 7:
			r.Fields = map[string]string{"answer": "A", "reasoning": "so A"}
		case i == 8:
			r.SchemaValid, r.SchemaError, r.Output = &invalid, "missing property answer", "B, I think"
		default:
			r.Fields = map[string]string{"reasoning": "no idea"}
		}
		rows = append(rows, r)
	}
	return rows
}

func TestEvaluateField(t *testing.T) {
	rows := fieldRows()
	// On the text: every reply leads with "A" in its reasoning or is
	// unparsable JSON text; scoring the field reads the answer itself.
	rep := Evaluate(rows, EvalOptions{Field: "answer", Resamples: 200})
	if len(rep.Groups) != 1 {
		t.Fatalf("groups %+v", rep.Groups)
	}
	g := rep.Groups[0]
	if g.Metric != MCQ || g.N != 10 || g.Score != 0.6 || g.Unparsed != 2 || rep.Field != "answer" ||
		rep.NoField != 2 || rep.SchemaInvalid != 1 {
		t.Errorf("field answer: %+v, report %+v", g, rep)
	}
	// Without --field the invalid run's text ("B, I think") is right.
	if text := Evaluate(rows, EvalOptions{Resamples: 200}); text.Groups[0].Score == 0.6 || text.NoField != 0 || text.SchemaInvalid != 1 {
		t.Errorf("text: %+v", text)
	}

	tests := []struct {
		name   string
		metric Metric
		answer string
		field  map[string]string // the fields of runs 0-7 (8 is invalid, 9 lacks the field)
		want   float64
	}{
		{"exact", Exact, "pleural effusion", map[string]string{"answer": "Pleural effusion."}, 0.8},
		{"f1", F1, "left pleural effusion", map[string]string{"answer": "pleural effusion"}, 0.8 * 0.8},
		{"yesno boolean", YesNo, "yes", map[string]string{"answer": "true"}, 0.8},
		{"yesno text", YesNo, "no", map[string]string{"answer": "No."}, 0.8},
		{"macro-f1 array", MacroF1, "CT; PET", map[string]string{"answer": `["CT","PET"]`}, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows := fieldRows()
			for i := range rows {
				rows[i].Answer = tc.answer
				if tc.metric != MacroF1 {
					rows[i].Choices = nil
				}
				if rows[i].Fields != nil && i != 9 {
					rows[i].Fields = tc.field
				}
			}
			rep := Evaluate(rows, EvalOptions{Metric: tc.metric, Field: "answer", Resamples: 200})
			g := rep.Groups[0]
			if tc.want >= 0 && fmt.Sprintf("%.6f", g.Score) != fmt.Sprintf("%.6f", tc.want) {
				t.Errorf("score %v, want %v", g.Score, tc.want)
			}
			if tc.metric == MacroF1 && (g.Score <= 0 || g.Score >= 1) {
				t.Errorf("macro-f1 %v: 8 runs right, 2 naming no label", g.Score)
			}
			if g.Unparsed != 2 || rep.NoField != 2 || rep.SchemaInvalid != 1 {
				t.Errorf("unparsed %d, no field %d, invalid %d; want 2, 2, 1", g.Unparsed, rep.NoField, rep.SchemaInvalid)
			}
		})
	}
}

func TestFieldPairedAndAgreement(t *testing.T) {
	rows := fieldRows()
	// A second prompt whose field is right on every valid run.
	for _, r := range fieldRows() {
		r.PromptName, r.Key = "json2", r.Key+"-2"
		if r.Fields != nil {
			r.Fields = map[string]string{"answer": "B"}
		}
		rows = append(rows, r)
	}
	pairs := Compare(rows, EvalOptions{Field: "answer", Resamples: 200})
	if len(pairs) != 1 {
		t.Fatalf("pairs %+v", pairs)
	}
	// json: 6 of 10; json2: 9 of 10 (run 8 invalid on both). McNemar's
	// discordant pairs: runs 6, 7 and 9 only json2 got right.
	p := pairs[0]
	if fmt.Sprintf("%.3f", p.Diff) != "-0.300" || p.Test != TestMcNemar || *p.AOnly != 0 || *p.BOnly != 3 {
		t.Errorf("pair %+v", p)
	}
	// Repetitions of json's runs: the field's answers are the categories.
	var reps []Row
	for _, r := range fieldRows() {
		reps = append(reps, r)
		r.Repetition, r.Key = 2, r.Key+"-r2"
		reps = append(reps, r)
	}
	ag := Agree(reps, EvalOptions{Field: "answer"})[Side{"json", "m"}][MCQ]
	if ag.KappaRepetitions == nil || *ag.KappaRepetitions != 1 {
		t.Errorf("kappa between identical repetitions: %+v", ag)
	}
}
