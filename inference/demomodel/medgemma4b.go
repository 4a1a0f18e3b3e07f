package demomodel

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"math"

	"github.com/ollama/ollama/fs/ggml"

	"github.com/x448/float16"
)

// MedGemma 4B's dimensions, from google/medgemma-4b-it's config.json
// (text_config and vision_config). The 4B model is shape-faithful: every
// tensor has the real model's name, shape and (in F16) type, so memory use
// and speed are the real model's; only the weight values are random.
const (
	m4bTextHidden   = 2560
	m4bTextFF       = 10240
	m4bTextLayers   = 34
	m4bTextHeads    = 8
	m4bTextKVHeads  = 4
	m4bTextHeadDim  = 256
	m4bSlidingWin   = 1024
	m4bContext      = 131072 // max_position_embeddings
	m4bVocabSize    = 262208 // vocab_size: Gemma 3's 262144 tokens plus padding
	m4bVisionHidden = 1152
	m4bVisionFF     = 4304
	m4bVisionLayers = 27
	m4bVisionHeads  = 16
)

// MedGemma4BName is the model name the benchmark gives the F16 4B model.
const MedGemma4BName = "medgemma-4b-shape"

// Write4B writes a GGUF with MedGemma 4B's exact architecture and shapes —
// Gemma 3 text decoder (34 layers, 2560 wide, 8 query and 4 KV heads of 256,
// FFN 10240, vocabulary 262208, sliding window 1024 on five layers of six),
// SigLIP vision tower (27 layers, 1152 wide, FFN 4304, 16 heads, 896 px,
// patch 14) and the projector to 256 image tokens — in F16 (about 8.6 GB)
// with deterministic random weights, and returns its "sha256:<hex>" digest.
// Its output is noise; it exists to measure speed and memory. Weights are
// drawn from a lookup table indexed by a cheap generator, so writing is
// limited by the disk, not the CPU.
func Write4B(path string) (digest string, err error) {
	v := newVocabularySize(m4bVocabSize)
	ts := tensors4B(v)

	return writeGGUF(path, "write 4B model", kv4B(v, parameterCount(ts)), ts)
}

// newVocabularySize is the demo vocabulary grown to n tokens with more
// filler words (n ≥ VocabSize); the first VocabSize tokens are the demo
// vocabulary's.
func newVocabularySize(n int) *vocabulary {
	v := newVocabulary()
	used := make(map[string]bool, n)
	for _, s := range v.tokens {
		used[s] = true
	}
	var k uint64
	for len(v.tokens) < n {
		w := fillerWord(k)
		k++
		if used[w] {
			continue
		}
		used[w] = true
		v.tokens = append(v.tokens, w)
		v.scores = append(v.scores, -1000)
		v.types = append(v.types, tokenUnused)
	}
	return v
}

// kv4B is the GGUF metadata of the 4B model: the demo model's, with the
// 4B dimensions.
func kv4B(v *vocabulary, params uint64) ggml.KV {
	m := kv(v, params)
	for k, val := range map[string]any{
		"general.name":                MedGemma4BName,
		"general.description":         "MedGemma 4B architecture and shapes with random weights; output is noise",
		"context_length":              uint32(m4bContext),
		"embedding_length":            uint32(m4bTextHidden),
		"feed_forward_length":         uint32(m4bTextFF),
		"block_count":                 uint32(m4bTextLayers),
		"attention.head_count":        uint32(m4bTextHeads),
		"attention.head_count_kv":     uint32(m4bTextKVHeads),
		"attention.key_length":        uint32(m4bTextHeadDim),
		"attention.value_length":      uint32(m4bTextHeadDim),
		"attention.sliding_window":    uint32(m4bSlidingWin),
		"vision.block_count":          uint32(m4bVisionLayers),
		"vision.embedding_length":     uint32(m4bVisionHidden),
		"vision.feed_forward_length":  uint32(m4bVisionFF),
		"vision.attention.head_count": uint32(m4bVisionHeads),
	} {
		m[k] = val
	}
	return m
}

