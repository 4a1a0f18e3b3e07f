package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/inference/demomodel"
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
		mode = s.runtime.State().Mode
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
func (s *Services) RuntimeState() inference.State { return s.runtime.State() }

// Models lists the runtime's models, starting it if needed.
func (s *Services) Models(ctx context.Context) ([]inference.Model, error) {
	c, err := s.runtime.Client(ctx)
	if err != nil {
		return nil, err
	}
	return c.Models(ctx)
}

// DefaultModel picks a model when none is named: a MedGemma model if one is
// installed, else the demo model. The error says how to get one.
func (s *Services) DefaultModel(ctx context.Context) (string, error) {
	models, err := s.Models(ctx)
	if err != nil {
		return "", err
	}
	demo := ""
	for _, m := range models {
		if strings.HasPrefix(m.Name, "medgemma") {
			return m.Name, nil
		}
		if m.Demo {
			demo = m.Name
		}
	}
	if demo != "" {
		return demo, nil
	}
	if len(models) > 0 {
		return models[0].Name, nil
	}
	return "", fmt.Errorf("no models installed: run `medgemma-workbench models pull medgemma` (needs the internet) or `medgemma-workbench models demo` (offline, %s): %w", inference.DemoModelLabel, inference.ErrUnknownModel)
}

// InstallDemo generates the offline demo model and imports it.
func (s *Services) InstallDemo(ctx context.Context) error {
	c, err := s.runtime.Client(ctx)
	if err != nil {
		return err
	}
	dir := filepath.Join(s.cfg.DataDir, "demo")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("demo model: %w", err)
	}
	path := filepath.Join(dir, inference.DemoModelName+".gguf")
	if _, err := demomodel.Write(path); err != nil {
		return fmt.Errorf("demo model: %w", err)
	}
	// The same import path as `models import --gguf`.
	defer s.runtime.BeginTransfer()()
	if err := c.ImportGGUF(ctx, inference.DemoModelName, path, "", nil); err != nil {
		return fmt.Errorf("demo model: %w", err)
	}
	s.log.Info("demo model installed", "model", inference.DemoModelName)
	return nil
}

// checkpointEvery is how often Ask saves the partial answer of a run that
// is still streaming, so that a crash loses at most this much of it.
const checkpointEvery = 2 * time.Second

// Ask runs one request against the runtime, streaming text to onChunk, and
// logs it to history whatever its outcome. The run is saved as running
// before the request is sent, its partial answer every checkpointEvery,
// and its outcome at the end; a run cut off by a crash is marked
// interrupted the next time the database is opened. It returns the run's
// id.
func (s *Services) Ask(ctx context.Context, req inference.Request, onChunk func(string)) (int64, inference.Result, error) {
	req = s.cfg.requestDefaults(req) // --num-gpu, --keep-alive, the num_ctx setting
	return s.AskWith(ctx, req, onChunk, s.ask)
}

// ChatFunc answers one request, streaming text to onChunk, as
// [inference.Client.Chat] does.
type ChatFunc func(ctx context.Context, req inference.Request, onChunk func(string)) (inference.Result, error)

