package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/batch/benchmark"
	"github.com/medgemma-workbench/medgemma-workbench/batch/dataset"
	"github.com/medgemma-workbench/medgemma-workbench/batch/evalreport"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/digest"
	"github.com/medgemma-workbench/medgemma-workbench/ui"
)

// This file is the benchmark service: one model-card row reproduced —
// its dataset imported, run as a batch (resumable), scored with the
// row's metric and set beside the card's value, with a report. The
// command line's benchmark and the Batch tab share it.

// BenchmarkSpec is a model-card row to run (core.BenchmarkSpec).
type BenchmarkSpec = core.BenchmarkSpec

// BenchmarkResult is a row's outcome (core.BenchmarkResult).
type BenchmarkResult = core.BenchmarkResult

// benchmarkRow is a row as the window and benchmark list show it.
func benchmarkRow(r benchmark.Row) core.BenchmarkRow {
	return core.BenchmarkRow{Name: r.Name, Title: r.Title, Format: r.Dataset.Format, Split: r.Dataset.Split,
		Metric: r.Metric, Card: r.Card.MedGemma4B, Wording: r.Card.Wording, Get: r.Dataset.Get}
}

// Benchmarks lists the model card's rows. See ui.BatchBackend.
func (s *Services) Benchmarks(ctx context.Context) ([]core.BenchmarkRow, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := benchmark.Rows()
	if err != nil {
		return nil, err
	}
	out := make([]core.BenchmarkRow, len(rows))
	for i, r := range rows {
		out[i] = benchmarkRow(r)
	}
	return out, nil
}

// benchmarkInputError is bad input to a benchmark: an unknown row, data
// not in the row's layout.
type benchmarkInputError struct{ err error }

func (e *benchmarkInputError) Error() string { return e.err.Error() }
func (e *benchmarkInputError) Unwrap() error { return e.err }

// RunBenchmark runs one model-card row on s, telling onEvent of the
// batch's progress (it may be nil). Running it again resumes: the runs
// the results file holds are not asked again.
//
// servers, when it names an endpoint or several (BatchSpec's Endpoint,
// APIKey and Endpoints; its other fields are unused), answers instead of
// s's runtime, as batch --endpoint does.
func (s *Services) runBenchmark(ctx context.Context, spec BenchmarkSpec, servers BatchSpec, drain <-chan struct{}, onEvent func(BatchEvent)) (BenchmarkResult, error) {
	row, err := benchmark.Find(spec.Name)
	if err != nil {
		return BenchmarkResult{}, &benchmarkInputError{err}
	}
	res := BenchmarkResult{BenchmarkRow: benchmarkRow(row), CardNote: row.Card.Note, Prompt: row.Prompt.Name, Recipe: row.Recipe}
	dir := spec.Dir
	if dir == "" {
		dir = filepath.Join(s.cfg.DataDir, "benchmarks", row.Name)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, err
	}
	res.Manifest = filepath.Join(dir, "manifest.jsonl")
	res.Results = filepath.Join(dir, "results.jsonl")
	res.Report = filepath.Join(dir, "report.html")
	if err := importRow(row, spec, res.Manifest); err != nil {
		return res, &benchmarkInputError{err}
	}
	prompts := filepath.Join(dir, "prompts.yaml")
	if err := writeWith(prompts, func(w io.Writer) error { return yaml.NewEncoder(w).Encode(row.Prompts()) }); err != nil {
		return res, err
	}
	b, err := loadBatch(ctx, BatchSpec{BatchSpec: core.BatchSpec{Manifest: res.Manifest, Prompts: prompts, Models: []string{spec.Model},
		Repeat: 1, Concurrency: 1, Out: res.Results, Options: row.Options}, Retries: inference.DefaultBackoff.Retries,
		Endpoint: servers.Endpoint, APIKey: servers.APIKey, Endpoints: servers.Endpoints}, s.cfg.DataDir)
	if err != nil {
		return res, err
	}
	defer b.close()
	br, err := s.runBatch(ctx, drain, b, onEvent)
	if err != nil {
		return res, err
	}
	res.Runs, res.Skipped = br.Runs, br.Skipped
	if err := batchEnd(br); err != nil {
		return res, err
	}
	return res, scoreRow(&res, row, spec.Model)
}

