package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/answerschema"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// This file is the ask service: one request to the runtime (or another
// chat function), logged to history whatever its outcome. The window's
// Run button, the command line's ask and every batch run go through it.

// checkpointEvery is how often Ask saves the partial answer of a run that
// is still streaming, so that a crash loses at most this much of it.
const checkpointEvery = 2 * time.Second

// Ask runs one request against the runtime, streaming text to onChunk, and
// logs it to history whatever its outcome. The run is saved as running
// before the request is sent, its partial answer every checkpointEvery,
// and its outcome at the end; a run cut off by a crash is marked
// interrupted the next time the database is opened. It returns the run's
// id.
func (s *Services) Ask(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
	req = s.cfg.requestDefaults(req) // --num-gpu, --keep-alive, the num_ctx setting
	return s.AskWith(ctx, req, onChunk, s.ask)
}

// ChatFunc answers one request, streaming text to onChunk, as
// [inference.Client.Chat] does.
type ChatFunc func(ctx context.Context, req core.Request, onChunk func(string)) (core.Result, error)

// AskWith is [Services.Ask] with the answer coming from chat instead of the
// runtime (such as an OpenAI-compatible endpoint); the run is logged the
// same way.
func (s *Services) AskWith(ctx context.Context, req core.Request, onChunk func(string), chat ChatFunc) (int64, core.Result, error) {
	run := &core.Run{
		SessionID:  s.sessionID,
		StartedAt:  time.Now(),
		System:     core.BoundText(req.System, core.MaxStoredText),
		Prompt:     core.BoundText(req.Prompt, core.MaxStoredText),
		Model:      req.Model,
		Options:    req.Options,
		Recipe:     req.Recipe,
		RecipeJSON: req.RecipeJSON,
		SchemaHash: req.SchemaHash,

		PromptVersion: promptVersion(req),
		Measurements:  req.Measurements,
	}
	for _, im := range req.Images {
		if im.Label != "" {
			run.ImageLabels = make([]string, len(req.Images))
			for i, im := range req.Images {
				run.ImageLabels[i] = im.Label
			}
			break
		}
	}
	for _, im := range req.Images {
		if im.SourceWidth > 0 {
			run.ImageGeometry = make([]core.Geometry, len(req.Images))
			for i, im := range req.Images {
				run.ImageGeometry[i] = core.Geometry{Width: im.SourceWidth, Height: im.SourceHeight, Fit: im.Fit,
					X: im.SourceX, Y: im.SourceY, Plane: im.Plane}
			}
			break
		}
	}
	// The log is written even when ctx is cancelled: a stopped run is a
	// result.
	lctx := context.WithoutCancel(ctx)
	if err := s.logImages(ctx, req, run); err != nil {
		return 0, core.Result{Model: req.Model, Status: core.StatusError, Error: err.Error()}, err
	}
	bctx, cancel := context.WithTimeout(lctx, 10*time.Second)
	id, err := s.history.BeginRun(bctx, run)
	cancel()
	if err != nil {
		return 0, core.Result{Model: req.Model, Status: core.StatusError, Error: err.Error()}, fmt.Errorf("save run: %w", err)
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
	checkSchema(req, &res)
	run.SchemaValid, run.SchemaError = res.SchemaValid, res.SchemaError
	if boxes, berr := recipe.Boxes(req, res.Output); berr == nil {
		run.Boxes = boxes
	} else if res.Status == core.StatusOK {
		s.log.Warn("localization answer without readable boxes", "run", id, "err", berr)
	}
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
func (s *Services) logImages(ctx context.Context, req core.Request, run *core.Run) error {
	var sources []string
	for _, im := range req.Images {
		err := s.history.PutImage(ctx, history.ImageRecord{
			SHA256: im.SHA256, PNG: im.PNG, Source: im.Source, Frame: im.Frame,
			WindowCenter: im.WindowCenter, WindowWidth: im.WindowWidth,
			Encoding: im.Encoding, Width: im.Width, Height: im.Height,
			Codec: im.Codec, CodecSHA256: im.CodecSHA256,
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
		ikey, err := s.history.InstanceKey(ctx, im.Study.SOPInstanceUID)
		if err != nil {
			return fmt.Errorf("save image: %w", err)
		}
		run.SourceKeys = append(run.SourceKeys, ikey)
		sources = append(sources, im.Source)
	}
	run.Source = strings.Join(sources, ",")
	return nil
}

// studyDescription is the description recorded for a study: its own, else
// its series'.
func studyDescription(info core.StudyInfo) string {
	if info.StudyDescription != "" {
		return info.StudyDescription
	}
	return info.SeriesDescription
}

// Render returns req's prompt as the runtime renders it, after the same
// pre-flight as Ask (the model exists and sees images; num_ctx set to fit):
// nothing is generated and nothing is logged.
func (s *Services) Render(ctx context.Context, req core.Request) (core.Rendered, error) {
	req = s.cfg.requestDefaults(req)
	c, err := s.runtime.Client(ctx)
	if err != nil {
		return core.Rendered{}, err
	}
	facts, err := c.Facts(ctx, req.Model)
	if err != nil {
		return core.Rendered{}, err
	}
	plan, err := inference.Preflight(req, facts)
	if err != nil {
		return core.Rendered{}, err
	}
	r, err := c.Render(ctx, plan.Request)
	r.NumCtx, r.PromptTokens = plan.Request.Options.NumCtx, plan.PromptTokens
	return r, err
}

// ScoreChoices gives each choice its probability as the model's answer to
// req (inference.Client.ScoreChoices), after the same pre-flight as Ask,
// so that the scoring requests share the answer's num_ctx (and the
// runtime keeps the model and its cache loaded). Nothing is logged.
func (s *Services) ScoreChoices(ctx context.Context, req core.Request, choices []string) (map[string]float64, error) {
	req = s.cfg.requestDefaults(req)
	c, end, err := s.leasedClient(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	facts, err := c.Facts(ctx, req.Model)
	if err != nil {
		return nil, err
	}
	plan, err := inference.Preflight(req, facts)
	if err != nil {
		return nil, err
	}
	return c.ScoreChoices(ctx, plan.Request, choices)
}

// leasedClient is the runtime's client, with a lease for the request about
// to run: while it runs on a server another process owns, that owner
// keeps its server up even if it exits (inference.Runtime.Lease). Call end
// when the request is over.
func (s *Services) leasedClient(ctx context.Context) (c *inference.Client, end func(), err error) {
	c, err = s.runtime.Client(ctx)
	if err != nil {
		return nil, nil, err
	}
	return c, s.runtime.Lease(), nil
}

func (s *Services) ask(ctx context.Context, req core.Request, onChunk func(string)) (core.Result, error) {
	res := core.Result{Model: req.Model, Status: core.StatusError}
	fail := func(err error) (core.Result, error) {
		if batch.Cancelled(ctx, core.Result{}, err) {
			res.Status, res.DoneReason = core.StatusCancelled, "cancelled"
		}
		res.Error = err.Error()
		return res, err
	}
	c, end, err := s.leasedClient(ctx)
	if err != nil {
		return fail(err)
	}
	defer end()
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

// promptVersion is the prompt version the run log records for req: the
// one it names, or else the one its texts name as sent.
func promptVersion(req core.Request) string {
	if req.PromptVersion != "" {
		return req.PromptVersion
	}
	return core.PromptVersion(req.System, req.Prompt, req.SchemaHash, req.Recipe.Key())
}

// checkSchema marks whether a finished answer fits the request's schema
// and keeps its fields (an answer that failed is not judged). It is the
// one check: ask, the window and every batch backend go through AskWith.
func checkSchema(req core.Request, res *core.Result) {
	if len(req.Schema) == 0 || res.Status != core.StatusOK {
		return
	}
	s, err := answerschema.Compile("request", req.Schema)
	if err != nil {
		res.SchemaError = err.Error()
		return
	}
	v, err := s.Check(res.Output)
	ok := err == nil
	res.SchemaValid = &ok
	if err != nil {
		res.SchemaError = err.Error()
		return
	}
	res.Fields = answerschema.Fields(v)
}
