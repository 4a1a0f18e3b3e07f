package demomodel

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// WriteHF writes the demo model as a Hugging Face download of a
// Gemma3ForConditionalGeneration checkpoint, laid out like
// google/medgemma-4b-it: config.json, model.safetensors (the Hugging Face
// tensor names and PyTorch shapes, the embedding in BF16 and the rest in
// F32), tokenizer.model (SentencePiece), tokenizer.json (the special
// tokens), tokenizer_config.json (with Gemma 3's chat template) and
// generation_config.json. Ollama's converter turns it into the same model as
// [Write] (random weights, output noise). dir is created if needed.
func WriteHF(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write HF demo model: %w", err)
	}
	v := newVocabulary()
	files := map[string][]byte{}
	var err error
	if files["config.json"], err = json.MarshalIndent(hfConfig(), "", "  "); err != nil {
		return err
	}
	files["tokenizer.model"] = sentencePieceModel(v)
	if files["tokenizer.json"], err = json.Marshal(hfTokenizer(v)); err != nil {
		return err
	}
	if files["tokenizer_config.json"], err = json.MarshalIndent(map[string]any{
		"bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>", "unk_token": "<unk>",
		"add_bos_token": true, "add_eos_token": false, "chat_template": chatTemplate,
	}, "", "  "); err != nil {
		return err
	}
	files["generation_config.json"] = []byte(fmt.Sprintf(`{"bos_token_id": %d, "eos_token_id": [%d, %d], "pad_token_id": %d}`, bosID, eosID, endOfTurnID, padID))
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("write HF demo model: %w", err)
		}
	}
	return writeSafetensors(filepath.Join(dir, "model.safetensors"), hfTensors(v))
}

func hfConfig() map[string]any {
	return map[string]any{
		"architectures":           []string{"Gemma3ForConditionalGeneration"},
		"model_type":              "gemma3",
		"mm_tokens_per_image":     TokensPerImage,
		"boi_token_index":         startOfImageID,
		"eoi_token_index":         endOfImageID,
		"image_token_index":       262144,
		"max_position_embeddings": ContextLength,
		// Read at the top level by Ollama's converter for layer counts
		// other than Gemma 3's 4B, 12B and 27B.
		"num_attention_heads": textHeads,
		"num_key_value_heads": textKVHeads,
		"text_config": map[string]any{
			"model_type":              "gemma3_text",
			"hidden_size":             textHidden,
			"intermediate_size":       textFF,
			"num_hidden_layers":       textLayers,
			"num_attention_heads":     textHeads,
			"num_key_value_heads":     textKVHeads,
			"head_dim":                textHeadDim,
			"sliding_window":          slidingWin,
			"rms_norm_eps":            normEps,
			"rope_theta":              1_000_000.0,
			"rope_local_base_freq":    10_000.0,
			"vocab_size":              VocabSize,
			"max_position_embeddings": ContextLength,
		},
		"vision_config": map[string]any{
			"model_type":          "siglip_vision_model",
			"hidden_size":         visionHidden,
			"intermediate_size":   visionFF,
			"num_hidden_layers":   visionLayers,
			"num_attention_heads": visionHeads,
			"image_size":          ImageSize,
			"patch_size":          PatchSize,
			"num_channels":        numChannels,
			"layer_norm_eps":      normEps,
		},
		"torch_dtype": "bfloat16",
	}
}

// hfTokenizer is the part of tokenizer.json Ollama reads next to
// tokenizer.model: the special tokens and their ids.
func hfTokenizer(v *vocabulary) map[string]any {
	type added struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
		Special bool   `json:"special"`
	}
	var toks []added
	for _, id := range []int{padID, eosID, bosID, unkID, 4, startOfTurnID, endOfTurnID, startOfImageID, endOfImageID} {
		toks = append(toks, added{ID: id, Content: v.tokens[id], Special: true})
	}
	return map[string]any{"version": "1.0", "added_tokens": toks, "model": map[string]any{"type": "Unigram"}}
}

// sentencePieceModel encodes the vocabulary as a SentencePiece ModelProto
// holding only its pieces (field 1; each piece's text, score and type as
// fields 1, 2 and 3), which is all Ollama's converter reads.
func sentencePieceModel(v *vocabulary) []byte {
	var out, piece []byte
	for i, tok := range v.tokens {
		piece = piece[:0]
		piece = append(piece, 0x0a)
		piece = binary.AppendUvarint(piece, uint64(len(tok)))
		piece = append(piece, tok...)
		piece = append(piece, 0x15)
		piece = binary.LittleEndian.AppendUint32(piece, math.Float32bits(v.scores[i]))
		piece = append(piece, 0x18)
		piece = binary.AppendUvarint(piece, uint64(v.types[i]))
		out = append(out, 0x0a)
		out = binary.AppendUvarint(out, uint64(len(piece)))
		out = append(out, piece...)
	}
	return out
}

// hfTensor is one tensor of the checkpoint in PyTorch order (shape[0] is
// the slowest-varying dimension).
type hfTensor struct {
	name   string
	shape  []int
	bf16   bool
	center float64
	// zeroRow, when set, reports rows (runs of shape[last] values) to write
	// as zeros.
	zeroRow func(row int) bool
}

