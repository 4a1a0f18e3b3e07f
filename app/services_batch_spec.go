package app

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// This file is a batch's spec: what the command line and the window ask
// of the batch service (services_batch.go), the one check of what a
// batch needs, and the errors that name the spec's part at fault, which
// the command line words in its flags (cli_batch.go).

// BatchSpec is a batch to run, in the terms of neither the command line
// nor the window: the command line parses its flags into one, the Batch
// tab's core.BatchSpec is its first part.
type BatchSpec struct {
	// BatchSpec is what the window gives too: the items, prompts,
	// models, counts, the result file Out and the options.
	core.BatchSpec
	// Endpoint, when set, is an OpenAI-compatible API base URL that
	// answers instead of the runtime, with APIKey.
	Endpoint, APIKey string
	// Endpoints, when set instead, are several servers (Ollama or
	// OpenAI-compatible, each with its own key) that share the batch's
	// runs: see [Services.poolBackend]. Each endpoint without a
	// concurrency of its own gets Concurrency.
	Endpoints []batch.EndpointSpec
	// EmitOpenAIBatch, when set, is a file to write the runs' requests to
	// as an OpenAI batch input (vllm run-batch) instead of running them;
	// ImportResults, a batch output file whose answers to read into Out
	// and history. See batch_offline.go.
	EmitOpenAIBatch, ImportResults string
	// CSV is Out's CSV copy ("": Out with the extension .csv).
	CSV string
	// Prepare is how each image becomes the model's input, and Prep how
	// the rows record it (as the user gave it).
	Prepare dicomview.PrepareOptions
	Prep    batch.Prep
	// Retries is how often a request answered 429 or 5xx is sent again,
	// with exponential backoff.
	Retries int
	// IncludePHI keeps file names and paths in the rows (images, the ids
	// of items the manifest does not name, errors).
	IncludePHI bool
	// Score is "" or batch.ScoreLogprob: rows of multiple-choice and
	// yes/no items get their choices' probabilities (Ollama only).
	Score string
}

// check refuses a spec that cannot run and fills in the CSV copy's name.
// It is the one place that says what a batch of the services needs (what
// every batch needs is core.BatchSpec.Check, which the window runs too);
// the command line runs its three parts where it reads the flags they
// concern, and words their *batchSpecError and *core.BatchSpecError in
// its flags (cli_batch.go).
func (b *BatchSpec) check() error {
	if err := b.checkInputs(); err != nil {
		return err
	}
	if err := b.checkServers(); err != nil {
		return err
	}
	return b.checkCSV()
}

// checkInputs refuses a spec without its items, prompts or result file,
// or with counts under their least: what the window's spec needs too is
// core.BatchSpec.Check's (a *core.BatchSpecError), the retries this
// spec's.
func (b *BatchSpec) checkInputs() error {
	if err := b.BatchSpec.Check(); err != nil {
		return err
	}
	if b.Retries < 0 {
		return &batchSpecError{problem: problemRetries}
	}
	return nil
}

// checkServers refuses an endpoint without the models it serves named,
// and one endpoint given beside a list of them.
func (b *BatchSpec) checkServers() error {
	switch {
	case (b.Endpoint != "" || len(b.Endpoints) > 0) && len(b.Models) == 0:
		return &batchSpecError{problem: problemEndpointModels}
	case b.Endpoint != "" && len(b.Endpoints) > 0:
		return &batchSpecError{problem: problemEndpointBoth}
	}
	return nil
}

// checkCSV fills in the CSV copy's name (Out with the extension .csv)
// when there is none, and refuses one that would overwrite Out. Names
// that differ only in case count as the same file (they are one on the
// case-insensitive disks of macOS and Windows): --out results.CSV would
// otherwise be overwritten by results.csv there.
func (b *BatchSpec) checkCSV() error {
	if b.CSV == "" {
		b.CSV = strings.TrimSuffix(b.Out, filepath.Ext(b.Out)) + ".csv"
	}
	if strings.EqualFold(filepath.Clean(b.CSV), filepath.Clean(b.Out)) {
		return &batchSpecError{problem: problemCSVIsOut, out: b.Out}
	}
	return nil
}

// specProblem is a way a BatchSpec cannot run that its core.BatchSpec
// alone does not show (core.BatchProblem says those).
type specProblem int

// The problems check finds beyond core.BatchSpec.Check's.
const (
	problemRetries        specProblem = iota + 1 // Retries under 0
	problemEndpointModels                        // an endpoint and no Models
	problemEndpointBoth                          // Endpoint and Endpoints
	problemCSVIsOut                              // CSV is Out
)

// batchSpecError is a spec that cannot run, in the spec's terms, for a
// problem beyond core.BatchSpec.Check's; the command line words it, and
// the *core.BatchSpecError, in its flags.
type batchSpecError struct {
	problem specProblem
	out     string // Out, for problemCSVIsOut
}

func (e *batchSpecError) Error() string {
	switch e.problem {
	case problemRetries:
		return "batch: retries must be at least 0"
	case problemEndpointModels:
		return "batch: an endpoint needs the models it serves named"
	case problemEndpointBoth:
		return "batch: give one endpoint or a list of them, not both"
	case problemCSVIsOut:
		return fmt.Sprintf("batch: result file %s would be overwritten by its CSV copy: name it FILE.jsonl", e.out)
	}
	return fmt.Sprintf("batch: specProblem(%d)", e.problem)
}

// source is the spec's field that names its items.
func (b *BatchSpec) source() batchField {
	if b.Manifest != "" {
		return fieldManifest
	}
	return fieldImages
}

// batchField names a field of BatchSpec in a batchInputError.
type batchField string

const (
	fieldManifest batchField = "Manifest"
	fieldImages   batchField = "Images"
	fieldPrompts  batchField = "Prompts"
	fieldOut      batchField = "Out"
	fieldEndpoint batchField = "Endpoint"
	fieldImport   batchField = "ImportResults"
)

// batchInputError is a batch refused for what its spec names: a
// manifest, folder, ZIP or prompts file that is missing or malformed, a
// result file that another batch is writing or that is not a batch
// result, or an endpoint that is not a URL. field says which; the command
// line words it in its flags.
type batchInputError struct {
	field batchField
	err   error
}

func (e *batchInputError) Error() string {
	switch {
	case e.field == fieldOut && errors.Is(e.err, batch.ErrLocked):
		return e.err.Error() + " or choose another result file"
	case e.field == fieldOut:
		return e.err.Error() + " (the result file is not a batch result and was left as it is; choose another)"
	}
	return e.err.Error()
}

func (e *batchInputError) Unwrap() error { return e.err }
