package demomodel

import (
	"strings"

	"github.com/ollama/ollama/fs/ggml"
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

	return writeGGUF(path, "write text-only demo model", meta, ts)
}
