package app

import (
	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/batch/evalreport"
	"github.com/medgemma-workbench/medgemma-workbench/ui"
)

// evalSections are the evaluation report's tables beyond the scores, for
// the Batch tab: the paired differences and forest plot, the calibration
// and reliability diagram, the kappa; those the rows have.
func evalSections(rows []batch.Row, opt batch.EvalOptions) ([]ui.EvalSection, error) {
	doc, err := evalreport.Build(rows, evalreport.Options{Eval: opt})
	if err != nil {
		return nil, err
	}
	var out []ui.EvalSection
	add := func(title string, t *evalreport.Table, fig *evalreport.Figure) {
		if t == nil {
			return
		}
		s := ui.EvalSection{Title: title, Header: t.Header, Rows: t.Rows, Note: t.Note}
		if fig != nil {
			s.PNG, s.Caption = fig.PNG, fig.Caption
		}
		out = append(out, s)
	}
	add("Paired differences (A − B on the items both have; p adjusted by Holm)", doc.Pairs, doc.Forest)
	add("Calibration of the choice probabilities (95% intervals)", doc.Calibration, doc.Reliability)
	add("Agreement (Cohen's kappa)", doc.Kappa, nil)
	return out, nil
}
