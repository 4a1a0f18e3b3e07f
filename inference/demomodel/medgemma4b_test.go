package demomodel

import (
	"bytes"
	"slices"
	"testing"

	"github.com/ollama/ollama/fs/ggml"
)

func TestMedGemma4BShapes(t *testing.T) {
	v := newVocabularySize(m4bVocabSize)
	if len(v.tokens) != m4bVocabSize {
		t.Fatalf("%d tokens, want %d", len(v.tokens), m4bVocabSize)
	}
	seen := make(map[string]bool, len(v.tokens))
	for _, s := range v.tokens {
		if seen[s] {
			t.Fatalf("token %q twice", s)
		}
		seen[s] = true
	}
	base := newVocabulary()
	if !slices.Equal(v.tokens[:VocabSize], base.tokens) {
		t.Error("the 4B vocabulary does not start with the demo vocabulary")
	}

	ts := tensors4B(v)
	var bytes, params uint64
	shapes := map[string][]uint64{
		"token_embd.weight":             {2560, 262208},
		"blk.33.attn_q.weight":          {2560, 2048},
		"blk.33.attn_k.weight":          {2560, 1024},
		"blk.0.ffn_down.weight":         {10240, 2560},
		"v.blk.26.mlp.fc1.weight":       {1152, 4304},
		"v.position_embedding.weight":   {1152, 4096},
		"mm.mm_input_projection.weight": {2560, 1152},
	}
	for _, tt := range ts {
		bytes += tt.Size()
		params += tt.Elements()
		if want, ok := shapes[tt.Name]; ok {
			if !slices.Equal(tt.Shape, want) {
				t.Errorf("%s shape %v, want %v", tt.Name, tt.Shape, want)
			}
			delete(shapes, tt.Name)
		}
	}
	for name := range shapes {
		t.Errorf("tensor %s missing", name)
	}
	t.Logf("%d tensors, %d parameters, %.2f GB", len(ts), params, float64(bytes)/1e9)
	if params < 4.2e9 || params > 4.4e9 {
		t.Errorf("%d parameters, want MedGemma 4B's 4.3 billion", params)
	}
	m := kv4B(v, params)
	for key, want := range map[string]uint32{"block_count": 34, "vision.block_count": 27, "attention.head_count_kv": 4} {
		if got := m[key]; got != want {
			t.Errorf("%s = %v, want %d", key, got, want)
		}
	}
}

func TestLUTTensorIsDeterministic(t *testing.T) {
	v := newVocabulary()
	for _, kind := range []ggml.TensorType{ggml.TensorTypeF16, ggml.TensorTypeF32} {
		mk := func() *lutTensor {
			return &lutTensor{name: "blk.0.x.weight", shape: []uint64{2560, 500}, kind: kind, fill: fillWeight, zeroRow: v.silent}
		}
		var a, b bytes.Buffer
		if _, err := mk().WriteTo(&a); err != nil {
			t.Fatal(err)
		}
		if _, err := mk().WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		size := 2
		if kind == ggml.TensorTypeF32 {
			size = 4
		}
		if a.Len() != 2560*500*size || !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("%v: %d bytes, deterministic %v", kind, a.Len(), bytes.Equal(a.Bytes(), b.Bytes()))
		}
		// Row 0 (<pad>) is silent, row 200 (a byte token) too, row 400 is ordinary.
		row := func(r int) []byte { return a.Bytes()[r*2560*size : (r+1)*2560*size] }
		if !isZero(row(0)) || !isZero(row(200)) || isZero(row(400)) {
			t.Errorf("%v: silent rows not zero or an ordinary row zero", kind)
		}
	}
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func BenchmarkLUTFill(b *testing.B) {
	lut := valueTable(fillWeight, 2)
	buf := make([]byte, 1<<20)
	rng := splitMix64(1)
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		fillFromTable(buf, lut, 2, &rng)
	}
}
