package app

import (
	"encoding/json"
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
	if jsonOut {
		enc := json.NewEncoder(c.stdout)
		for _, g := range rep.Groups {
			if err := enc.Encode(g); err != nil {
				return err
			}
		}
	} else if err := batch.WriteTable(c.stdout, rep); err != nil {
		return err
	}
	if rep.NoReference > 0 {
		fmt.Fprintf(c.stderr, "eval: %d runs not scored: no reference answer the metric can use\n", rep.NoReference)
	}
	if csvPath != "" {
		if err := writeWith(csvPath, func(w io.Writer) error { return batch.WriteSummaryCSV(w, rep) }); err != nil {
			return err
		}
	}
	if chart != "" {
		if err := writeWith(chart, func(w io.Writer) error { return evalchart.WritePNG(w, rep) }); err != nil {
			return err
		}
	}
	return nil
}
