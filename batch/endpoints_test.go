package batch

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEndpointKind: each kind reads back from its name; another name is
// refused with the accepted ones.
func TestEndpointKind(t *testing.T) {
	for _, k := range []EndpointKind{KindOpenAI, KindOllama} {
		if got, err := ParseEndpointKind(k.String()); err != nil || got != k {
			t.Errorf("ParseEndpointKind(%q) = %q, %v", k, got, err)
		}
	}
	if _, err := ParseEndpointKind("vllm"); err == nil || !strings.Contains(err.Error(), "want openai or ollama") {
		t.Errorf("ParseEndpointKind(vllm): %v, want the accepted kinds", err)
	}
	for in, want := range map[string]EndpointSpec{
		"http://h:8000/v1":         {URL: "http://h:8000/v1", Kind: KindOpenAI},
		"ollama+http://h:11434":    {URL: "http://h:11434", Kind: KindOllama},
		" ollama+https://h:11434 ": {URL: "https://h:11434", Kind: KindOllama},
	} {
		if got, err := ParseEndpoint(in); err != nil || got != want {
			t.Errorf("ParseEndpoint(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
}

// TestLoadEndpointsKinds: a file's kinds in their spellings (none given:
// openai, or ollama for an ollama+ URL), and an unknown one named with
// the file, its line and the accepted kinds.
func TestLoadEndpointsKinds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "endpoints.yaml")
	os.WriteFile(path, []byte("endpoints:\n  - url: http://a:8000/v1\n  - url: ollama+http://b:11434\n  - url: http://c:11434\n    kind: ollama\n  - url: http://d/v1\n    kind: openai\n"), 0o600)
	eps, err := LoadEndpoints(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []EndpointKind{KindOpenAI, KindOllama, KindOllama, KindOpenAI}
	for i, e := range eps {
		if e.Kind != want[i] {
			t.Errorf("endpoint %d (%s): kind %q, want %q", i+1, e.URL, e.Kind, want[i])
		}
	}
	os.WriteFile(path, []byte("endpoints:\n  - url: http://a:8000/v1\n  - url: http://b:8000/v1\n    kind: vllm\n"), 0o600)
	_, err = LoadEndpoints(path)
	var ie *InputError
	if !errors.As(err, &ie) || err.Error() != path+`:4: endpoint kind "vllm": want openai or ollama` {
		t.Errorf("unknown kind: %v, want %s:4 and the accepted kinds", err, path)
	}
}