// tensors4B lists the 4B model's tensors, named as in tensors and typed as
// a Hugging Face to GGUF F16 conversion types them: matrices F16, norms,
// biases and the patch and position embeddings F32.
func tensors4B(v *vocabulary) []*ggml.Tensor {
	var ts []*lutTensor
	add := func(name string, kind ggml.TensorType, f fill, shape ...uint64) *lutTensor {
		t := &lutTensor{name: name, shape: shape, kind: kind, fill: f}
		ts = append(ts, t)
		return t
	}
	norm := func(name string, n uint64) { add(name, ggml.TensorTypeF32, fillNorm, n) }
	matrix := func(name string, in, out uint64) { add(name, ggml.TensorTypeF16, fillWeight, in, out) }
	linearBias := func(prefix string, in, out uint64) {
		matrix(prefix+".weight", in, out)
		add(prefix+".bias", ggml.TensorTypeF32, fillWeight, out)
	}

	// Text decoder; the output projection is tied to token_embd, whose rows
	// for special tokens are zero so that greedy decoding never ends early.
	embd := add("token_embd.weight", ggml.TensorTypeF16, fillWeight, m4bTextHidden, m4bVocabSize)
	embd.zeroRow = v.silent
	norm("output_norm.weight", m4bTextHidden)
	const q, kvw = m4bTextHeads * m4bTextHeadDim, m4bTextKVHeads * m4bTextHeadDim
	for i := range m4bTextLayers {
		p := fmt.Sprintf("blk.%d.", i)
		norm(p+"attn_norm.weight", m4bTextHidden)
		matrix(p+"attn_q.weight", m4bTextHidden, q)
		norm(p+"attn_q_norm.weight", m4bTextHeadDim)
		matrix(p+"attn_k.weight", m4bTextHidden, kvw)
		norm(p+"attn_k_norm.weight", m4bTextHeadDim)
		matrix(p+"attn_v.weight", m4bTextHidden, kvw)
		matrix(p+"attn_output.weight", q, m4bTextHidden)
		norm(p+"post_attention_norm.weight", m4bTextHidden)
		norm(p+"ffn_norm.weight", m4bTextHidden)
		matrix(p+"ffn_gate.weight", m4bTextHidden, m4bTextFF)
		matrix(p+"ffn_up.weight", m4bTextHidden, m4bTextFF)
		matrix(p+"ffn_down.weight", m4bTextFF, m4bTextHidden)
		norm(p+"post_ffw_norm.weight", m4bTextHidden)
	}

	// SigLIP vision tower.
	add("v.patch_embedding.weight", ggml.TensorTypeF32, fillWeight, PatchSize, PatchSize, numChannels, m4bVisionHidden)
	add("v.patch_embedding.bias", ggml.TensorTypeF32, fillWeight, m4bVisionHidden)
	add("v.position_embedding.weight", ggml.TensorTypeF32, fillWeight, m4bVisionHidden, numPatches)
	for i := range m4bVisionLayers {
		p := fmt.Sprintf("v.blk.%d.", i)
		norm(p+"layer_norm1.weight", m4bVisionHidden)
		add(p+"layer_norm1.bias", ggml.TensorTypeF32, fillWeight, m4bVisionHidden)
		for _, n := range []string{"attn_q", "attn_k", "attn_v", "attn_output"} {
			linearBias(p+n, m4bVisionHidden, m4bVisionHidden)
		}
		norm(p+"layer_norm2.weight", m4bVisionHidden)
		add(p+"layer_norm2.bias", ggml.TensorTypeF32, fillWeight, m4bVisionHidden)
		linearBias(p+"mlp.fc1", m4bVisionHidden, m4bVisionFF)
		linearBias(p+"mlp.fc2", m4bVisionFF, m4bVisionHidden)
	}
	norm("v.post_layernorm.weight", m4bVisionHidden)
	add("v.post_layernorm.bias", ggml.TensorTypeF32, fillWeight, m4bVisionHidden)

	// Projector, stored [text, vision] in ggml order as in tensors.
	norm("mm.mm_soft_emb_norm.weight", m4bVisionHidden)
	matrix("mm.mm_input_projection.weight", m4bTextHidden, m4bVisionHidden)

	out := make([]*ggml.Tensor, len(ts))
	for i, t := range ts {
		out[i] = &ggml.Tensor{Name: t.name, Kind: uint32(t.kind), Shape: t.shape, WriterTo: t}
	}
	return out
}

