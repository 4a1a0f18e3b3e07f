package ui

import (
	"context"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// BatchBackend is what the Batch tab needs from the services: running a
// batch over a manifest or a folder of images into a result file, and
// scoring that file, and the models to choose from. Every method may be
// called from any goroutine and may block.
type BatchBackend interface {
	ModelLister
	// RunBatch runs spec, appending a row to spec.Out as each run ends and
	// skipping the runs the file already holds, and calling onProgress
	// (from a goroutine that is not the UI's, one call at a time) once the
	// file is read and after each run. Closing drain stops it from
	// starting runs (those in flight finish and are written); cancelling
	// ctx stops those in flight too. The error
	// is one that stopped the batch before it ran (a bad manifest or
	// prompts file, an unknown model) or the result file failing to
	// write; failed runs are counted in the result. A batch stopped
	// before it ran returns a zero result.
	RunBatch(ctx context.Context, spec core.BatchSpec, drain <-chan struct{}, onProgress func(BatchProgress)) (core.BatchResult, error)
	// EvalBatch scores the result file at path per (prompt, model) with
	// the automatic metric and a 95% bootstrap interval, and adds what the
	// evaluation report adds: paired differences, calibration, kappa.
	EvalBatch(ctx context.Context, path string) (BatchEval, error)
	// WriteEvalCSV writes rep as CSV, one line per (prompt, model,
	// metric), to path.
	WriteEvalCSV(ctx context.Context, rep core.EvalReport, path string) error
	// Benchmarks lists the model card's rows the tab can reproduce.
	Benchmarks(ctx context.Context) ([]core.BenchmarkRow, error)
	// RunBenchmark runs one row: its dataset imported from spec.Data, run
	// as a batch (resumed if its results exist), scored beside the card's
	// value, its report written; onProgress is called as RunBatch calls
	// it. Closing drain stops it from starting runs.
	RunBenchmark(ctx context.Context, spec core.BenchmarkSpec, drain <-chan struct{}, onProgress func(BatchProgress)) (core.BenchmarkResult, error)
	// WriteExamples writes a commented sample manifest and prompts file
	// into dir ("New from example…") and returns their paths; it does not
	// write over files there.
	WriteExamples(ctx context.Context, dir string) (manifest, prompts string, err error)
}

// BatchProgress is where a running batch stands.
type BatchProgress struct {
	// Progress counts the runs this time: Total excludes the skipped.
	core.BatchProgress
	// Skipped runs were already in the result file and are not run again.
	Skipped int
	// Note is the latest warning or retry, a line ("retrying item … in
	// 12 s (server asked): …"); "" if none.
	Note string
}

// BatchEval is a scored result file.
type BatchEval struct {
	// Report has one group per (prompt, model, metric).
	Report core.EvalReport
	// Sections are the evaluation report's further tables, in its order:
	// the paired differences between every two (prompt, model) with their
	// forest plot (with two or more), the calibration of the rows' choice
	// probabilities with the reliability diagram (rows scored with
	// --score logprob), and the agreement (kappa).
	Sections []core.EvalSection
	// Truncated says the file ended with a half-written row, which was
	// ignored.
	Truncated bool
}
