package core

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