func hfTensors(v *vocabulary) []hfTensor {
	var ts []hfTensor
	add := func(name string, center float64, shape ...int) {
		ts = append(ts, hfTensor{name: name, shape: shape, center: center})
	}
	// Gemma's RMS norms store weight-1 (the converter adds the 1 back);
	// SigLIP's LayerNorms store the weight itself.
	const rms, layerNorm = 0, 1
	lm := "language_model.model."
	ts = append(ts, hfTensor{name: lm + "embed_tokens.weight", shape: []int{VocabSize, textHidden}, bf16: true, zeroRow: v.silent})
	add(lm+"norm.weight", rms, textHidden)
	for i := range textLayers {
		p := fmt.Sprintf("%slayers.%d.", lm, i)
		add(p+"input_layernorm.weight", rms, textHidden)
		add(p+"self_attn.q_proj.weight", 0, textHeads*textHeadDim, textHidden)
		add(p+"self_attn.k_proj.weight", 0, textKVHeads*textHeadDim, textHidden)
		add(p+"self_attn.v_proj.weight", 0, textKVHeads*textHeadDim, textHidden)
		add(p+"self_attn.o_proj.weight", 0, textHidden, textHeads*textHeadDim)
		add(p+"self_attn.q_norm.weight", rms, textHeadDim)
		add(p+"self_attn.k_norm.weight", rms, textHeadDim)
		add(p+"post_attention_layernorm.weight", rms, textHidden)
		add(p+"pre_feedforward_layernorm.weight", rms, textHidden)
		add(p+"post_feedforward_layernorm.weight", rms, textHidden)
		add(p+"mlp.gate_proj.weight", 0, textFF, textHidden)
		add(p+"mlp.up_proj.weight", 0, textFF, textHidden)
		add(p+"mlp.down_proj.weight", 0, textHidden, textFF)
	}
	vt := "vision_tower.vision_model."
	add(vt+"embeddings.patch_embedding.weight", 0, visionHidden, numChannels, PatchSize, PatchSize)
	add(vt+"embeddings.patch_embedding.bias", 0, visionHidden)
	add(vt+"embeddings.position_embedding.weight", 0, numPatches, visionHidden)
	for i := range visionLayers {
		p := fmt.Sprintf("%sencoder.layers.%d.", vt, i)
		add(p+"layer_norm1.weight", layerNorm, visionHidden)
		add(p+"layer_norm1.bias", 0, visionHidden)
		for _, n := range []string{"q_proj", "k_proj", "v_proj", "out_proj"} {
			add(p+"self_attn."+n+".weight", 0, visionHidden, visionHidden)
			add(p+"self_attn."+n+".bias", 0, visionHidden)
		}
		add(p+"layer_norm2.weight", layerNorm, visionHidden)
		add(p+"layer_norm2.bias", 0, visionHidden)
		add(p+"mlp.fc1.weight", 0, visionFF, visionHidden)
		add(p+"mlp.fc1.bias", 0, visionFF)
		add(p+"mlp.fc2.weight", 0, visionHidden, visionFF)
		add(p+"mlp.fc2.bias", 0, visionHidden)
	}
	add(vt+"post_layernorm.weight", layerNorm, visionHidden)
	add(vt+"post_layernorm.bias", 0, visionHidden)
	add("multi_modal_projector.mm_soft_emb_norm.weight", rms, visionHidden)
	add("multi_modal_projector.mm_input_projection_weight", 0, visionHidden, textHidden)
	return ts
}

func (t hfTensor) elements() int {
	n := 1
	for _, d := range t.shape {
		n *= d
	}
	return n
}

func (t hfTensor) bytes() []byte {
	h := fnv.New64a()
	h.Write([]byte(t.name))
	rng := splitMix64(h.Sum64())
	n := t.elements()
	rowLen := t.shape[len(t.shape)-1]
	size := 4
	if t.bf16 {
		size = 2
	}
	out := make([]byte, 0, n*size)
	for i := range n {
		f := float32(t.center + weightStd*rng.uniform())
		if t.zeroRow != nil && t.zeroRow(i/rowLen) {
			f = 0
		}
		if t.bf16 {
			out = binary.LittleEndian.AppendUint16(out, uint16(math.Float32bits(f)>>16))
		} else {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(f))
		}
	}
	return out
}

// writeSafetensors writes ts in the safetensors format: an 8-byte header
// length, a JSON header of names, dtypes, shapes and offsets, then the data.
func writeSafetensors(path string, ts []hfTensor) error {
	sort.Slice(ts, func(i, j int) bool { return ts[i].name < ts[j].name })
	header := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var data [][]byte
	off := 0
	for _, t := range ts {
		b := t.bytes()
		dtype := "F32"
		if t.bf16 {
			dtype = "BF16"
		}
		header[t.name] = map[string]any{"dtype": dtype, "shape": t.shape, "data_offsets": []int{off, off + len(b)}}
		off += len(b)
		data = append(data, b)
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return err
	}
	if pad := len(hj) % 8; pad != 0 {
		hj = append(hj, []byte(strings.Repeat(" ", 8-pad))...)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write HF demo model: %w", err)
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(hj)))
	werr := func() error {
		if _, err := f.Write(n[:]); err != nil {
			return err
		}
		if _, err := f.Write(hj); err != nil {
			return err
		}
		for _, b := range data {
			if _, err := f.Write(b); err != nil {
				return err
			}
		}
		return nil
	}()
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return fmt.Errorf("write HF demo model %s: %w", path, werr)
	}
	return nil
}