// AskWith is [Services.Ask] with the answer coming from chat instead of the
// runtime (such as an OpenAI-compatible endpoint); the run is logged the
// same way.
func (s *Services) AskWith(ctx context.Context, req inference.Request, onChunk func(string), chat ChatFunc) (int64, inference.Result, error) {
	run := &history.Run{
		SessionID: s.sessionID,
		StartedAt: time.Now(),
		System:    req.System,
		Prompt:    req.Prompt,
		Model:     req.Model,
		Options:   req.Options,
	}
	// The log is written even when ctx is cancelled: a stopped run is a
	// result.
	lctx := context.WithoutCancel(ctx)
	if err := s.logImages(ctx, req, run); err != nil {
		return 0, inference.Result{Model: req.Model, Status: inference.StatusError, Error: err.Error()}, err
	}
	bctx, cancel := context.WithTimeout(lctx, 10*time.Second)
	id, err := s.history.BeginRun(bctx, run)
	cancel()
	if err != nil {
		return 0, inference.Result{Model: req.Model, Status: inference.StatusError, Error: err.Error()}, fmt.Errorf("save run: %w", err)
	}

	var partial strings.Builder
	last := time.Now()
	res, err := chat(ctx, req, func(text string) {
		partial.WriteString(text)
		if onChunk != nil {
			onChunk(text)
		}
		if time.Since(last) >= checkpointEvery {
			last = time.Now()
			cctx, cancel := context.WithTimeout(lctx, time.Second)
			if cerr := s.history.SaveOutput(cctx, id, partial.String()); cerr != nil {
				s.log.Warn("checkpoint run", "run", id, "err", cerr)
			}
			cancel()
		}
	})
	run.FinishedAt = time.Now()
	run.ModelDigest = res.ModelDigest
	run.RuntimeVersion = res.RuntimeVersion
	run.Output = res.Output
	run.Thinking = res.Thinking
	run.PromptEvalCount = res.PromptEvalCount
	run.EvalCount = res.EvalCount
	run.TotalDuration = res.TotalDuration
	run.LoadDuration = res.LoadDuration
	run.PromptEvalDuration = res.PromptEvalDuration
	run.EvalDuration = res.EvalDuration
	run.FirstToken = res.FirstToken
	run.DoneReason = res.DoneReason
	run.Status = res.Status
	run.Error = res.Error
	fctx, cancel := context.WithTimeout(lctx, 10*time.Second)
	defer cancel()
	serr := s.history.FinishRun(fctx, run)
	s.log.Info("run", "run", id, "model", req.Model, "digest", res.ModelDigest, "images", len(req.Images),
		"status", res.Status, "prompt_tokens", res.PromptEvalCount, "tokens", res.EvalCount, "ms", res.TotalDuration.Milliseconds())
	if serr != nil {
		return id, res, errors.Join(err, fmt.Errorf("save run: %w", serr))
	}
	return id, res, err
}

// logImages stores the request's images and their studies in history and
// fills in the run's image hashes, file names and paths, and study.
func (s *Services) logImages(ctx context.Context, req inference.Request, run *history.Run) error {
	var sources []string
	for _, im := range req.Images {
		err := s.history.PutImage(ctx, history.ImageRecord{
			SHA256: im.SHA256, PNG: im.PNG, Source: im.Source, Frame: im.Frame,
			WindowCenter: im.WindowCenter, WindowWidth: im.WindowWidth,
			Encoding: im.Encoding, Width: im.Width, Height: im.Height,
		})
		if err != nil {
			return fmt.Errorf("save image: %w", err)
		}
		key, err := s.history.PutStudy(ctx, im.Study.StudyInstanceUID, im.Study.Modality, studyDescription(im.Study))
		if err != nil {
			return fmt.Errorf("save study: %w", err)
		}
		if run.StudyKey == "" {
			run.StudyKey = key
		}
		run.BurnInRisk = run.BurnInRisk || im.Study.BurnInRisk()
		run.ImageSHA256 = append(run.ImageSHA256, im.SHA256)
		run.SourcePaths = append(run.SourcePaths, im.Path)
		sources = append(sources, im.Source)
	}
	run.Source = strings.Join(sources, ",")
	return nil
}

// studyDescription is the description recorded for a study: its own, else
// its series'.
func studyDescription(info dicomview.StudyInfo) string {
	if info.StudyDescription != "" {
		return info.StudyDescription
	}
	return info.SeriesDescription
}

func (s *Services) ask(ctx context.Context, req inference.Request, onChunk func(string)) (inference.Result, error) {
	res := inference.Result{Model: req.Model, Status: inference.StatusError}
	fail := func(err error) (inference.Result, error) {
		if ctx.Err() != nil {
			res.Status, res.DoneReason = inference.StatusCancelled, "cancelled"
		}
		res.Error = err.Error()
		return res, err
	}
	c, err := s.runtime.Client(ctx)
	if err != nil {
		return fail(err)
	}
	res.RuntimeVersion = s.runtime.State().Version
	// Pre-flight: the model exists, can see images if there are any, and
	// the request fits num_ctx (set explicitly, raised when needed).
	facts, err := c.Facts(ctx, req.Model)
	if err != nil {
		return fail(err)
	}
	res.ModelDigest = facts.Digest
	plan, err := inference.Preflight(req, facts)
	if err != nil {
		return fail(err)
	}
	out, err := c.Chat(ctx, plan.Request, onChunk)
	out.ModelDigest = facts.Digest
	out.RuntimeVersion = res.RuntimeVersion
	return out, err
}

// PrepareImage loads a file and prepares its model input as an
// [inference.Image].
func PrepareImage(path string, opts dicomview.PrepareOptions) (*dicomview.Image, *dicomview.Prepared, error) {
	im, err := dicomview.Load(path)
	if err != nil {
		return nil, nil, err
	}
	p, err := im.Prepare(opts)
	if err != nil {
		return nil, nil, err
	}
	return im, p, nil
}
