package app

import (
	"context"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/ui"
)

var _ ui.Backend = (*Services)(nil)

// Import creates a model from a GGUF file or a Hugging Face folder, as
// `models import` does.
func (s *Services) Import(ctx context.Context, spec inference.ImportSpec, progress func(inference.Progress)) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	c, err := s.runtime.Client(ctx)
	if err != nil {
		return err
	}
	defer s.runtime.BeginTransfer()() // no pruning of its blobs by a server that starts meanwhile
	err = c.Import(ctx, spec, progress)
	s.log.Info("import", "model", spec.Name, "gguf", spec.GGUF != "", "quantize", spec.Quantize, "ok", err == nil)
	return err
}

// RuntimeMissing is the set-up error when the managed runtime's binary
// was not found, else nil.
func (s *Services) RuntimeMissing() error { return s.runtime.Missing() }
