package core

import (
	"fmt"
	"strconv"
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

// BenchmarkRow is a model-card row as the Batch tab and benchmark list
// show it: its name and title, the dataset layout and split it runs, its
// metric, and the card's value for MedGemma 4B (nil: the card gives none)
// in the card's words.
type BenchmarkRow struct {
	Name    string   `json:"name"`
	Title   string   `json:"title"`
	Format  string   `json:"format"`
	Split   string   `json:"split"`
	Metric  Metric   `json:"metric"`
	Card    *float64 `json:"card_medgemma_4b"`
	Wording string   `json:"card_wording"`
	// Get says where the dataset is published and under what licence.
	Get string `json:"get"`
}

// CardText is the card's value as text, or "not in the card".
func (r BenchmarkRow) CardText() string {
	if r.Card == nil {
		return "not in the card"
	}
	return strconv.FormatFloat(*r.Card, 'f', 1, 64)
}

// BenchmarkSpec is a model-card row to run: its name, the dataset at
// Data (in the row's layout), the model, at most Limit items (0: all),
// and the folder Dir for its manifest, prompts, results and report ("":
// the data dir's benchmarks/NAME).
type BenchmarkSpec struct {
	Name, Data, Model string
	Limit             int
	Dir               string
}

// BenchmarkResult is a row's outcome: our score (Group: N, the score and
// its 95% interval on 0–1; Ours, Low and High the same in the card's
// units, percent) beside the card's, where the files are, and the
// provenance the report gives.
type BenchmarkResult struct {
	BenchmarkRow
	Group     EvalGroup `json:"group"`
	Ours      float64   `json:"ours"`
	Low       float64   `json:"ci_low"`
	High      float64   `json:"ci_high"`
	CardNote  string    `json:"card_note"`
	Runs      int       `json:"runs"`
	Skipped   int       `json:"skipped"`
	Manifest  string    `json:"manifest"`
	Results   string    `json:"results"`
	Report    string    `json:"report"`
	Prompt    string    `json:"prompt_name"`
	Recipe    string    `json:"recipe,omitempty"`
	PromptVer string    `json:"prompt_version"`
	// ModelDigest and RuntimeVersion are as the runs record them.
	ModelDigest    string `json:"model_digest"`
	RuntimeVersion string `json:"runtime_version"`
}

// Line is the one-line verdict: "NAME: ours X [LOW, HIGH] vs card Y".
func (r BenchmarkResult) Line() string {
	return fmt.Sprintf("%s: ours %.1f [%.1f, %.1f] vs card %s (%q, MedGemma 4B; %s, n=%d)",
		r.Name, r.Ours, r.Low, r.High, r.CardText(), r.Wording, r.Group.Metric, r.Group.N)
}
