package demomodel

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ollama/ollama/fs/ggml"

	"github.com/medgemma-workbench/medgemma-workbench/internal/atomicfile"
)

// WriteTextOnly writes the demo model without its vision tower and
// projector, as a GGUF converted by a tool that drops them, and returns
// its digest. Ollama imports it as a text-only model: it has no "vision"
// capability and cannot take images.
func WriteTextOnly(path string) (digest string, err error) {
	v := newVocabulary()
	var ts []*ggml.Tensor
	for _, t := range tensors(v) {
		if !strings.HasPrefix(t.Name, "v.") && !strings.HasPrefix(t.Name, "mm.") {
			ts = append(ts, t)
		}
	}
	meta := kv(v, parameterCount(ts))
	for k := range meta {
		if strings.HasPrefix(k, "vision.") || k == "mm_tokens_per_image" {
			delete(meta, k)
		}
	}
	meta["general.name"] = "demo-medgemma-arch-text-only"

	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("write text-only demo model: %w", err)
	}
	defer func() {
		f.Close()
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	if err := ggml.WriteGGUF(f, meta, ts); err != nil {
		return "", fmt.Errorf("write text-only demo model %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("write text-only demo model %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("write text-only demo model %s: %w", path, err)
	}
	if digest, err = fileDigest(f.Name()); err != nil {
		return "", err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return "", fmt.Errorf("write text-only demo model: %w", err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(path)); err != nil {
		return "", fmt.Errorf("write text-only demo model: %w", err)
	}
	return digest, nil
}
