package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/inference/demomodel"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// This file is the models service (ui.ModelsBackend): the runtime's
// models, pulling, importing and removing them, the demo model, and the
// default model. The command line's models shares it.

// ModelFacts returns the facts of every installed model (digest,
// parameters, quantization, context length, capabilities).
func (s *Services) ModelFacts(ctx context.Context) ([]core.Facts, error) {
	c, err := s.runtime.Client(ctx)
	if err != nil {
		return nil, err
	}
	models, err := c.Models(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]core.Facts, 0, len(models))
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
func (s *Services) Pull(ctx context.Context, name string, every time.Duration, progress func(core.Progress)) error {
	err := s.transfer(ctx, func(c *inference.Client) error { return c.Pull(ctx, name, every, progress) })
	s.log.Info("pull", "model", name, "ok", err == nil)
	return err
}

// transfer runs move, which brings a model's blobs into the runtime, on
// its client with a transfer begun: no server that starts meanwhile
// prunes those blobs.
func (s *Services) transfer(ctx context.Context, move func(*inference.Client) error) error {
	c, err := s.runtime.Client(ctx)
	if err != nil {
		return err
	}
	defer s.runtime.BeginTransfer()()
	return move(c)
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
func (s *Services) Loaded(ctx context.Context) ([]core.Loaded, error) {
	c, err := s.runtime.Client(ctx)
	if err != nil {
		return nil, err
	}
	return c.Loaded(ctx)
}

// Import creates a model from a GGUF file or a Hugging Face folder, as
// `models import` does.
func (s *Services) Import(ctx context.Context, spec core.ImportSpec, progress func(core.Progress)) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	err := s.transfer(ctx, func(c *inference.Client) error { return c.Import(ctx, spec, progress) })
	s.log.Info("import", "model", spec.Name, "gguf", spec.GGUF != "", "quantize", spec.Quantize, "ok", err == nil)
	return err
}

// RuntimeMissing is the set-up error when the managed runtime's binary
// was not found, else nil.
func (s *Services) RuntimeMissing() error { return s.runtime.Missing() }

// Models lists the runtime's models, starting it if needed.
func (s *Services) Models(ctx context.Context) ([]core.Model, error) {
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
	return "", fmt.Errorf("no models installed: run `medgemma-workbench models pull medgemma` (needs the internet) or `medgemma-workbench models demo` (offline, %s): %w", core.DemoModelLabel, inference.ErrUnknownModel)
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
	path := filepath.Join(dir, core.DemoModelName+".gguf")
	if _, err := demomodel.Write(path); err != nil {
		return fmt.Errorf("demo model: %w", err)
	}
	// The same import path as `models import --gguf`.
	defer s.runtime.BeginTransfer()()
	if err := c.ImportGGUF(ctx, core.DemoModelName, path, "", nil); err != nil {
		return fmt.Errorf("demo model: %w", err)
	}
	s.log.Info("demo model installed", "model", core.DemoModelName)
	return nil
}
