package batch

import "github.com/medgemma-workbench/medgemma-workbench/internal/core"

// The progress, outcome and scores of a batch, as defined in core (where
// the UI reads them without importing this package).
type (
	// Progress is where a running batch stands.
	Progress = core.BatchProgress
	// Summary is how a batch ended.
	Summary = core.BatchSummary
	// Metric names a way of scoring an answer against a reference.
	Metric = core.Metric
	// Group is the score of one prompt with one model under one metric.
	Group = core.EvalGroup
	// Report is the outcome of [Evaluate].
	Report = core.EvalReport
)

// The metrics. Auto picks one per row: [MCQ] when the row has choices,
// [YesNo] when the reference answer is yes or no, else [F1].
const (
	Exact = core.MetricExact
	MCQ   = core.MetricMCQ
	YesNo = core.MetricYesNo
	F1    = core.MetricF1
	Auto  = core.MetricAuto
)
