// Package app wires MedGemma Workbench together: it reads the
// configuration, builds the services (the runtime, the history database,
// the DICOM loader), runs the command-line interface and opens the desktop
// workbench.
package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// Version is the workbench's version, recorded with every session.
var Version = "0.1.0-dev"

// EnvDataDir overrides the default data directory.
const EnvDataDir = "MEDGEMMA_WORKBENCH_DATA_DIR"

// EnvOllamaBin names an explicit Ollama binary for the managed runtime.
const EnvOllamaBin = "MEDGEMMA_WORKBENCH_OLLAMA"

// EnvOllamaToken is a bearer token for an attached Ollama behind a proxy.
const EnvOllamaToken = "MEDGEMMA_WORKBENCH_OLLAMA_TOKEN"

// EnvUIDRoot is the organisation's UID root for the DICOM documents
// `report --format dicom-sr|dicom-pdf` writes (the default of --uid-root).
const EnvUIDRoot = "MEDGEMMA_WORKBENCH_UID_ROOT"

// Config is what the global flags and the environment decide.
type Config struct {
	// DataDir holds history.db, the runtime's models and the logs.
	DataDir string
	// OllamaURL, when set, attaches to that server instead of starting one.
	OllamaURL string
	// OllamaBin is an explicit path to the ollama binary.
	OllamaBin string
	// OllamaToken, when set, is sent as a bearer token to an attached
	// server (for a proxy in front of it); from $MEDGEMMA_WORKBENCH_OLLAMA_TOKEN.
	OllamaToken string
	// NumParallel is how many requests the managed runtime serves at once
	// per model (OLLAMA_NUM_PARALLEL); 0 keeps Ollama's default.
	NumParallel int
	// KeepAlive is how long the runtime keeps an idle model loaded
	// (--keep-alive; negative: for ever); 0 keeps Ollama's default.
	KeepAlive time.Duration
	// NumGPU, when set (--num-gpu), is how many layers each request puts on
	// the GPU: -1 all, 0 none (CPU only); nil lets the runtime decide.
	NumGPU *int
	// NumCtx, when above 0, is the context window of requests that do not
	// set one (the workbench's setting); the pre-flight check still raises
	// it when the images and prompt need more.
	NumCtx int
	// OllamaDebug (--ollama-debug) runs the managed server with
	// OLLAMA_DEBUG=1, whose log holds every prompt in full; otherwise
	// OLLAMA_DEBUG is removed from its environment.
	OllamaDebug bool
	// NoRuntime makes services without a runtime, for commands that talk
	// only to another endpoint (batch --endpoint): no Ollama binary is
	// needed, and Runtime returns nil.
	NoRuntime bool
	// UIDRoot is the root of the new UIDs of DICOM documents ("": 2.25
	// UUID-derived UIDs); from $MEDGEMMA_WORKBENCH_UID_ROOT, or --uid-root.
	UIDRoot string
}

// DefaultDataDir is the user's data directory for the app:
// $XDG_DATA_HOME/medgemma-workbench (~/.local/share/…) on Linux,
// ~/Library/Application Support/… on macOS, %LocalAppData%\… on Windows.
func DefaultDataDir() (string, error) {
	if d := os.Getenv(EnvDataDir); d != "" {
		return d, nil
	}
	const name = "medgemma-workbench"
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, name), nil
		}
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "Library", "Application Support", name), nil
	default:
		if d := os.Getenv("XDG_DATA_HOME"); d != "" {
			return filepath.Join(d, name), nil
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", errors.New("no home directory: pass --data-dir")
	}
	return filepath.Join(home, ".local", "share", name), nil
}

// resolve fills defaults from the environment.
func (c *Config) resolve() error {
	if c.DataDir == "" {
		d, err := DefaultDataDir()
		if err != nil {
			return err
		}
		c.DataDir = d
	}
	if c.OllamaURL == "" {
		c.OllamaURL = os.Getenv("OLLAMA_HOST")
	}
	if c.OllamaBin == "" {
		c.OllamaBin = os.Getenv(EnvOllamaBin)
	}
	if c.OllamaToken == "" {
		c.OllamaToken = os.Getenv(EnvOllamaToken)
	}
	if c.UIDRoot == "" {
		c.UIDRoot = os.Getenv(EnvUIDRoot)
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	return nil
}

// HistoryPath is the history database file.
func (c *Config) HistoryPath() string { return filepath.Join(c.DataDir, "history.db") }
