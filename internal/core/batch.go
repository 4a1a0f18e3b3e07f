package core

import (
	"strings"
	"time"
)

// BatchProgress is where a running batch stands.
type BatchProgress struct {
	// Total is the number of runs this batch does (those done before
	// excluded); Done of them have finished, Failed of those with an
	// error.
	Total, Done, Failed int
	// Elapsed is the time since the batch started.
	Elapsed time.Duration
}

// ETA is the expected time left at the rate so far; 0 when unknown.
func (p BatchProgress) ETA() time.Duration {
	if p.Done == 0 || p.Done >= p.Total {
		return 0
	}
	return time.Duration(float64(p.Elapsed) / float64(p.Done) * float64(p.Total-p.Done))
}

// BatchSummary is how a batch ended.
type BatchSummary struct {
	// Total runs were to be done; OK and Failed finished (and were
	// written); Cancelled were stopped in flight and NotStarted never
	// began (neither is written: running the batch again does them).
	Total, OK, Failed, Cancelled, NotStarted int
	// FirstError is the first failed run's error.
	FirstError error
}

// Metric names a way of scoring an answer against a reference.
type Metric string

// The metrics. Auto picks one per row: [MetricMCQ] when the row has
// choices, [MetricYesNo] when the reference answer is yes or no, else
// [MetricF1].
const (
	MetricExact Metric = "exact"
	MetricMCQ   Metric = "mcq"
	MetricYesNo Metric = "yesno"
	MetricF1    Metric = "f1"
	MetricAuto  Metric = "auto"
)

// EvalGroup is the score of one prompt with one model under one metric.
type EvalGroup struct {
	Prompt string `json:"prompt_name"`
	Model  string `json:"model"`
	Metric Metric `json:"metric"`
	// By and Value, with eval --by FIELD, are the item field the rows
	// were split by and this group's value of it.
	By    string `json:"by,omitempty"`
	Value string `json:"value,omitempty"`
	// N is the number of items scored; Rows the number of runs (items ×
	// repetitions) behind them.
	N    int `json:"n"`
	Rows int `json:"rows"`
	// Score is the mean over items of each item's mean score over its
	// repetitions; Low and High bound its 95% bootstrap interval.
	Score float64 `json:"score"`
	Low   float64 `json:"ci_low"`
	High  float64 `json:"ci_high"`
	// Unparsed runs named no option or yes/no and scored 0.
	Unparsed int `json:"unparsed"`
	// Failed runs ended with an error and are not scored.
	Failed int `json:"failed"`
}

// EvalReport is the outcome of scoring a batch's results (batch.Evaluate).
type EvalReport struct {
	Groups []EvalGroup
	// NoReference counts runs that could not be scored: no reference
	// answer, or one the metric cannot use (an mcq answer that is no
	// option, a yes/no metric with another answer).
	NoReference int
	// Resamples and Seed are the bootstrap's.
	Resamples int
	Seed      uint64
	// Field, when set, is the structured answer's field that was scored
	// instead of the reply's text (eval --field); NoField counts the ok
	// runs scored without it (an answer invalid against its schema, or
	// one without that field), each scored 0 as unparsed.
	Field   string
	NoField int
	// SchemaInvalid counts the ok runs whose answer did not fit the
	// JSON Schema it was asked to fit.
	SchemaInvalid int
}

// Label is a group's short name, "prompt / model / metric".
func (g EvalGroup) Label() string {
	parts := []string{g.Prompt, g.Model, string(g.Metric)}
	if g.By != "" {
		parts = append(parts, g.By+"="+g.Value)
	}
	return strings.Join(parts, " / ")
}
