package demomodel

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"math"

	"github.com/ollama/ollama/fs/ggml"
	"github.com/x448/float16"

	"github.com/medgemma-workbench/medgemma-workbench/internal/rng"
)

// Vision input geometry, identical to MedGemma's (and Gemma 3's).
const (
	// ImageSize is the side in pixels of the square image the vision tower
	// takes; Ollama resizes every input image to it.
	ImageSize = 896
	// PatchSize is the side in pixels of one vision patch.
	PatchSize = 14
	// TokensPerImage is how many embeddings one image becomes in the prompt
	// (the 64×64 patch grid average-pooled to 16×16).
	TokensPerImage = 256
)

// ContextLength is the context length the demo model declares: MedGemma
// 4B's own (128K), so that a recipe of 85 slices (about 22,000 prompt
// tokens) fits as it does on the real model.
const ContextLength = 131072

// Tiny dimensions: MedGemma's layout at a fraction of its size. Six text
// layers give Gemma 3's pattern of five sliding-window layers and one global
// one. The vision tower has one layer and one head because its attention
// runs over all 4096 patches, which dominates the time an image takes on a
// CPU. The text and vision widths differ on purpose so that a transposed
// projector fails to load instead of passing unnoticed.
const (
	textHidden   = 64
	textFF       = 128
	textLayers   = 6
	textHeads    = 2
	textKVHeads  = 1
	textHeadDim  = 32
	slidingWin   = 512
	visionHidden = 32
	visionFF     = 64
	visionLayers = 1
	visionHeads  = 1
	numChannels  = 3
	numPatches   = (ImageSize / PatchSize) * (ImageSize / PatchSize)
	weightStd    = 0.02
	normEps      = 1e-6
)

// fill says how a tensor's values are drawn.
type fill int

const (
	fillWeight fill = iota // mean 0, standard deviation weightStd
	fillNorm               // mean 1 (GGUF norm weights include Gemma's +1), small spread
)

// tensor is one generated GGUF tensor. It implements io.WriterTo for
// ggml.WriteGGUF, which writes tensors concurrently; each tensor draws from
// its own random stream seeded from its name, so the bytes do not depend on
// the order the writes run in.
type tensor struct {
	name  string
	shape []uint64 // ggml order: shape[0] is the fastest-varying dimension
	kind  ggml.TensorType
	fill  fill
	// zeroRow, when set, reports rows (runs of shape[0] values) to write as
	// zeros.
	zeroRow func(row int) bool
}

func (t *tensor) elements() uint64 {
	n := uint64(1)
	for _, d := range t.shape {
		n *= d
	}
	return n
}

// WriteTo writes the tensor's little-endian values to w.
func (t *tensor) WriteTo(w io.Writer) (int64, error) {
	var size int
	switch t.kind {
	case ggml.TensorTypeF32:
		size = 4
	case ggml.TensorTypeF16:
		size = 2
	default:
		return 0, fmt.Errorf("tensor %s: unsupported type %v", t.name, t.kind)
	}

	h := fnv.New64a()
	h.Write([]byte(t.name))
	rng := splitMix64(h.Sum64())
	center := 0.0
	if t.fill == fillNorm {
		center = 1
	}

	// Rows (runs of shape[0] values) are encoded into buf and written a
	// batch of rows at a time.
	rowLen := int(t.shape[0])
	rows := int(t.elements()) / rowLen
	rowsPerWrite := max(1, (1<<16)/(rowLen*size))
	buf := make([]byte, 0, rowsPerWrite*rowLen*size)
	var written int64
	for r := range rows {
		zero := t.zeroRow != nil && t.zeroRow(r)
		for range rowLen {
			v := float32(center + weightStd*rng.uniform())
			if zero {
				v = 0
			}
			if size == 4 {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			} else {
				buf = binary.LittleEndian.AppendUint16(buf, float16.Fromfloat32(v).Bits())
			}
		}
		if len(buf)+rowLen*size > cap(buf) || r == rows-1 {
			n, err := w.Write(buf)
			written += int64(n)
			if err != nil {
				return written, fmt.Errorf("tensor %s: %w", t.name, err)
			}
			buf = buf[:0]
		}
	}
	return written, nil
}

// splitMix64 is the workbench's fixed generator ([rng.SplitMix64]), used
// instead of math/rand so that the bytes never change with the Go version.
type splitMix64 rng.SplitMix64

