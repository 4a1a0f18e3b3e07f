package core

import "fmt"

// BatchSpec is a batch to run as the window's Batch tab and the command
// line both describe it: its items, prompts, models, counts, result file
// and generation options. The services' spec (app.BatchSpec) embeds it
// and adds what only the command line gives: endpoints, offline batch
// files, the CSV copy's name, the image preparation, retries.
type BatchSpec struct {
	// Manifest is a JSON Lines or CSV manifest; Images, instead, a folder
	// or ZIP archive of images, one item per file. One of them is set.
	Manifest, Images string
	// Prompts is a YAML or JSON prompts file.
	Prompts string
	// Models are the models to run; none means the default model, which
	// an endpoint does not have.
	Models []string
	// Repeat is the repetitions of each (item, prompt, model) and
	// Concurrency the runs in flight at once; both at least 1.
	Repeat, Concurrency int
	// Out is the JSON Lines result file. A batch always resumes: the runs
	// Out already holds are skipped. Its CSV copy is written next to it,
	// with the extension .csv, unless the command line names another.
	Out string
	// Options are the generation options of every run.
	Options Options
}

// Check refuses a spec that cannot run for what every batch needs: one
// of Manifest and Images, Prompts, Out, and Repeat and Concurrency of at
// least 1, checked in that order. The error is a *BatchSpecError; the
// window and the command line word its Problem in their own fields.
func (s BatchSpec) Check() error {
	var p BatchProblem
	switch {
	case s.Manifest == "" && s.Images == "":
		p = BatchNoSource
	case s.Manifest != "" && s.Images != "":
		p = BatchBothSources
	case s.Prompts == "":
		p = BatchNoPrompts
	case s.Out == "":
		p = BatchNoOut
	case s.Repeat < 1:
		p = BatchRepeat
	case s.Concurrency < 1:
		p = BatchConcurrency
	default:
		return nil
	}
	return &BatchSpecError{Problem: p}
}

// BatchProblem is a way a BatchSpec cannot run, as Check finds it.
type BatchProblem int

// The problems Check finds.
const (
	BatchNoSource    BatchProblem = iota + 1 // neither Manifest nor Images
	BatchBothSources                         // Manifest and Images
	BatchNoPrompts                           // no Prompts
	BatchNoOut                               // no Out
	BatchRepeat                              // Repeat under 1
	BatchConcurrency                         // Concurrency under 1
)

// BatchSpecError is a spec that cannot run, in the spec's terms.
type BatchSpecError struct {
	Problem BatchProblem
}

func (e *BatchSpecError) Error() string {
	switch e.Problem {
	case BatchNoSource, BatchBothSources:
		return "batch: choose a manifest or a folder or ZIP of images (one of them)"
	case BatchNoPrompts:
		return "batch: choose a prompts file"
	case BatchNoOut:
		return "batch: choose a result file"
	case BatchRepeat, BatchConcurrency:
		return "batch: repetitions and concurrency must be at least 1"
	}
	return fmt.Sprintf("batch: BatchProblem(%d)", e.Problem)
}

// BatchResult is how a batch ended.
type BatchResult struct {
	// BatchSummary counts the runs of this time.
	BatchSummary
	// Runs is the batch's number of runs, Skipped of them were done
	// before, and Rows is the number of rows in the result file.
	Runs, Skipped, Rows int
	// Out and CSV are the result file and its CSV copy.
	Out, CSV string
}
