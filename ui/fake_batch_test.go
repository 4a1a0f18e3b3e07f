package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// fakeBatch is the hand-written BatchBackend part of fakeBackend: a batch
// of batchRuns runs (6 unless set) that records what the UI asked of it.
// With step set, each run waits for a value on it, so a test paces the
// batch; closing drain finishes the run in flight and stops,
// cancelling the context stops that run too. Rows done stay done per
// result file, so running the same batch again resumes it. A manifest is
// read with the batch package, so a bad one fails as the services' do.
type fakeBatch struct {
	bmu       sync.Mutex
	batchRuns int
	step      chan struct{}
	failRun   int // the run (from 1) that fails, or 0
	done      map[string]int
	specs     []core.BatchSpec
	progress  []BatchProgress
	drained   bool // a batch saw its drain closed
	cancelled bool // a batch saw its context cancelled
	evals     []string
	csvs      []string
	// benchSpecs are the model-card rows run, exampleDirs the folders
	// asked for examples.
	benchSpecs  []core.BenchmarkSpec
	exampleDirs []string
}

func (f *fakeBatch) block() func() {
	f.bmu.Lock()
	return f.bmu.Unlock
}

func (f *fakeBatch) RunBatch(ctx context.Context, spec core.BatchSpec, drain <-chan struct{}, onProgress func(BatchProgress)) (core.BatchResult, error) {
	unlock := f.block()
	f.specs = append(f.specs, spec)
	runs, step, failRun := f.batchRuns, f.step, f.failRun
	if runs == 0 {
		runs = 6
	}
	if f.done == nil {
		f.done = map[string]int{}
	}
	skipped := f.done[spec.Out]
	unlock()
	if spec.Manifest != "" {
		if _, err := batch.LoadManifest(spec.Manifest); err != nil {
			return core.BatchResult{}, err
		}
	}
	report := func(p BatchProgress) {
		defer f.block()()
		f.progress = append(f.progress, p)
		onProgress(p)
	}
	res := core.BatchResult{Runs: runs, Skipped: skipped, Out: spec.Out, CSV: strings.TrimSuffix(spec.Out, filepath.Ext(spec.Out)) + ".csv"}
	res.Total = runs - skipped
	report(BatchProgress{BatchProgress: core.BatchProgress{Total: res.Total}, Skipped: skipped})
	stop := false
	for i := skipped + 1; i <= runs && !stop; i++ {
		if step != nil {
			// Run i is in flight until the test sends a step.
			select {
			case <-step:
			case <-drain:
				f.bmu.Lock()
				f.drained = true
				f.bmu.Unlock()
				stop = true
			case <-ctx.Done():
			}
			if stop && ctx.Err() == nil {
				select { // draining: the run in flight still finishes
				case <-step:
				case <-ctx.Done():
				}
			}
			if ctx.Err() != nil {
				f.bmu.Lock()
				f.cancelled = true
				f.bmu.Unlock()
				res.Cancelled = 1
				break
			}
		}
		if i == failRun {
			res.Failed++
			if res.FirstError == nil {
				res.FirstError = fmt.Errorf("item %d: %w", i, errors.New("model crashed"))
			}
		} else {
			res.OK++
		}
		f.finish(spec.Out)
		done := res.OK + res.Failed
		// A made-up clock: each run takes a second.
		report(BatchProgress{BatchProgress: core.BatchProgress{Total: res.Total, Done: done, Failed: res.Failed,
			Elapsed: time.Duration(done) * time.Second}, Skipped: skipped})
	}
	res.NotStarted = res.Total - res.OK - res.Failed - res.Cancelled
	defer f.block()()
	res.Rows = f.done[spec.Out]
	return res, nil
}

func (f *fakeBatch) finish(out string) {
	defer f.block()()
	f.done[out]++
}

// fakeReport is the scores EvalBatch gives: two prompts with one model.
var fakeReport = core.EvalReport{Resamples: 2000, Seed: 1, Groups: []core.EvalGroup{
	{Prompt: "direct", Model: testModel, Metric: core.MetricMCQ, N: 5, Rows: 5, Score: 0.6, Low: 0.2, High: 1},
	{Prompt: "letter", Model: testModel, Metric: core.MetricYesNo, N: 5, Rows: 5, Score: 0.4, Low: 0, High: 0.8},
}}

// fakePairs is the paired difference EvalBatch gives, with a 320×60
// forest plot.
var fakePairs = func() core.EvalSection {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 320, 60)))
	return core.EvalSection{Title: "Paired differences",
		EvalTable: core.EvalTable{Header: []string{"A", "B", "Diff", "p (Holm)"},
			Rows: [][]string{{"direct / " + testModel, "letter / " + testModel, "+0.200", "0.0312"}},
			Note: "Test: mcnemar-exact"},
		Figure: &core.EvalFigure{PNG: b.Bytes(), Caption: "Forest plot"}}
}()

func (f *fakeBatch) EvalBatch(ctx context.Context, path string) (BatchEval, error) {
	defer f.block()()
	f.evals = append(f.evals, path)
	return BatchEval{Report: fakeReport, Sections: []core.EvalSection{fakePairs}}, nil
}

func (f *fakeBatch) WriteEvalCSV(ctx context.Context, rep core.EvalReport, path string) error {
	defer f.block()()
	f.csvs = append(f.csvs, path)
	return nil
}

// Benchmarks lists two rows, one without a card value.
func (f *fakeBatch) Benchmarks(ctx context.Context) ([]core.BenchmarkRow, error) {
	card := 49.9
	return []core.BenchmarkRow{
		{Name: "vqa-rad", Title: "VQA-RAD (radiology) - Tokenized F1", Format: "vqa-rad", Split: "test", Metric: "f1", Card: &card,
			Wording: "VQA-RAD*** (radiology) - Tokenized F1", Get: "OSF"},
		{Name: "cxr-localization", Title: "CXR localization", Format: "manifest", Metric: "iou", Wording: "not in the card", Get: "a manifest"},
	}, nil
}

// RunBenchmark records the spec and answers a fixed score after one
// progress report.
func (f *fakeBatch) RunBenchmark(ctx context.Context, spec core.BenchmarkSpec, drain <-chan struct{}, onProgress func(BatchProgress)) (core.BenchmarkResult, error) {
	f.bmu.Lock()
	f.benchSpecs = append(f.benchSpecs, spec)
	f.bmu.Unlock()
	onProgress(BatchProgress{BatchProgress: core.BatchProgress{Total: 3, Done: 3}})
	rows, _ := f.Benchmarks(ctx)
	return core.BenchmarkResult{BenchmarkRow: rows[0], Group: core.EvalGroup{Metric: "f1", N: 3}, Ours: 41.2, Low: 30.5, High: 52.0,
		Runs: 3, Results: filepath.Join(spec.Dir, "results.jsonl"), Report: "/tmp/report.html", ModelDigest: "abcdef0123456789",
		RuntimeVersion: "0.24.0", Prompt: "vqa-short", PromptVer: "399c8a18668f"}, nil
}

// WriteExamples records the folder and names two files in it.
func (f *fakeBatch) WriteExamples(ctx context.Context, dir string) (string, string, error) {
	f.bmu.Lock()
	f.exampleDirs = append(f.exampleDirs, dir)
	f.bmu.Unlock()
	return filepath.Join(dir, "example-manifest.jsonl"), filepath.Join(dir, "example-prompts.yaml"), nil
}
