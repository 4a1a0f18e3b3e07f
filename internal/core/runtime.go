package core

import "fmt"

// RuntimeMode is how the workbench reaches its Ollama server: it runs one
// (managed) or uses one already running (attached). Its value is the
// name printed and logged.
type RuntimeMode string

// The runtime modes.
const (
	RuntimeManaged  RuntimeMode = "managed"  // the workbench starts and supervises the server
	RuntimeAttached RuntimeMode = "attached" // a server the workbench did not start, at a URL
)

// String is the mode's name: managed or attached ("" when unknown).
func (m RuntimeMode) String() string { return string(m) }

// ParseRuntimeMode reads a mode's name, as String writes it.
func ParseRuntimeMode(s string) (RuntimeMode, error) {
	switch m := RuntimeMode(s); m {
	case RuntimeManaged, RuntimeAttached:
		return m, nil
	}
	return "", fmt.Errorf("runtime mode %q: want managed or attached", s)
}

// State is the runtime's state, as the status line shows it.
type State struct {
	// Mode is RuntimeManaged or RuntimeAttached; "" when not known.
	Mode RuntimeMode
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

// RuntimeVersion is the Ollama version the project builds and manages.
const RuntimeVersion = "0.24.0"

// SetupCommand is the command that builds the managed runtime.
const SetupCommand = "scripts/setup.sh"

// Runtime phases, as reported in [State].
const (
	PhaseStopped    = "stopped"
	PhaseStarting   = "starting"
	PhaseReady      = "ready"
	PhaseRestarting = "restarting"
	PhaseFailed     = "failed"
)
