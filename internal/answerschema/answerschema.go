// Package answerschema checks a model's structured answer against the JSON
// Schema it was asked for (Ollama's `format`, OpenAI's `response_format`).
// An answer that does not fit is marked, not dropped: Check says why.
package answerschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// MaxSize is the largest schema accepted (a schema is a few hundred bytes;
// a bigger file is a mistake).
const MaxSize = 256 << 10

// Schema is a compiled answer schema.
type Schema struct {
	// Raw is the schema as given (compact JSON), what is sent to the
	// runtime, and Hash the first 12 hex digits of its SHA-256.
	Raw  json.RawMessage
	Hash string
	s    *jsonschema.Schema
}

// Compile reads a JSON Schema; name (a file) is for errors. The schema
// may not refer to anything outside itself.
func Compile(name string, data []byte) (*Schema, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("schema %s: %d bytes, over %d", name, len(data), MaxSize)
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("schema %s: not JSON: %w", name, err)
	}
	if _, ok := doc.(map[string]any); !ok {
		return nil, fmt.Errorf("schema %s: a JSON Schema is an object", name)
	}
	if err := runtimeCanCompile(doc); err != nil {
		return nil, fmt.Errorf("schema %s: %w", name, err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		return nil, fmt.Errorf("schema %s: %w", name, err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	const url = "urn:answer"
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("schema %s: %w", name, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("schema %s: %s", name, oneLine(err))
	}
	return &Schema{Raw: compact.Bytes(), Hash: core.SchemaHash(compact.Bytes()), s: s}, nil
}

// MaxEnum bounds the values of one enum: the runtime turns a schema into
// a grammar, and an enum of many thousands stalls it for minutes.
const MaxEnum = 1000

// runtimeCanCompile refuses what the runtime cannot turn into a grammar
// (or only after minutes): an enum over MaxEnum values, and a $ref that
// leads back to where it stands (recursion, directly or through others).
func runtimeCanCompile(doc any) error {
	type ref struct{ at, to string }
	var refs []ref
	var walk func(v any, at string) error
	walk = func(v any, at string) error {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				switch k {
				case "enum":
					if list, ok := x.([]any); ok && len(list) > MaxEnum {
						return fmt.Errorf("%s/enum has %d values, over %d: the runtime would take minutes to compile it", cmpOr(at, "#"), len(list), MaxEnum)
					}
				case "$ref":
					if to, ok := x.(string); ok && strings.HasPrefix(to, "#") {
						refs = append(refs, ref{at: at, to: strings.TrimPrefix(to, "#")})
					}
				case "$dynamicRef", "$recursiveRef":
					return fmt.Errorf("%s/%s: the runtime cannot compile a recursive schema", cmpOr(at, "#"), k)
				}
				if err := walk(x, at+"/"+k); err != nil {
					return err
				}
			}
		case []any:
			for i, x := range v {
				if err := walk(x, fmt.Sprintf("%s/%d", at, i)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(doc, ""); err != nil {
		return err
	}
	// A $ref to T brings in the refs within T: a path back to a T being
	// expanded is a recursion.
	within := func(to, at string) bool { return at == to || strings.HasPrefix(at, to+"/") }
	state := map[string]int{} // 1: being expanded, 2: done
	var expand func(to string) error
	expand = func(to string) error {
		switch state[to] {
		case 1:
			return fmt.Errorf("$ref %q refers back to itself: the runtime cannot compile a recursive schema", "#"+to)
		case 2:
			return nil
		}
		state[to] = 1
		for _, r := range refs {
			if within(to, r.at) {
				if err := expand(r.to); err != nil {
					return err
				}
			}
		}
		state[to] = 2
		return nil
	}
	return expand("")
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// noLoader refuses every external reference: a schema must be
// self-contained, and nothing is fetched from the network.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("refers to %s: a schema must be self-contained", url)
}

// ErrInvalid marks an answer that does not fit its schema.
var ErrInvalid = errors.New("answer does not fit its schema")

// Check parses answer as JSON (a ```json fence around it is allowed) and
// validates it. It returns the value when it parses, and an error wrapping
// ErrInvalid that says what is wrong when it does not fit.
func (s *Schema) Check(answer string) (any, error) {
	text := strings.TrimSpace(answer)
	if strings.HasPrefix(text, "```") {
		text = strings.TrimPrefix(strings.TrimPrefix(text, "```json"), "```")
		text = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(text), "```"))
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: not JSON: %v", ErrInvalid, err)
	}
	if dec.More() {
		return v, fmt.Errorf("%w: text after the JSON value", ErrInvalid)
	}
	if err := s.s.Validate(v); err != nil {
		return v, fmt.Errorf("%w: %s", ErrInvalid, oneLine(err))
	}
	return v, nil
}

// Fields returns the top-level fields of an object answer as text, for
// columns: strings as they are, other values as JSON.
func Fields(v any) map[string]string {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		if s, ok := x.(string); ok {
			out[k] = s
			continue
		}
		b, _ := json.Marshal(x)
		out[k] = string(b)
	}
	return out
}

// oneLine is err on one line, without the library's preamble naming the
// schema's internal URL.
func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if i := strings.Index(s, "' - "); i >= 0 && strings.HasPrefix(s, "jsonschema validation failed") {
		s = s[i+len("' - "):]
	}
	return s
}