// lutBits is the width of a lookup-table index: each 64-bit draw of the
// generator yields four 16-bit indices.
const lutBits = 16

// lutTensor is a tensor whose values are drawn from a table of 65536
// precomputed values (uniform, mean 0 or 1, standard deviation weightStd),
// many times faster than converting one draw per value. Like
// tensor, each tensor's stream is seeded from its name.
type lutTensor struct {
	name    string
	shape   []uint64
	kind    ggml.TensorType
	fill    fill
	zeroRow func(row int) bool
}

// WriteTo writes the tensor's little-endian values to w.
func (t *lutTensor) WriteTo(w io.Writer) (int64, error) {
	size := 2
	switch t.kind {
	case ggml.TensorTypeF16:
	case ggml.TensorTypeF32:
		size = 4
	default:
		return 0, fmt.Errorf("tensor %s: unsupported type %v", t.name, t.kind)
	}
	lut := valueTable(t.fill, size)

	h := fnv.New64a()
	h.Write([]byte(t.name))
	rng := splitMix64(h.Sum64())

	rowLen := int(t.shape[0])
	n := 1
	for _, d := range t.shape {
		n *= int(d)
	}
	rows := n / rowLen
	rowBytes := rowLen * size
	rowsPerWrite := max(1, (1<<20)/rowBytes)
	buf := make([]byte, rowsPerWrite*rowBytes)
	var written int64
	for r := 0; r < rows; r += rowsPerWrite {
		batch := min(rowsPerWrite, rows-r)
		b := buf[:batch*rowBytes]
		fillFromTable(b, lut, size, &rng)
		if t.zeroRow != nil {
			for i := range batch {
				if t.zeroRow(r + i) {
					clear(b[i*rowBytes : (i+1)*rowBytes])
				}
			}
		}
		n, err := w.Write(b)
		written += int64(n)
		if err != nil {
			return written, fmt.Errorf("tensor %s: %w", t.name, err)
		}
	}
	return written, nil
}

// fillFromTable fills b with values of size bytes (2 or 4) taken from lut
// (which holds them encoded) at indices drawn from rng, four per draw.
func fillFromTable(b, lut []byte, size int, rng *splitMix64) {
	le := binary.LittleEndian
	i := 0
	if size == 2 {
		for ; i+8 <= len(b); i += 8 {
			x := rng.next()
			v := uint64(le.Uint16(lut[2*(x&0xffff):])) |
				uint64(le.Uint16(lut[2*(x>>16&0xffff):]))<<16 |
				uint64(le.Uint16(lut[2*(x>>32&0xffff):]))<<32 |
				uint64(le.Uint16(lut[2*(x>>48):]))<<48
			le.PutUint64(b[i:], v)
		}
	} else {
		for ; i+16 <= len(b); i += 16 {
			x := rng.next()
			le.PutUint32(b[i:], le.Uint32(lut[4*(x&0xffff):]))
			le.PutUint32(b[i+4:], le.Uint32(lut[4*(x>>16&0xffff):]))
			le.PutUint32(b[i+8:], le.Uint32(lut[4*(x>>32&0xffff):]))
			le.PutUint32(b[i+12:], le.Uint32(lut[4*(x>>48):]))
		}
	}
	x := rng.next()
	for ; i < len(b); i += size {
		j := int(x&0xffff) * size
		x >>= lutBits
		copy(b[i:i+size], lut[j:j+size])
	}
}

// valueTable returns the 65536 values of a fill, evenly spaced quantiles of
// the uniform distribution with mean 0 (or 1 for norms) and standard
// deviation weightStd, little-endian F16 (size 2) or F32 (size 4).
func valueTable(f fill, size int) []byte {
	const n = 1 << lutBits
	center := 0.0
	if f == fillNorm {
		center = 1
	}
	b := make([]byte, 0, n*size)
	for i := range n {
		u := (float64(i)+0.5)/n*2 - 1
		v := float32(center + weightStd*u*math.Sqrt(3))
		if size == 4 {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		} else {
			b = binary.LittleEndian.AppendUint16(b, float16.Fromfloat32(v).Bits())
		}
	}
	return b
}
