// Package inference runs MedGemma: it starts, supervises and stops a local
// Ollama runtime (or attaches to an existing one), talks to it through
// Ollama's API client, and manages the models it serves, including the
// offline demo model with MedGemma's architecture and random weights.
//
// The data it takes and returns (requests, results, model facts, the
// runtime's state) are defined in internal/core, which the UI imports
// without this package's I/O; the names below are aliases of them.
package inference

import "github.com/medgemma-workbench/medgemma-workbench/internal/core"

// The plain data of a run and of the runtime, as defined in core.
type (
	// Options are the generation options a run is made with.
	Options = core.Options
	// Image is one model-input image sent with a prompt.
	Image = core.Image
	// Request is one chat turn: a system prompt, a user prompt and its images.
	Request = core.Request
	// Status says how a run ended.
	Status = core.Status
	// Result is what a run produced, with the runtime's own accounting.
	Result = core.Result
	// Model describes one model the runtime serves.
	Model = core.Model
	// Facts are what the runtime knows about one installed model.
	Facts = core.Facts
	// State is the runtime's state, as the status line shows it.
	State = core.State
	// Progress is one update of a pull or an import.
	Progress = core.Progress
	// Loaded is one model the runtime has in memory.
	Loaded = core.Loaded
	// ImportSpec says what to import as a model.
	ImportSpec = core.ImportSpec
)

// Run statuses, as stored in history.
const (
	StatusOK        = core.StatusOK
	StatusCancelled = core.StatusCancelled
	StatusError     = core.StatusError
)

// DemoModelName is the name the offline demo model is imported under.
const DemoModelName = core.DemoModelName

// DemoModelLabel is how the app labels the demo model wherever it is offered.
const DemoModelLabel = core.DemoModelLabel

// ErrBadModelFile is returned when a file or folder given to import cannot
// be used (missing, unreadable, not a GGUF, no safetensors). The CLI exits
// with code 2 for it.
var ErrBadModelFile = core.ErrBadModelFile

// Quantizations are the quantization levels import accepts (besides none).
var Quantizations = core.Quantizations

// ComputeSummary says in a few words where models run; see
// [core.ComputeSummary].
func ComputeSummary(devs []core.Compute) string { return core.ComputeSummary(devs) }
