// Package inference runs MedGemma: it starts, supervises and stops a local
// Ollama runtime (or attaches to an existing one), talks to it through
// Ollama's API client, and manages the models it serves, including the
// offline demo model with MedGemma's architecture and random weights.
package inference

import (
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

// Options are the generation options a run is made with. Zero values mean
// "the runtime's default", except where a field says otherwise.
type Options struct {
	Seed        *int     `json:"seed,omitempty"`
	Temperature *float64 `json:"temperature,omitempty"`
	NumPredict  int      `json:"num_predict,omitempty"`
	NumCtx      int      `json:"num_ctx,omitempty"`
	// NumGPU is how many layers to put on the GPU (-1 all, 0 none); nil
	// lets the runtime decide.
	NumGPU *int `json:"num_gpu,omitempty"`
}

// Image is one model-input image sent with a prompt: the exact PNG bytes
// MedGemma receives and their SHA-256.
type Image struct {
	PNG    []byte
	SHA256 string
	// Source is the base name of the file the image was prepared from.
	Source string
	// Frame (from 1), window and encoding record how the PNG was made.
	Frame        int
	WindowCenter float64
	WindowWidth  float64
	Encoding     string
	Width        int
	Height       int
	// Path is the file the image was prepared from and Study its study
	// facts; they go to the local run log only, never to the model.
	Path  string
	Study dicomview.StudyInfo
}

// NewImage is the request image for a prepared model input.
func NewImage(p *dicomview.Prepared) Image {
	return Image{
		PNG: p.PNG, SHA256: p.SHA256, Source: p.Source, Frame: p.Frame,
		WindowCenter: p.Window.Center, WindowWidth: p.Window.Width,
		Encoding: p.Encoding, Width: p.Width, Height: p.Height,
		Path: p.Path, Study: p.Study,
	}
}

// Request is one chat turn: a system prompt, a user prompt and its images.
type Request struct {
	Model   string
	System  string
	Prompt  string
	Images  []Image
	Options Options
	// KeepAlive, when set, is how long the runtime keeps the model loaded
	// after this request (0 unloads it at once).
	KeepAlive *time.Duration
}

// Status says how a run ended.
type Status string

// Run statuses, as stored in history.
const (
	StatusOK        Status = "ok"
	StatusCancelled Status = "cancelled"
	StatusError     Status = "error"
)

// Result is what a run produced, with the runtime's own accounting.
type Result struct {
	Model          string `json:"model"`
	ModelDigest    string `json:"model_digest"`
	RuntimeVersion string `json:"runtime_version"`
	Output         string `json:"output"`
	// Thinking is the text the model wrote between MedGemma's thinking
	// markers; it is never part of Output.
	Thinking string `json:"thinking,omitempty"`
	// Truncated is true when the answer was cut off by num_predict or the
	// context window (done_reason "length").
	Truncated bool `json:"truncated"`
	// NumCtx is the context window the run was sent with.
	NumCtx             int           `json:"num_ctx,omitempty"`
	Chunks             int           `json:"chunks"`
	PromptEvalCount    int           `json:"prompt_eval_count"`
	EvalCount          int           `json:"eval_count"`
	TotalDuration      time.Duration `json:"-"`
	LoadDuration       time.Duration `json:"-"`
	PromptEvalDuration time.Duration `json:"-"`
	EvalDuration       time.Duration `json:"-"`
	// FirstToken is the time from sending the request to the first chunk.
	FirstToken time.Duration `json:"-"`
	DoneReason string        `json:"done_reason"`
	Status     Status        `json:"status"`
	Error      string        `json:"error,omitempty"`
}

// Model describes one model the runtime serves.
type Model struct {
	Name         string    `json:"name"`
	Digest       string    `json:"digest"`
	Size         int64     `json:"size"`
	Family       string    `json:"family"`
	Parameters   string    `json:"parameter_size"`
	Quantization string    `json:"quantization_level"`
	ModifiedAt   time.Time `json:"modified_at"`
	// Demo is true for the offline demo model, whose output is noise.
	Demo bool `json:"demo"`
}

// State is the runtime's state, as the status line shows it.
type State struct {
	// Mode is "managed" or "attached".
	Mode string
	// OwnerPID, in managed mode, is the workbench process that started and
	// supervises the server: this one, or another one using the same data
	// dir (whose server this one uses, and never stops); 0 when stopped.
	OwnerPID int
	// URL is the base URL of the server in use.
	URL string
	// Phase is one of "stopped", "starting", "ready", "restarting", "failed".
	Phase    string
	Version  string
	Restarts int
	// Err is the last error, if the runtime is failed or restarting.
	Err string
	// Compute lists the devices the managed server found at its last
	// start (from its log); empty when attached or not yet started.
	Compute []Compute
}

// DemoModelName is the name the offline demo model is imported under.
const DemoModelName = "demo-medgemma-arch"

// DemoModelLabel is how the app labels the demo model wherever it is offered.
const DemoModelLabel = "random weights — output is noise"
