package app

import (
	"fmt"
	"io"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/internal/evalchart"
)

const evalUsage = "usage: medgemma-workbench eval FILE.jsonl [--metric auto|exact|mcq|yesno|f1] [--json] [--csv FILE.csv] [--chart FILE.png] [--resamples N] [--seed N]"

func (c *cli) eval(args []string) error {
	fs := newFlags("eval", &c.cfg)
	var (
		metric, csvPath, chart string
		jsonOut                bool
		resamples              int
		seed                   uint64
	)
	fs.StringVar(&metric, "metric", "auto", "exact, mcq, yesno, f1, or auto: mcq for rows with choices, yesno for yes/no answers, else f1")
	fs.BoolVar(&jsonOut, "json", false, "print one JSON object per (prompt, model, metric) instead of the table")
	fs.StringVar(&csvPath, "csv", "", "also write the summary as CSV to this file")
	fs.StringVar(&chart, "chart", "", "also draw the summary as a bar chart with intervals, PNG, to this file")
	fs.IntVar(&resamples, "resamples", batch.DefaultResamples, "bootstrap resamples")
	fs.Uint64Var(&seed, "seed", 1, "bootstrap random seed (the same seed gives the same intervals)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("%s", evalUsage)
	}
	m, err := batch.ParseMetric(metric)
	if err != nil {
		return usagef("--metric: %v", err)
	}
	if resamples < 1 || seed == 0 {
		return usagef("--resamples must be ≥ 1 and --seed ≥ 1")
	}
	rep, truncated, err := evaluateFile(pos[0], batch.EvalOptions{Metric: m, Resamples: resamples, Seed: seed}, "--metric")
	if truncated {
		fmt.Fprintf(c.stderr, "eval: %s ends with a half-written row (an interrupted batch); it is ignored\n", pos[0])
	}
	if err != nil {
		return &UsageError{err}
	}
	return c.writeEval(rep, jsonOut, csvPath, chart)
}

// writeEval prints the scores (a table, or JSON Lines with jsonOut) and
// writes their CSV and chart where asked.
func (c *cli) writeEval(rep batch.Report, jsonOut bool, csvPath, chart string) error {
	var err error
	if jsonOut {
		err = encodeLines(c.stdout, rep.Groups)
	} else {
		err = batch.WriteTable(c.stdout, rep)
	}
	if err != nil {
		return err
	}
	if rep.NoReference > 0 {
		fmt.Fprintf(c.stderr, "eval: %d runs not scored: no reference answer the metric can use\n", rep.NoReference)
	}
	if csvPath != "" {
		if err := writeEvalCSV(csvPath, rep); err != nil {
			return err
		}
	}
	if chart != "" {
		return writeWith(chart, func(w io.Writer) error { return evalchart.WritePNG(w, rep) })
	}
	return nil

}
