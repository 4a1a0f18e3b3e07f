package app

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/ui"
)

// This file implements the batch part of ui.Backend on Services: the
// Batch tab runs batches and scores them with the same code as the
// command line's batch and eval.

// RunBatch runs spec on the workbench's runtime with the default image
// preparation, skipping the runs spec.Out already holds. See
// ui.BatchBackend.
func (s *Services) RunBatch(ctx context.Context, spec ui.BatchSpec, onProgress func(ui.BatchProgress)) (ui.BatchResult, error) {
	o, err := batchSpecOptions(spec)
	if err != nil {
		return ui.BatchResult{}, err
	}
	items, prompts, cleanup, err := loadBatchInputs(o, s.cfg.DataDir)
	if err != nil {
		return ui.BatchResult{}, err
	}
	defer cleanup()
	// last is the progress shown, which a retry or a warning adds its line
	// to; hooks come from several goroutines.
	var mu sync.Mutex
	var last ui.BatchProgress
	show := func(update func(p *ui.BatchProgress)) {
		mu.Lock()
		defer mu.Unlock()
		update(&last)
		if onProgress != nil {
			onProgress(last)
		}
	}
	res, err := s.runBatchWith(ctx, spec.Drain, o, items, prompts, batchHooks{
		started: func(runs, n int) {
			show(func(p *ui.BatchProgress) { p.BatchProgress, p.Skipped = batch.Progress{Total: runs - n}, n })
		},
		progress: func(bp batch.Progress) { show(func(p *ui.BatchProgress) { p.BatchProgress = bp }) },
		retrying: func(rt batch.Retry) { show(func(p *ui.BatchProgress) { p.Note = rt.String() }) },
		warn:     func(line string) { show(func(p *ui.BatchProgress) { p.Note = line }) },
	})
	if err != nil {
		return ui.BatchResult{}, err // nothing ran
	}
	out := ui.BatchResult{BatchSummary: res.sum, Runs: res.runs, Skipped: res.skipped, Rows: res.rows, Out: o.out, CSV: o.csv}
	if res.werr != nil {
		return out, res.werr
	}
	return out, res.ferr
}

// batchSpecOptions checks a batch from the Batch tab as parseBatch checks
// the command line's flags; the messages name the tab's fields.
func batchSpecOptions(spec ui.BatchSpec) (batchOptions, error) {
	o := batchOptions{
		manifest: spec.Manifest, images: spec.Images, prompts: spec.Prompts,
		models: spec.Models, repeat: spec.Repeat, concurrency: spec.Concurrency,
		out: spec.Out, options: spec.Options, retries: inference.DefaultBackoff.Retries,
	}
	switch {
	case (o.manifest == "") == (o.images == ""):
		return o, usagef("batch: choose a manifest or a folder or ZIP of images (one of them)")
	case o.prompts == "":
		return o, usagef("batch: choose a prompts file")
	case o.out == "":
		return o, usagef("batch: choose a result file")
	case o.repeat < 1 || o.concurrency < 1:
		return o, usagef("batch: repetitions and concurrency must be at least 1")
	}
	o.csv = strings.TrimSuffix(o.out, filepath.Ext(o.out)) + ".csv"
	if filepath.Clean(o.csv) == filepath.Clean(o.out) {
		return o, usagef("batch: result file %s would be overwritten by its CSV copy: name it FILE.jsonl", o.out)
	}
	return o, nil
}

// EvalBatch scores the result file at path with the automatic metric, as
// eval does by default.
func (s *Services) EvalBatch(ctx context.Context, path string) (ui.BatchEval, error) {
	if err := ctx.Err(); err != nil {
		return ui.BatchEval{}, err
	}
	rep, truncated, err := evaluateFile(path, batch.EvalOptions{Metric: batch.Auto, Resamples: batch.DefaultResamples, Seed: 1}, "metric with eval --metric")
	if err != nil {
		return ui.BatchEval{Truncated: truncated}, fmt.Errorf("eval: %w", err)
	}
	return ui.BatchEval{Report: rep, Truncated: truncated}, nil
}

// WriteEvalCSV writes rep as CSV to path, as eval --csv does.
func (s *Services) WriteEvalCSV(ctx context.Context, rep batch.Report, path string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
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
