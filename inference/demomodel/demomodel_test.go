package demomodel

import (
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/ollama/ollama/fs/ggml"
	"github.com/ollama/ollama/tokenizer"
)

func TestWriteIsDeterministic(t *testing.T) {
	path, a := sharedModel(t)
	b, err := Write(filepath.Join(t.TempDir(), "again.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Errorf("two writes differ: %s and %s", a, b)
	}
	got, err := fileDigest(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != a {
		t.Errorf("Write returned %s, the file hashes to %s", a, got)
	}
	t.Logf("digest %s", a)
}

var shared struct {
	once   sync.Once
	dir    string
	path   string
	digest string
	err    error
}

// TestMain removes the model file the tests share.
func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// sharedModel writes the demo model once per test binary (a write takes a
// few seconds) and returns its path and digest.
func sharedModel(t *testing.T) (path, digest string) {
	t.Helper()
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "demomodel-test-")
		if shared.err != nil {
			return
		}
		shared.path = filepath.Join(shared.dir, "demo.gguf")
		shared.digest, shared.err = Write(shared.path)
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.path, shared.digest
}

// decode reads the shared demo model back with Ollama's own decoder.
func decode(t *testing.T) *ggml.GGML {
	t.Helper()
	path, _ := sharedModel(t)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := ggml.Decode(f, -1)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	t.Logf("%s: %.1f MB", path, float64(g.Length)/1e6)
	return g
}

func TestLayout(t *testing.T) {
	g := decode(t)
	kv := g.KV()

	if got := kv.Architecture(); got != Architecture {
		t.Errorf("architecture %q, want %q", got, Architecture)
	}
	if !kv.OllamaEngineRequired() {
		t.Error("not routed to Ollama's new engine")
	}
	for _, key := range []string{"vision.block_count", "mm_tokens_per_image"} {
		if kv.Uint(key) == 0 {
			t.Errorf("%s missing", key)
		}
	}
	if _, ok := kv["gemma3.pooling_type"]; ok {
		t.Error("pooling_type set: Ollama would take the model for an embedding model")
	}

	var params uint64
	for _, tt := range g.Tensors().Items() {
		params += tt.Elements()
	}
	t.Logf("%d tensors, %d parameters", len(g.Tensors().Items()), params)

	shapes := map[string][]uint64{
		"token_embd.weight":             {textHidden, VocabSize},
		"v.patch_embedding.weight":      {PatchSize, PatchSize, 3, visionHidden},
		"v.position_embedding.weight":   {visionHidden, (ImageSize / PatchSize) * (ImageSize / PatchSize)},
		"mm.mm_input_projection.weight": {textHidden, visionHidden},
		"blk.5.attn_k.weight":           {textHidden, textKVHeads * textHeadDim},
		"v.blk.0.mlp.fc2.bias":          {visionHidden},
	}
	found := map[string]bool{}
	for _, tt := range g.Tensors().Items() {
		if want, ok := shapes[tt.Name]; ok {
			found[tt.Name] = true
			if !slices.Equal(tt.Shape, want) {
				t.Errorf("%s shape %v, want %v", tt.Name, tt.Shape, want)
			}
		}
	}
	for name := range shapes {
		if !found[name] {
			t.Errorf("tensor %s missing", name)
		}
	}
	if got, want := shapes["v.position_embedding.weight"][1], uint64(4096); got != want {
		t.Errorf("%d position embeddings, want %d", got, want)
	}
}

func TestVocabulary(t *testing.T) {
	g := decode(t)
	kv := g.KV()
	tokens := kv.Strings("tokenizer.ggml.tokens")
	types := kv.Ints("tokenizer.ggml.token_type")
	if len(tokens) != VocabSize || len(types) != VocabSize {
		t.Fatalf("%d tokens, %d types, want %d", len(tokens), len(types), VocabSize)
	}
	seen := make(map[string]int, len(tokens))
	for id, s := range tokens {
		if prev, ok := seen[s]; ok {
			t.Fatalf("token %q at %d and %d", s, prev, id)
		}
		seen[s] = id
	}
	fixed := []struct {
		id    int
		token string
	}{
		{0, "<pad>"}, {1, "<eos>"}, {2, "<bos>"}, {3, "<unk>"},
		{105, "<start_of_turn>"}, {106, "<end_of_turn>"}, {108, "\n\n"},
		{255999, "<start_of_image>"}, {256000, "<end_of_image>"},
	}
	for _, f := range fixed {
		if tokens[f.id] != f.token {
			t.Errorf("token %d is %q, want %q", f.id, tokens[f.id], f.token)
		}
	}

	vocab := &tokenizer.Vocabulary{
		Values: tokens,
		Scores: kv.Floats("tokenizer.ggml.scores"),
		Types:  types,
		BOS:    []int32{int32(kv.Uint("tokenizer.ggml.bos_token_id"))},
		EOS:    []int32{int32(kv.Uint("tokenizer.ggml.eos_token_id"))},
		AddBOS: true,
	}
	spm := tokenizer.NewSentencePiece(vocab)
	tests := []struct {
		text string
		want []string // nil: only check that no byte fallback is needed
	}{
		{"Describe this image.", []string{"<bos>", "Describe", "▁this", "▁image", "."}},
		{"<start_of_turn>user\nHi<end_of_turn>\n", []string{"<bos>", "<start_of_turn>", "user", "\n", "H", "i", "<end_of_turn>", "\n"}},
		{"Findings: no acute cardiopulmonary process (see report).", nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			ids, err := spm.Encode(tt.text, true)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, id := range ids {
				got = append(got, tokens[id])
				if types[id] == tokenByte || types[id] == tokenUnknown {
					t.Errorf("piece %q fell back to %q", tt.text, tokens[id])
				}
			}
			if tt.want != nil && !slices.Equal(got, tt.want) {
				t.Errorf("encode %q = %q, want %q", tt.text, got, tt.want)
			}
			text, err := spm.Decode(ids[1:])
			if err != nil {
				t.Fatal(err)
			}
			if text != tt.text {
				t.Errorf("round trip %q, got %q", tt.text, text)
			}
		})
	}
}

func TestFillerWords(t *testing.T) {
	tests := []struct {
		n    uint64
		want string
	}{
		{0, "▁ba"},
		{1, "▁be"},
		{69, "▁zu"},
		{70, "▁baba"},
	}
	for _, tt := range tests {
		if got := fillerWord(tt.n); got != tt.want {
			t.Errorf("fillerWord(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// fileDigest returns the "sha256:<hex>" digest of the file at path.
func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return openDigest(f)
}
