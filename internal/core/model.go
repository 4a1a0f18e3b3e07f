package core

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

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

// DemoModelName is the name the offline demo model is imported under.
const DemoModelName = "demo-medgemma-arch"

// DemoModelLabel is how the app labels the demo model wherever it is offered.
const DemoModelLabel = "random weights — output is noise"

// Facts are what the runtime knows about one installed model, from
// /api/tags and /api/show.
type Facts struct {
	Name         string `json:"name"`
	Digest       string `json:"digest"`
	Family       string `json:"family"`
	Architecture string `json:"architecture"`
	// ParameterCount is the exact number of weights when the file says it;
	// Parameters is the runtime's rounded label ("4.3B").
	ParameterCount int64     `json:"parameter_count"`
	Parameters     string    `json:"parameter_size"`
	Quantization   string    `json:"quantization_level"`
	ContextLength  int       `json:"context_length"`
	Capabilities   []string  `json:"capabilities"`
	Size           int64     `json:"size"`
	ModifiedAt     time.Time `json:"modified_at"`
	Demo           bool      `json:"demo"`
}

// Can reports whether the model has the capability ("vision",
// "completion", "thinking", ...).
func (f Facts) Can(capability string) bool { return slices.Contains(f.Capabilities, capability) }

// Compute is one device the runtime found at start to run models on, as
// Ollama logs it ("inference compute" lines): a GPU, or the CPU when it
// found none.
type Compute struct {
	// ID is the runtime's device id ("GPU-…", "cpu").
	ID string `json:"id"`
	// Library is the backend ("CUDA", "ROCm", "Metal", "cpu").
	Library string `json:"library"`
	// Name is the backend's device name ("CUDA0", "cpu"), Description the
	// product name when the backend knows it ("NVIDIA H100 80GB HBM3").
	Name        string `json:"name"`
	Description string `json:"description"`
	// Total and Available are the device's memory as the runtime printed
	// it ("79.1 GiB").
	Total     string `json:"total"`
	Available string `json:"available"`
}

// CPU reports whether the device is the CPU (no GPU was found).
func (c Compute) CPU() bool {
	return strings.EqualFold(c.Library, "cpu") || strings.EqualFold(c.ID, "cpu")
}

// Label is the device's product name, else its backend name.
func (c Compute) Label() string {
	for _, s := range []string{c.Description, c.Name, c.ID} {
		if s != "" && !strings.EqualFold(s, "cpu") {
			return s
		}
	}
	return "CPU"
}

// ComputeSummary says in a few words where models run: the GPUs' names
// and memory ("NVIDIA H100 80GB HBM3 (CUDA, 79.1 GiB)"), "CPU only" when
// the runtime found no GPU, or "" when it is not known (an attached
// server, whose log is not ours to read).
func ComputeSummary(devs []Compute) string {
	if len(devs) == 0 {
		return ""
	}
	var gpus []string
	for _, d := range devs {
		if d.CPU() {
			continue
		}
		s := d.Label()
		var extra []string
		if d.Library != "" {
			extra = append(extra, d.Library)
		}
		if d.Total != "" {
			extra = append(extra, d.Total)
		}
		if len(extra) > 0 {
			s += " (" + strings.Join(extra, ", ") + ")"
		}
		gpus = append(gpus, s)
	}
	if len(gpus) == 0 {
		return "CPU only"
	}
	return strings.Join(gpus, "; ")
}

// ErrBadModelFile is returned when a file or folder given to import cannot
// be used (missing, unreadable, not a GGUF, no safetensors). The CLI exits
// with code 2 for it.
var ErrBadModelFile = errors.New("bad model file")

// Quantizations are the quantization levels import accepts (besides none).
var Quantizations = []string{"q8_0", "q4_K_M"}

// Progress is one update of a pull or an import.
type Progress struct {
	// Status is the runtime's step ("pulling manifest", "pulling 3e4cb…",
	// "verifying sha256 digest", "converting model", "success").
	Status string
	// Completed and Total are bytes over all layers seen so far.
	Completed, Total int64
	// Percent is Completed/Total×100, or 0 while Total is unknown.
	Percent float64
	// BytesPerSec is the average speed of this call (bytes resumed from a
	// partial earlier pull are not counted as speed).
	BytesPerSec float64
	// ETA is the estimated time left, 0 when unknown.
	ETA time.Duration
	// Done is true on the last update of a successful call.
	Done bool
}

// Loaded is one model the runtime has in memory, as `ollama ps` shows it.
type Loaded struct {
	Name      string    `json:"name"`
	Digest    string    `json:"digest"`
	Size      int64     `json:"size"`
	SizeVRAM  int64     `json:"size_vram"`
	NumCtx    int       `json:"context_length"`
	ExpiresAt time.Time `json:"expires_at"`
}

// GPUPercent is the share of the model in GPU memory, 0 to 100.
func (l Loaded) GPUPercent() float64 {
	if l.Size == 0 {
		return 0
	}
	return 100 * float64(l.SizeVRAM) / float64(l.Size)
}

// Processor says where the model runs, as `ollama ps` says it:
// "100% GPU", "100% CPU" or "48%/52% CPU/GPU".
func (l Loaded) Processor() string {
	g := l.GPUPercent()
	switch {
	case l.SizeVRAM == 0:
		return "100% CPU"
	case l.SizeVRAM >= l.Size:
		return "100% GPU"
	}
	return fmt.Sprintf("%.0f%%/%.0f%% CPU/GPU", 100-g, g)
}

// IsQuantization reports whether q is one of [Quantizations], in any case.
func IsQuantization(q string) bool {
	for _, v := range Quantizations {
		if strings.EqualFold(v, q) {
			return true
		}
	}
	return false
}

// ImportSpec says what to import as a model: a GGUF file or a Hugging Face
// safetensors folder, under Name, optionally quantized.
type ImportSpec struct {
	// Name is the model name to create ("medgemma-local").
	Name string
	// GGUF is a .gguf file; Safetensors a Hugging Face download folder
	// (config.json, *.safetensors, tokenizer files). Exactly one is set.
	GGUF        string
	Safetensors string
	// Quantize is "" (keep the weights as they are) or one of
	// [Quantizations].
	Quantize string
}

// Validate checks the spec's shape without touching the files. Its error
// wraps [ErrBadModelFile].
func (s ImportSpec) Validate() error {
	switch {
	case strings.TrimSpace(s.Name) == "":
		return fmt.Errorf("import: give the new model a name: %w", ErrBadModelFile)
	case (s.GGUF == "") == (s.Safetensors == ""):
		return fmt.Errorf("import %s: give either a GGUF file or a Hugging Face folder: %w", s.Name, ErrBadModelFile)
	case s.Quantize != "" && !IsQuantization(s.Quantize):
		return fmt.Errorf("import %s: quantization %q is not supported; use one of %s: %w", s.Name, s.Quantize, strings.Join(Quantizations, ", "), ErrBadModelFile)
	}
	return nil
}
