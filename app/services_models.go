package app

import (
	"context"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// ModelFacts returns the facts of every installed model (digest,
// parameters, quantization, context length, capabilities).
func (s *Services) ModelFacts(ctx context.Context) ([]inference.Facts, error) {
	c, err := s.runtime.Client(ctx)
	if err != nil {
		return nil, err
	}
	models, err := c.Models(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]inference.Facts, 0, len(models))
	for _, m := range models {
		f, err := c.Facts(ctx, m.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// Pull downloads a model from its registry; progress (throttled to every
// interval) may be nil.
func (s *Services) Pull(ctx context.Context, name string, every time.Duration, progress func(inference.Progress)) error {
	c, err := s.runtime.Client(ctx)
	if err != nil {
		return err
	}
	defer s.runtime.BeginTransfer()() // no pruning of its blobs by a server that starts meanwhile
	err = c.Pull(ctx, name, every, progress)
	s.log.Info("pull", "model", name, "ok", err == nil)
	return err
}

// ImportGGUF creates model name from a GGUF file.
func (s *Services) ImportGGUF(ctx context.Context, name, path, quantize string, progress func(inference.Progress)) error {
	c, err := s.runtime.Client(ctx)
	if err != nil {
		return err
	}
	defer s.runtime.BeginTransfer()() // no pruning of its blobs by a server that starts meanwhile
	err = c.ImportGGUF(ctx, name, path, quantize, progress)
	s.log.Info("import gguf", "model", name, "quantize", quantize, "ok", err == nil)
	return err
}

// ImportSafetensors creates model name from a Hugging Face folder.
func (s *Services) ImportSafetensors(ctx context.Context, name, dir, quantize string, progress func(inference.Progress)) error {
	c, err := s.runtime.Client(ctx)
	if err != nil {
		return err
	}
	defer s.runtime.BeginTransfer()() // no pruning of its blobs by a server that starts meanwhile
	err = c.ImportSafetensors(ctx, name, dir, quantize, progress)
	s.log.Info("import safetensors", "model", name, "quantize", quantize, "ok", err == nil)
	return err
}

// RemoveModel deletes a model from the runtime.
func (s *Services) RemoveModel(ctx context.Context, name string) error {
	c, err := s.runtime.Client(ctx)
	if err != nil {
		return err
	}
	return c.Delete(ctx, name)
}

// Loaded lists the models in memory and where they run (GPU/CPU).
func (s *Services) Loaded(ctx context.Context) ([]inference.Loaded, error) {
	c, err := s.runtime.Client(ctx)
	if err != nil {
		return nil, err
	}
	return c.Loaded(ctx)
}
