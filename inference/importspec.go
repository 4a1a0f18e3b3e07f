package inference

import (
	"context"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// Import creates a model as spec says, from a GGUF file or a Hugging Face
// folder; see [Client.ImportGGUF] and [Client.ImportSafetensors].
func (c *Client) Import(ctx context.Context, spec core.ImportSpec, progress func(core.Progress)) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	if spec.GGUF != "" {
		return c.ImportGGUF(ctx, spec.Name, spec.GGUF, spec.Quantize, progress)
	}
	return c.ImportSafetensors(ctx, spec.Name, spec.Safetensors, spec.Quantize, progress)
}
