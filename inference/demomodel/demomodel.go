// Package demomodel generates the offline demo model: a tiny GGUF with
// MedGemma's architecture (a Gemma 3 text decoder, a SigLIP vision tower
// taking 896×896 images in 14-pixel patches, and the projector that turns an
// image into 256 prompt tokens) and deterministic random weights.
//
// Ollama loads it with the same code that runs MedGemma, so the whole path —
// image preparation, upload, prompt assembly, streaming, cancellation and
// accounting — can be exercised without downloading gigabytes of weights.
// Its answers are noise: fake words, never a medical statement.
package demomodel

import (
	"fmt"
	"io"
	"os"

	"github.com/ollama/ollama/fs/ggml"

	"github.com/medgemma-workbench/medgemma-workbench/internal/atomicfile"
	"github.com/medgemma-workbench/medgemma-workbench/internal/digest"
)

// Architecture is the GGUF general.architecture of the demo model, the one
// Ollama's gemma3 model code registers.
const Architecture = "gemma3"

// kv returns the GGUF metadata. Keys without a "general." or "tokenizer."
// prefix get the architecture prefix when written. Integer values are uint32
// and reals float32 because those are the types Ollama's readers ask for.
func kv(v *vocabulary, params uint64) ggml.KV {
	return ggml.KV{
		"general.architecture":    Architecture,
		"general.name":            "demo-medgemma-arch",
		"general.description":     "MedGemma architecture with random weights; output is noise",
		"general.file_type":       uint32(1), // mostly F16
		"general.parameter_count": params,

		"context_length":                      uint32(ContextLength),
		"embedding_length":                    uint32(textHidden),
		"feed_forward_length":                 uint32(textFF),
		"block_count":                         uint32(textLayers),
		"attention.head_count":                uint32(textHeads),
		"attention.head_count_kv":             uint32(textKVHeads),
		"attention.key_length":                uint32(textHeadDim),
		"attention.value_length":              uint32(textHeadDim),
		"attention.layer_norm_rms_epsilon":    float32(normEps),
		"attention.sliding_window":            uint32(slidingWin),
		"rope.freq_base":                      float32(1_000_000),
		"rope.local.freq_base":                float32(10_000),
		"mm_tokens_per_image":                 uint32(TokensPerImage),
		"vision.block_count":                  uint32(visionLayers),
		"vision.embedding_length":             uint32(visionHidden),
		"vision.feed_forward_length":          uint32(visionFF),
		"vision.attention.head_count":         uint32(visionHeads),
		"vision.attention.layer_norm_epsilon": float32(normEps),
		"vision.image_size":                   uint32(ImageSize),
		"vision.patch_size":                   uint32(PatchSize),
		"vision.num_channels":                 uint32(numChannels),

		"tokenizer.ggml.model":            "llama", // SentencePiece
		"tokenizer.ggml.pre":              "default",
		"tokenizer.ggml.tokens":           v.tokens,
		"tokenizer.ggml.scores":           v.scores,
		"tokenizer.ggml.token_type":       v.types,
		"tokenizer.ggml.bos_token_id":     uint32(bosID),
		"tokenizer.ggml.eos_token_id":     uint32(eosID),
		"tokenizer.ggml.eot_token_id":     uint32(endOfTurnID),
		"tokenizer.ggml.padding_token_id": uint32(padID),
		"tokenizer.ggml.unknown_token_id": uint32(unkID),
		"tokenizer.ggml.add_bos_token":    true,
		"tokenizer.ggml.add_eos_token":    false,
		"tokenizer.chat_template":         chatTemplate,
	}
}

// Write writes the demo GGUF to path (deterministic: same bytes every call)
// and returns its "sha256:<hex>" digest. The file is written next to path
// under a temporary name and renamed into place, so a reader never sees half
// a model.
func Write(path string) (digest string, err error) {
	v := newVocabulary()
	ts := tensors(v)

	return writeGGUF(path, "write demo model", kv(v, parameterCount(ts)), ts)
}

// writeGGUF writes a GGUF of kv and ts to path atomically (atomicfile) and
// returns its "sha256:<hex>" digest; what names it in errors.
func writeGGUF(path, what string, kv ggml.KV, ts []*ggml.Tensor) (digest string, err error) {
	err = atomicfile.WriteOS(path, 0o600, func(f *os.File) error {
		if err := ggml.WriteGGUF(f, kv, ts); err != nil {
			return err
		}
		digest, err = openDigest(f)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	return digest, nil
}

// openDigest returns the "sha256:<hex>" digest of the whole of the open
// file f, read from its start.
func openDigest(f *os.File) (string, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	return digest.Of(f)
}
