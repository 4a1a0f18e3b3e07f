package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/logfile"
)

// Services are the workbench's back end, shared by the CLI and the UI:
// the runtime, the history database and the session they log into.
type Services struct {
	cfg       Config
	runtime   *inference.Runtime
	history   *history.Store
	sessionID int64
	log       *slog.Logger
	logFile   *logfile.Writer
	pacsState
	pre preopens // see Preopen
}

// NewServices opens the history database, records a session of the given
// kind and prepares (but does not start) the runtime.
func NewServices(ctx context.Context, cfg Config, kind string) (*Services, error) {
	if err := cfg.resolve(); err != nil {
		return nil, err
	}
	s := &Services{cfg: cfg}
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "logs"), 0o700); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", cfg.DataDir, err)
	}
	// Size-capped: 10 MB, then workbench.log.1 … .3.
	lf, err := logfile.Open(filepath.Join(cfg.DataDir, "logs", "workbench.log"), logfile.DefaultMaxSize, logfile.DefaultKeep)
	if err != nil {
		return nil, err
	}
	s.logFile = lf
	// The log holds no names, IDs or file names: only hashes, models and timings.
	s.log = slog.New(slog.NewTextHandler(lf, nil)).With("pid", os.Getpid())

	if cfg.NoRuntime {
		return s, s.openHistory(ctx, kind)
	}
	rcfg := cfg.runtimeConfig()
	rt, err := inference.NewRuntime(rcfg)
	if errors.Is(err, inference.ErrRuntimeNotFound) && kind == KindGUI {
		// The window opens anyway and says how to set the runtime up.
		rt, err = inference.NewMissingRuntime(rcfg, err), nil
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	s.runtime = rt
	if err := s.openHistory(ctx, kind); err != nil {
		return nil, err
	}
	return s, nil
}

// openHistory opens the history database and starts the session; on
// failure it closes s.
func (s *Services) openHistory(ctx context.Context, kind string) error {
	h, err := history.Open(s.cfg.HistoryPath())
	if err != nil {
		s.Close()
		return err
	}
	s.history = h
	s.sessionID, err = h.StartSession(ctx, kind, Version)
	if err != nil {
		s.Close()
		return err
	}
	mode := "none"
	if s.runtime != nil {
		mode = s.runtime.State().Mode.String()
	}
	s.log.Info("session", "kind", kind, "session", s.sessionID, "version", Version, "runtime", mode)
	return nil
}

// Close stops the managed runtime and closes the database.
func (s *Services) Close() {
	if s.runtime != nil {
		s.runtime.Stop()
	}
	if s.history != nil {
		s.history.Close()
	}
	if s.logFile != nil {
		s.logFile.Close()
	}
}

// Runtime is the runtime in use.
func (s *Services) Runtime() *inference.Runtime { return s.runtime }

// History is the history database.
func (s *Services) History() *history.Store { return s.history }

// RuntimeState is the runtime's state for the status line.
func (s *Services) RuntimeState() core.State { return s.runtime.State() }
