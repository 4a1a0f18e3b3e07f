package core

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// PromptVersion names exactly what a prompt asks, whatever it is called:
// the first 12 hex digits of the SHA-256 of its system prompt, its
// template (the prompt as written, before any recipe lays it out or a
// batch item fills it in), the hash of its answer schema ("" for none) and
// its recipe (RecipeRef.Key, "" for none). An edit of any of the four is a
// new version; the same four give the same version in the window, the
// command line and a batch.
func PromptVersion(system, template, schemaHash, recipe string) string {
	b, _ := json.Marshal([]string{system, template, schemaHash, recipe})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:12]
}

// SchemaHash names a JSON Schema in the run log and in prompt versions:
// the first 12 hex digits of the SHA-256 of its compact JSON; "" for no
// schema (empty or blank). Text that is not JSON is hashed as it is.
func SchemaHash(schema []byte) string {
	if len(bytes.TrimSpace(schema)) == 0 {
		return ""
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, schema); err != nil {
		compact.Reset()
		compact.Write(schema)
	}
	sum := sha256.Sum256(compact.Bytes())
	return hex.EncodeToString(sum[:])[:12]
}

// Key names a recipe and its parameters in a prompt version: "name@hash",
// or "" for none and for "plain" (recipe.Plain: one image as the viewer
// windows it, which is what a prompt without a recipe sends).
func (r RecipeRef) Key() string {
	if r.Name == "" || r.Name == "plain" {
		return ""
	}
	return r.Name + "@" + r.Hash
}
