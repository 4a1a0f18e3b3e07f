package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// fillRerun completes req from the logged run id: the exact model-input
// images stored with it, its system prompt, prompt, model and options.
// What the command line set (fs) overrides the logged values; images given
// on the command line replace the logged ones.
func (s *Services) fillRerun(ctx context.Context, id int64, req *inference.Request, fs *flag.FlagSet) error {
	logged, err := s.rerunRequest(ctx, id)
	if errors.Is(err, history.ErrNotFound) {
		return usagef("--rerun %d: no such run in %s; see `medgemma-workbench history list`", id, s.cfg.HistoryPath())
	}
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["prompt"] {
		req.Prompt = logged.Prompt
	}
	if !set["system"] {
		req.System = logged.System
	}
	if !set["model"] {
		req.Model = logged.Model
	}
	o := logged.Options
	if set["seed"] {
		o.Seed = req.Options.Seed
	}
	if set["temperature"] {
		o.Temperature = req.Options.Temperature
	}
	if set["num-predict"] {
		o.NumPredict = req.Options.NumPredict
	}
	if set["num-ctx"] {
		o.NumCtx = req.Options.NumCtx
	}
	req.Options = o
	if !set["image"] {
		req.Images = logged.Images
	}
	return nil
}

// rerunRequest is the request of the logged run id, made again: its exact
// model-input images as stored, its system prompt, prompt, model and
// options. A missing run is an error wrapping history.ErrNotFound.
func (s *Services) rerunRequest(ctx context.Context, id int64) (inference.Request, error) {
	run, err := s.history.Run(ctx, id)
	if err != nil {
		return inference.Request{}, err
	}
	req := inference.Request{Model: run.Model, System: run.System, Prompt: run.Prompt, Options: run.Options}
	sources := strings.Split(run.Source, ",")
	for i, sha := range run.ImageSHA256 {
		png, err := s.history.ImagePNG(ctx, sha)
		if err != nil {
			// Not %w: a missing image is not a missing run.
			return req, fmt.Errorf("rerun %d: image %s: %v", id, sha, err)
		}
		im := inference.Image{PNG: png, SHA256: sha}
		if run.BurnInRisk {
			// The stored PNG has no attributes: the run's flag stands for
			// them, so the warning and the flag carry over to the rerun.
			im.Study.BurnedInAnnotation = "YES"
		}
		if len(sources) == len(run.ImageSHA256) {
			im.Source = sources[i]
		}
		req.Images = append(req.Images, im)
	}
	return req, nil
}
