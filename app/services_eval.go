package app

import (
	"context"
	"fmt"
	"io"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/batch/evalreport"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/ui"
)

// This file is the evaluation service: a batch's result file scored,
// with the evaluation report's further tables. The command line's eval
// (cli_eval.go) and the window's Batch tab (EvalBatch and WriteEvalCSV,
// for ui.BatchBackend) share it.

// evalSections are the evaluation report's tables beyond the scores, for
// the Batch tab: the paired differences and forest plot, the calibration
// and reliability diagram, the kappa; those the rows have.
func evalSections(rows []batch.Row, opt batch.EvalOptions) ([]core.EvalSection, error) {
	doc, err := evalreport.Build(rows, evalreport.Options{Eval: opt})
	if err != nil {
		return nil, err
	}
	var out []core.EvalSection
	add := func(title string, t *core.EvalTable, fig *core.EvalFigure) {
		if t != nil {
			out = append(out, core.EvalSection{Title: title, EvalTable: *t, Figure: fig})
		}
	}
	add("Paired differences (A − B on the items both have; p adjusted by Holm)", doc.Pairs, doc.Forest)
	add("Calibration of the choice probabilities (95% intervals)", doc.Calibration, doc.Reliability)
	add("Agreement (Cohen's kappa)", doc.Kappa, nil)
	return out, nil
}

// EvalBatch scores the result file at path with the automatic metric, as
// eval does by default.
func (s *Services) EvalBatch(ctx context.Context, path string) (ui.BatchEval, error) {
	if err := ctx.Err(); err != nil {
		return ui.BatchEval{}, err
	}
	rows, truncated, err := batch.ReadRows(path)
	if err != nil {
		return ui.BatchEval{}, fmt.Errorf("eval: %w", err)
	}
	opt := batch.EvalOptions{Metric: batch.Auto, Resamples: batch.DefaultResamples, Seed: 1}
	rep, truncated, err := evaluateRows(path, rows, truncated, opt, "metric with eval --metric")
	if err != nil {
		return ui.BatchEval{Truncated: truncated}, fmt.Errorf("eval: %w", err)
	}
	sections, err := evalSections(rows, opt)
	if err != nil {
		return ui.BatchEval{Truncated: truncated}, fmt.Errorf("eval: %w", err)
	}
	return ui.BatchEval{Report: rep, Sections: sections, Truncated: truncated}, nil
}

// WriteEvalCSV writes rep as CSV to path, as eval --csv does.
func (s *Services) WriteEvalCSV(ctx context.Context, rep batch.Report, path string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return writeEvalCSV(path, rep)
}

// writeEvalCSV writes rep as CSV to path: eval --csv and the Batch tab
// share it.
func writeEvalCSV(path string, rep batch.Report) error {
	return writeWith(path, func(w io.Writer) error { return batch.WriteSummaryCSV(w, rep) })
}

// evaluateFile scores a batch result file: eval and the Batch tab share
// it. truncated says the file ends with a half-written row, which is
// ignored. The error names the file; metricHint is what to change for
// another metric ("--metric" on the command line).
func evaluateFile(path string, opt batch.EvalOptions, metricHint string) (rep batch.Report, truncated bool, err error) {
	rows, truncated, err := batch.ReadRows(path)
	if err != nil {
		return rep, false, err
	}
	return evaluateRows(path, rows, truncated, opt, metricHint)
}

// evaluateRows scores the rows read from path, as [evaluateFile] does.
func evaluateRows(path string, rows []batch.Row, truncated bool, opt batch.EvalOptions, metricHint string) (rep batch.Report, _ bool, err error) {
	if len(rows) == 0 {
		return rep, truncated, fmt.Errorf("%s: no rows to score", path)
	}
	rep = batch.Evaluate(rows, opt)
	if len(rep.Groups) == 0 {
		m := opt.Metric
		if m == "" {
			m = batch.Auto
		}
		return rep, truncated, fmt.Errorf("%s: no row has a reference answer %s can score (give answers in the manifest, or another %s)", path, m, metricHint)
	}
	return rep, truncated, nil
}
