package batch

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
	"gopkg.in/yaml.v3"
)

// EndpointKind is the API a batch's server speaks. Its value is the name
// an endpoints file and the rows use ("": not given, which is
// [KindOpenAI]).
type EndpointKind string

// The kinds of server a batch can be spread over.
const (
	// KindOpenAI is an OpenAI-compatible chat completions API (vLLM, a
	// gateway, Ollama's /v1), given by its base URL such as
	// http://host:8000/v1.
	KindOpenAI EndpointKind = "openai"
	// KindOllama is an Ollama server's own API, given as
	// ollama+http://host:11434 on the command line.
	KindOllama EndpointKind = "ollama"
)

// String is the kind's name: openai or ollama ("" when not given).
func (k EndpointKind) String() string { return string(k) }

// ParseEndpointKind reads a kind's name, as String writes it.
func ParseEndpointKind(s string) (EndpointKind, error) {
	switch k := EndpointKind(s); k {
	case KindOpenAI, KindOllama:
		return k, nil
	}
	return "", fmt.Errorf("endpoint kind %q: want openai or ollama", s)
}

// UnmarshalYAML reads a kind's name in an endpoints file; an unknown one
// is a *kindError with its line.
func (k *EndpointKind) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	if s == "" {
		*k = ""
		return nil
	}
	v, err := ParseEndpointKind(s)
	if err != nil {
		return &kindError{line: n.Line, err: err}
	}
	*k = v
	return nil
}

// kindError is an unknown kind in an endpoints file, at line.
type kindError struct {
	line int
	err  error
}

func (e *kindError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }

// OllamaScheme prefixes an Ollama server's URL in --endpoint.
const OllamaScheme = "ollama+"

// EndpointSpec is one server of a batch as the user gave it: on the
// command line (--endpoint URL) or in an endpoints file.
type EndpointSpec struct {
	// URL is the server's base URL (for KindOpenAI with its /v1). A user
	// and password in it go as basic authentication to that server only.
	URL string `yaml:"url" json:"url"`
	// Kind is KindOpenAI (the default) or KindOllama.
	Kind EndpointKind `yaml:"kind,omitempty" json:"kind,omitempty"`
	// Concurrency is its requests in flight at once (0: the batch's
	// --concurrency); Weight its share of the runs when several have a
	// free slot (0: 1).
	Concurrency int `yaml:"concurrency,omitempty" json:"concurrency,omitempty"`
	Weight      int `yaml:"weight,omitempty" json:"weight,omitempty"`
	// APIKeyEnv names the environment variable holding its API key, sent
	// as a bearer token to this server only. The file never holds a key.
	APIKeyEnv string `yaml:"api_key_env,omitempty" json:"api_key_env,omitempty"`
	// APIKey is the key itself, from APIKeyEnv or --api-key; never read
	// from a file.
	APIKey string `yaml:"-" json:"-"`
}

// ParseEndpoint reads an --endpoint value: an OpenAI-compatible base URL
// (http://host:8000/v1), or an Ollama server as ollama+http://host:11434.
func ParseEndpoint(s string) (EndpointSpec, error) {
	s = strings.TrimSpace(s)
	e := EndpointSpec{URL: s, Kind: KindOpenAI}
	if rest, ok := strings.CutPrefix(s, OllamaScheme); ok {
		e.URL, e.Kind = rest, KindOllama
	}
	return e, e.check()
}

func (e *EndpointSpec) check() error {
	if e.Kind == "" {
		e.Kind = KindOpenAI
	}
	if _, err := ParseEndpointKind(e.Kind.String()); err != nil {
		return fmt.Errorf("endpoint %s: %w", redact.URL(e.URL), err)
	}
	if !strings.HasPrefix(e.URL, "http://") && !strings.HasPrefix(e.URL, "https://") {
		return fmt.Errorf("endpoint %q: want an http(s) URL such as http://host:8000/v1, or ollama+http://host:11434 for an Ollama server", redact.URL(e.URL))
	}
	if e.Concurrency < 0 || e.Weight < 0 {
		return fmt.Errorf("endpoint %s: concurrency and weight must be ≥ 0", redact.URL(e.URL))
	}
	return nil
}

// endpointsFile is an endpoints file: a list under "endpoints".
type endpointsFile struct {
	Endpoints []EndpointSpec `yaml:"endpoints"`
}

// LoadEndpoints reads an endpoints file (YAML, or JSON, which YAML
// reads):
//
//	endpoints:
//	  - url: http://gpu1:8000/v1     # kind: openai (the default)
//	    concurrency: 8
//	    weight: 2
//	    api_key_env: GPU1_KEY
//	  - url: http://127.0.0.1:11434
//	    kind: ollama
//
// Each key is read from the environment variable api_key_env names; a
// variable that is not set is an error. Errors are [*InputError]s naming
// the file.
func LoadEndpoints(path string) ([]EndpointSpec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &InputError{File: path, Err: cause(err)}
	}
	var f endpointsFile
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		var ke *kindError
		if errors.As(err, &ke) {
			return nil, &InputError{File: path, Line: ke.line, Err: ke.err}
		}
		return nil, &InputError{File: path, Err: fmt.Errorf("want endpoints: [{url, kind, concurrency, weight, api_key_env}]: %w", err)}
	}
	if len(f.Endpoints) == 0 {
		return nil, &InputError{File: path, Err: fmt.Errorf("no endpoints")}
	}
	for i := range f.Endpoints {
		e := &f.Endpoints[i]
		if rest, ok := strings.CutPrefix(e.URL, OllamaScheme); ok && (e.Kind == "" || e.Kind == KindOllama) {
			e.URL, e.Kind = rest, KindOllama
		}
		if err := e.check(); err != nil {
			return nil, &InputError{File: path, Err: fmt.Errorf("endpoint %d: %w", i+1, err)}
		}
		if e.APIKeyEnv != "" {
			if e.APIKey = os.Getenv(e.APIKeyEnv); e.APIKey == "" {
				return nil, &InputError{File: path, Err: fmt.Errorf("endpoint %d (%s): $%s is not set", i+1, redact.URL(e.URL), e.APIKeyEnv)}
			}
		}
	}
	return f.Endpoints, nil
}
