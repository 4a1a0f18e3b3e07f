package batch

import (
	"fmt"
	"os"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
	"gopkg.in/yaml.v3"
)

// The kinds of server a batch can be spread over.
const (
	// KindOpenAI is an OpenAI-compatible chat completions API (vLLM, a
	// gateway, Ollama's /v1), given by its base URL such as
	// http://host:8000/v1.
	KindOpenAI = "openai"
	// KindOllama is an Ollama server's own API, given as
	// ollama+http://host:11434 on the command line.
	KindOllama = "ollama"
)

// OllamaScheme prefixes an Ollama server's URL in --endpoint.
const OllamaScheme = "ollama+"

// EndpointSpec is one server of a batch as the user gave it: on the
// command line (--endpoint URL) or in an endpoints file.
type EndpointSpec struct {
	// URL is the server's base URL (for KindOpenAI with its /v1). A user
	// and password in it go as basic authentication to that server only.
	URL string `yaml:"url" json:"url"`
	// Kind is KindOpenAI (the default) or KindOllama.
	Kind string `yaml:"kind,omitempty" json:"kind,omitempty"`
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
	if e.Kind != KindOpenAI && e.Kind != KindOllama {
		return fmt.Errorf("endpoint %s: kind %q: want openai or ollama", redact.URL(e.URL), e.Kind)
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
