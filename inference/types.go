// Package inference runs MedGemma: it starts, supervises and stops a local
// Ollama runtime (or attaches to an existing one), talks to it through
// Ollama's API client, and manages the models it serves, including the
// offline demo model with MedGemma's architecture and random weights.
//
// The data it takes and returns (requests, results, model facts, the
// runtime's state) are defined in internal/core, which the UI imports
// without this package's I/O, and are spelled core.X everywhere.
package inference

import "github.com/medgemma-workbench/medgemma-workbench/internal/core"

// Aliases of core's names kept only for batch's code and the batch and
// evaluation adapters in app, which still spell them so; new code
// writes core.X.
type (
	// Options are the generation options a run is made with (core.Options).
	Options = core.Options
	// Image is one model-input image sent with a prompt (core.Image).
	Image = core.Image
	// Request is one chat turn: a system prompt, a user prompt and its
	// images (core.Request).
	Request = core.Request
	// Status says how a run ended (core.Status).
	Status = core.Status
	// Result is what a run produced, with the runtime's own accounting
	// (core.Result).
	Result = core.Result
	// Facts are what the runtime knows about one installed model
	// (core.Facts).
	Facts = core.Facts
	// State is the runtime's state, as the status line shows it
	// (core.State).
	State = core.State
)

// Run statuses, as stored in history (core's), kept for batch's code.
const (
	StatusOK        = core.StatusOK
	StatusCancelled = core.StatusCancelled
	StatusError     = core.StatusError
)

// DemoModelName is the name the offline demo model is imported under
// (core.DemoModelName), kept for the batch tests' spelling.
const DemoModelName = core.DemoModelName

// ErrBadModelFile is returned when a file or folder given to import cannot
// be used (missing, unreadable, not a GGUF, no safetensors). The CLI exits
// with code 2 for it.
var ErrBadModelFile = core.ErrBadModelFile

// Quantizations are the quantization levels import accepts (besides none).
var Quantizations = core.Quantizations

// ComputeSummary says in a few words where models run; see
// [core.ComputeSummary].
func ComputeSummary(devs []core.Compute) string { return core.ComputeSummary(devs) }
