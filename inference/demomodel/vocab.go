package demomodel

import (
	"fmt"
	"slices"
	"strings"
)

// Token types as Ollama's tokenizer package numbers them
// (tokenizer.TOKEN_TYPE_NORMAL and following).
const (
	tokenNormal  int32 = 1
	tokenUnknown int32 = 2
	tokenControl int32 = 3
	tokenUnused  int32 = 5
	tokenByte    int32 = 6
)

// Token ids fixed by Gemma 3, several of them hard-coded in Ollama's gemma3
// model (108, 255999 and 256000).
const (
	padID          = 0
	eosID          = 1
	bosID          = 2
	unkID          = 3
	startOfTurnID  = 105
	endOfTurnID    = 106
	newlineID      = 107
	doubleNewline  = 108
	firstByteID    = 109
	startOfImageID = 255999
	endOfImageID   = 256000
)

// VocabSize is the number of tokens in the demo vocabulary, the same as
// Gemma 3's.
const VocabSize = 262144

// spmSpace is SentencePiece's word-boundary marker.
const spmSpace = "▁"

// commonWords get whole-word tokens (and tokens for their prefixes, so that
// SentencePiece's pairwise merging can reach them) in addition to the
// single-character ones, so that typical prompts tokenize into a few pieces.
var commonWords = []string{
	"a", "an", "and", "any", "are", "as", "assistant", "at", "be", "by",
	"chest", "CT", "describe", "Describe", "finding", "findings", "for",
	"from", "heart", "image", "impression", "in", "is", "it", "left", "lung",
	"medical", "model", "MRI", "no", "normal", "not", "of", "on", "or",
	"patient", "radiograph", "radiology", "report", "right", "scan",
	"system", "the", "The", "this", "This", "to", "user", "what", "What",
	"with", "X-ray", "you", "You",
}

// vocabulary is the demo tokenizer: token strings, scores and types, indexed
// by token id.
type vocabulary struct {
	tokens []string
	scores []float32
	types  []int32
}

// silent reports whether token id must never be generated: whitespace-only
// pieces, the special, unknown and byte tokens. Their embedding rows are zero, so with the tied
// output projection their logit is exactly 0 while ordinary tokens' logits
// are random, and greedy decoding never picks end-of-sequence.
func (v *vocabulary) silent(id int) bool {
	switch v.types[id] {
	case tokenNormal:
		// Whitespace-only pieces ("\n\n" is id 108) too: Ollama ends a
		// stream after 31 whitespace tokens in a row (its repeated-token
		// guard), which random weights would otherwise hit.
		return strings.Trim(v.tokens[id], " \t\r\n\u2581") == ""
	case tokenUnused:
		// The <unusedN> placeholders are silent; the filler words are not.
		return strings.HasPrefix(v.tokens[id], "<unused")
	default:
		return true
	}
}

// newVocabulary builds the deterministic demo vocabulary: Gemma 3's special
// tokens at their ids, byte-fallback tokens, ordinary pieces for printable
// ASCII and common words, and unique pronounceable filler words for every
// other id. Filler words are typed "unused" so that the tokenizer does not
// treat them as special strings to split prompts on.
func newVocabulary() *vocabulary {
	v := &vocabulary{
		tokens: make([]string, VocabSize),
		scores: make([]float32, VocabSize),
		types:  make([]int32, VocabSize),
	}
	used := make(map[string]bool, VocabSize)
	set := func(id int, s string, typ int32, score float32) {
		if used[s] {
			panic(fmt.Sprintf("demomodel: duplicate token %q", s))
		}
		used[s] = true
		v.tokens[id], v.types[id], v.scores[id] = s, typ, score
	}

	set(padID, "<pad>", tokenControl, 0)
	set(eosID, "<eos>", tokenControl, 0)
	set(bosID, "<bos>", tokenControl, 0)
	set(unkID, "<unk>", tokenUnknown, 0)
	set(4, "<mask>", tokenControl, 0)
	for id := 5; id < startOfTurnID; id++ {
		set(id, fmt.Sprintf("<unused%d>", id-5), tokenUnused, 0)
	}
	set(startOfTurnID, "<start_of_turn>", tokenControl, 0)
	set(endOfTurnID, "<end_of_turn>", tokenControl, 0)
	set(newlineID, "\n", tokenNormal, 1)
	set(doubleNewline, "\n\n", tokenNormal, 2)
	for b := range 256 {
		set(firstByteID+b, fmt.Sprintf("<0x%02X>", b), tokenByte, 0)
	}
	set(startOfImageID, "<start_of_image>", tokenControl, 0)
	set(endOfImageID, "<end_of_image>", tokenControl, 0)

	// Ordinary pieces score by length, so SentencePiece prefers the longest
	// merges.
	id := firstByteID + 256
	for _, p := range ordinaryPieces() {
		set(id, p, tokenNormal, float32(len([]rune(p))))
		id++
	}

	var n uint64
	for ; id < VocabSize; id++ {
		if v.tokens[id] != "" {
			continue // a fixed special token
		}
		w := fillerWord(n)
		for n++; used[w]; n++ {
			w = fillerWord(n)
		}
		set(id, w, tokenUnused, -1000)
	}
	return v
}

// ordinaryPieces returns the ordinary tokens in a fixed order: the word
// marker, printable ASCII characters alone and after the marker, and each
// common word and its prefixes, with and without the marker.
func ordinaryPieces() []string {
	seen := map[string]bool{}
	var pieces []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			pieces = append(pieces, s)
		}
	}
	add(spmSpace)
	for c := '!'; c <= '~'; c++ {
		add(string(c))
		add(spmSpace + string(c))
	}
	var words []string
	for _, w := range commonWords {
		for _, s := range []string{w, spmSpace + w} {
			r := []rune(s)
			for i := 2; i <= len(r); i++ {
				words = append(words, string(r[:i]))
			}
		}
	}
	slices.Sort(words)
	for _, w := range words {
		add(w)
	}
	return pieces
}

// fillerWord spells n in bijective base 70 as consonant-vowel syllables after
// the word marker: n=0 is "▁ba", distinct n give distinct words.
func fillerWord(n uint64) string {
	const consonants, vowels = "bdfgklmnprstvz", "aeiou"
	const base = uint64(len(consonants) * len(vowels))
	var syllables []string
	for n++; n > 0; n = (n - 1) / base {
		d := (n - 1) % base
		c, v := d/uint64(len(vowels)), d%uint64(len(vowels))
		syllables = append(syllables, consonants[c:c+1]+vowels[v:v+1])
	}
	slices.Reverse(syllables)
	return spmSpace + strings.Join(syllables, "")
}