// importRow writes the row's manifest from the data: a dataset in its
// published layout imported, or a manifest copied with its images made
// absolute; at most spec.Limit items.
func importRow(row benchmark.Row, spec BenchmarkSpec, out string) error {
	if row.Dataset.Format == benchmark.FormatManifest {
		items, err := batch.LoadManifest(spec.Data)
		if err != nil {
			return err
		}
		if spec.Limit > 0 && len(items) > spec.Limit {
			items = items[:spec.Limit]
		}
		for i := range items {
			items[i].Images = slices.Clone(items[i].Paths)
		}
		return writeWith(out, func(w io.Writer) error { return dataset.WriteManifest(w, items) })
	}
	f, err := dataset.Parse(row.Dataset.Format)
	if err != nil {
		return err
	}
	_, err = dataset.Import(f, spec.Data, out, dataset.Options{Split: row.Dataset.Split, Limit: spec.Limit})
	return err
}

// scoreRow scores the model's rows of the results with the row's metric
// and writes the report.
func scoreRow(res *BenchmarkResult, row benchmark.Row, model string) error {
	rows, _, err := batch.ReadRows(res.Results)
	if err != nil {
		return err
	}
	rows = slices.DeleteFunc(rows, func(r batch.Row) bool { return r.Model != model })
	opt := batch.EvalOptions{Metric: row.Metric, Resamples: batch.DefaultResamples, Seed: 1}
	rep := batch.Evaluate(rows, opt)
	if len(rep.Groups) == 0 {
		return fmt.Errorf("%s: no run of model %s could be scored with %s", res.Results, model, opt.Metric)
	}
	g := rep.Groups[0]
	res.Group = g
	res.Ours, res.Low, res.High = benchmark.Ours(g.Score), benchmark.Ours(g.Low), benchmark.Ours(g.High)
	for _, r := range rows {
		if r.Status == "ok" {
			res.ModelDigest, res.RuntimeVersion, res.PromptVer = r.ModelDigest, r.RuntimeVersion, r.PromptVersion
			if r.Recipe != nil {
				res.Recipe = r.Recipe.String()
			}
			break
		}
	}
	return writeBenchmarkReport(res, row, rows, opt)
}

// writeBenchmarkReport writes the evaluation report of the row's results,
// opening with the row, the card's value and ours.
func writeBenchmarkReport(res *BenchmarkResult, row benchmark.Row, rows []batch.Row, opt batch.EvalOptions) error {
	sum, err := digest.File(res.Results)
	if err != nil {
		return err
	}
	facts := []evalreport.Fact{
		{Label: "Benchmark", Value: fmt.Sprintf("%s — %s", row.Name, row.Title)},
		{Label: "Dataset", Value: fmt.Sprintf("%s, split %s (%d items)", row.Dataset.Format, orDash(row.Dataset.Split), res.Group.N)},
		{Label: "Ours", Value: fmt.Sprintf("%.1f [%.1f, %.1f] (%s, 95%% bootstrap interval)", res.Ours, res.Low, res.High, row.Metric)},
		{Label: "Model card", Value: fmt.Sprintf("%s: %q — %s (MedGemma 4B); MedGemma 1.5: %s", row.Card.Source, row.Card.Wording, row.Card.Value(), cardValue(row.Card.MedGemma15))},
		{Label: "Card note", Value: row.Card.Note},
		{Label: "Model digest", Value: res.ModelDigest},
		{Label: "Runtime", Value: res.RuntimeVersion},
		{Label: "Recipe", Value: orDash(res.Recipe)},
		{Label: "Prompt version", Value: row.Prompt.Name + " " + res.PromptVer},
	}
	doc, err := evalreport.Build(rows, evalreport.Options{Eval: opt, Source: res.Results,
		SourceSHA256: strings.TrimPrefix(sum, "sha256:"), AppVersion: Version, Benchmark: facts})
	if err != nil {
		return err
	}
	b, err := evalreport.HTML(doc)
	if err != nil {
		return fmt.Errorf("report %s: %w", res.Report, err)
	}
	return writeFileAtomic(res.Report, b)
}

func cardValue(v *float64) string {
	if v == nil {
		return "not in the card"
	}
	return fmt.Sprintf("%.1f", *v)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// isBenchmarkInput reports whether err is bad input to a benchmark (exit
// 2 on the command line).
func isBenchmarkInput(err error) bool {
	var be *benchmarkInputError
	var bi *batchInputError
	return errors.As(err, &be) || errors.As(err, &bi)
}

// RunBenchmark runs one model-card row for the Batch tab, telling
// onProgress where its batch stands. See ui.BatchBackend.
func (s *Services) RunBenchmark(ctx context.Context, spec BenchmarkSpec, drain <-chan struct{}, onProgress func(ui.BatchProgress)) (BenchmarkResult, error) {
	return s.runBenchmark(ctx, spec, BatchSpec{}, drain, batchProgressTo(onProgress))
}
