package inference

import (
	"context"
	"fmt"
	"strings"
)

// ImportSpec says what to import as a model: a GGUF file or a Hugging Face
// safetensors folder, under Name, optionally quantized.
type ImportSpec struct {
	// Name is the model name to create ("medgemma-local").
	Name string
	// GGUF is a .gguf file; Safetensors a Hugging Face download folder
	// (config.json, *.safetensors, tokenizer files). Exactly one is set.
	GGUF        string
	Safetensors string
	// Quantize is "" (keep the weights as they are) or one of
	// [Quantizations].
	Quantize string
}

// Validate checks the spec's shape without touching the files. Its error
// wraps [ErrBadModelFile].
func (s ImportSpec) Validate() error {
	switch {
	case strings.TrimSpace(s.Name) == "":
		return fmt.Errorf("import: give the new model a name: %w", ErrBadModelFile)
	case (s.GGUF == "") == (s.Safetensors == ""):
		return fmt.Errorf("import %s: give either a GGUF file or a Hugging Face folder: %w", s.Name, ErrBadModelFile)
	case s.Quantize != "" && !isQuantization(s.Quantize):
		return fmt.Errorf("import %s: quantization %q is not supported; use one of %s: %w", s.Name, s.Quantize, strings.Join(Quantizations, ", "), ErrBadModelFile)
	}
	return nil
}

// Import creates a model as spec says, from a GGUF file or a Hugging Face
// folder; see [Client.ImportGGUF] and [Client.ImportSafetensors].
func (c *Client) Import(ctx context.Context, spec ImportSpec, progress func(Progress)) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	if spec.GGUF != "" {
		return c.ImportGGUF(ctx, spec.Name, spec.GGUF, spec.Quantize, progress)
	}
	return c.ImportSafetensors(ctx, spec.Name, spec.Safetensors, spec.Quantize, progress)
}