func (s *splitMix64) next() uint64 { return (*rng.SplitMix64)(s).Next() }

// uniform returns a value uniform on [-√3, √3): mean 0, variance 1.
func (s *splitMix64) uniform() float64 {
	u := float64(s.next()>>11) / (1 << 53)
	return (2*u - 1) * math.Sqrt(3)
}

// tensors lists every tensor of the demo model, named and shaped as
// Ollama's gemma3 model (model/models/gemma3) loads them.
func tensors(v *vocabulary) []*ggml.Tensor {
	var ts []*tensor
	add := func(name string, f fill, shape ...uint64) *tensor {
		t := &tensor{name: name, shape: shape, kind: ggml.TensorTypeF32, fill: f}
		ts = append(ts, t)
		return t
	}
	linear := func(prefix string, in, out uint64, bias bool) {
		add(prefix+".weight", fillWeight, in, out)
		if bias {
			add(prefix+".bias", fillWeight, out)
		}
	}

	// Text decoder. The output projection is tied to token_embd.
	embd := add("token_embd.weight", fillWeight, textHidden, VocabSize)
	embd.kind = ggml.TensorTypeF16
	embd.zeroRow = v.silent
	add("output_norm.weight", fillNorm, textHidden)
	for i := range textLayers {
		p := fmt.Sprintf("blk.%d.", i)
		add(p+"attn_norm.weight", fillNorm, textHidden)
		linear(p+"attn_q", textHidden, textHeads*textHeadDim, false)
		add(p+"attn_q_norm.weight", fillNorm, textHeadDim)
		linear(p+"attn_k", textHidden, textKVHeads*textHeadDim, false)
		add(p+"attn_k_norm.weight", fillNorm, textHeadDim)
		linear(p+"attn_v", textHidden, textKVHeads*textHeadDim, false)
		linear(p+"attn_output", textHeads*textHeadDim, textHidden, false)
		add(p+"post_attention_norm.weight", fillNorm, textHidden)
		add(p+"ffn_norm.weight", fillNorm, textHidden)
		linear(p+"ffn_gate", textHidden, textFF, false)
		linear(p+"ffn_up", textHidden, textFF, false)
		linear(p+"ffn_down", textFF, textHidden, false)
		add(p+"post_ffw_norm.weight", fillNorm, textHidden)
	}

	// SigLIP vision tower.
	add("v.patch_embedding.weight", fillWeight, PatchSize, PatchSize, numChannels, visionHidden)
	add("v.patch_embedding.bias", fillWeight, visionHidden)
	add("v.position_embedding.weight", fillWeight, visionHidden, numPatches)
	for i := range visionLayers {
		p := fmt.Sprintf("v.blk.%d.", i)
		add(p+"layer_norm1.weight", fillNorm, visionHidden)
		add(p+"layer_norm1.bias", fillWeight, visionHidden)
		for _, n := range []string{"attn_q", "attn_k", "attn_v", "attn_output"} {
			linear(p+n, visionHidden, visionHidden, true)
		}
		add(p+"layer_norm2.weight", fillNorm, visionHidden)
		add(p+"layer_norm2.bias", fillWeight, visionHidden)
		linear(p+"mlp.fc1", visionHidden, visionFF, true)
		linear(p+"mlp.fc2", visionFF, visionHidden, true)
	}
	add("v.post_layernorm.weight", fillNorm, visionHidden)
	add("v.post_layernorm.bias", fillWeight, visionHidden)

	// Multimodal projector: pooled vision embeddings into the text width.
	// Ollama transposes this weight before multiplying, so it is stored as
	// [text, vision] in ggml order, like PyTorch's [vision, text] reversed.
	add("mm.mm_soft_emb_norm.weight", fillNorm, visionHidden)
	add("mm.mm_input_projection.weight", fillWeight, textHidden, visionHidden)

	out := make([]*ggml.Tensor, len(ts))
	for i, t := range ts {
		out[i] = &ggml.Tensor{Name: t.name, Kind: uint32(t.kind), Shape: t.shape, WriterTo: t}
	}
	return out
}

// parameterCount is the number of weights in ts.
func parameterCount(ts []*ggml.Tensor) uint64 {
	var n uint64
	for _, t := range ts {
		n += t.Elements()
	}
	return n
}
