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
	run, err := s.history.Run(ctx, id)
	if errors.Is(err, history.ErrNotFound) {
		return usagef("--rerun %d: no such run in %s; see `medgemma-workbench history list`", id, s.cfg.HistoryPath())
	}
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["prompt"] {
		req.Prompt = run.Prompt
	}
	if !set["system"] {
		req.System = run.System
	}
	if !set["model"] {
		req.Model = run.Model
	}
	o := run.Options
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
	if set["image"] {
		return nil
	}
	sources := strings.Split(run.Source, ",")
	req.Images = req.Images[:0]
	for i, sha := range run.ImageSHA256 {
		png, err := s.history.ImagePNG(ctx, sha)
		if err != nil {
			return fmt.Errorf("--rerun %d: image %s: %w", id, sha, err)
		}
		im := inference.Image{PNG: png, SHA256: sha}
		if len(sources) == len(run.ImageSHA256) {
			im.Source = sources[i]
		}
		req.Images = append(req.Images, im)
	}
	return nil
}
