package app

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestDoctorSaysWhatARuntimeVersionSupports (issue 27): doctor reports
// the version of the runtime it finds, an `ollama` given with --ollama-bin
// or a server at --ollama-url, and what that version does not support: one
// older than the oldest supported is a problem (exit 1) naming what it
// lacks and what to do; a supported one other than the managed version is
// a note; one that runs llama-server is told its pixels are unchecked.
func TestDoctorSaysWhatARuntimeVersionSupports(t *testing.T) {
	type report struct {
		OK      bool `json:"ok"`
		Runtime struct {
			Found   bool                      `json:"found"`
			Version string                    `json:"version"`
			Support *inference.RuntimeSupport `json:"support"`
			Fix     string                    `json:"fix"`
		} `json:"runtime"`
		Problems []string `json:"problems"`
	}
	doctor := func(t *testing.T, args ...string) report {
		t.Helper()
		out, _ := runCLI(append([]string{"--data-dir", t.TempDir()}, append(args, "doctor", "--json")...)...)
		var rep report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("doctor --json: %v\n%s", err, out)
		}
		return rep
	}
	// A binary that says its version as `ollama --version` does.
	binary := func(t *testing.T, version string) string {
		p := filepath.Join(t.TempDir(), "ollama")
		script := "#!/bin/sh\necho 'Warning: could not connect to a running Ollama instance'\necho 'Warning: client version is " + version + "'\n"
		if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	problem := func(rep report, sub string) bool {
		for _, p := range rep.Problems {
			if strings.Contains(p, sub) {
				return true
			}
		}
		return false
	}

	t.Run("old binary", func(t *testing.T) {
		rep := doctor(t, "--ollama-bin", binary(t, "0.12.3"))
		t.Logf("%s", rep.Runtime.Fix)
		s := rep.Runtime.Support
		if rep.Runtime.Version != "0.12.3" || s == nil || s.Supported || rep.OK ||
			!problem(rep, "Ollama 0.12.3 is not supported") || !strings.Contains(rep.Runtime.Fix, "token probabilities (--logprobs") ||
			!strings.Contains(rep.Runtime.Fix, "needs Ollama 0.12.11") || !strings.Contains(rep.Runtime.Fix, inference.OldestRuntimeVersion+" and newer") {
			t.Errorf("Ollama 0.12.3: %+v", rep)
		}
	})
	t.Run("oldest supported binary", func(t *testing.T) {
		rep := doctor(t, "--ollama-bin", binary(t, inference.OldestRuntimeVersion))
		s := rep.Runtime.Support
		if s == nil || !s.Supported || len(s.Missing) != 0 || problem(rep, "Ollama") ||
			!strings.Contains(rep.Runtime.Fix, "is supported; the workbench manages and is tested with "+core.RuntimeVersion) {
			t.Errorf("Ollama %s: %+v", inference.OldestRuntimeVersion, rep)
		}
	})
	t.Run("llama-server era attached", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/api/version" {
				w.Write([]byte(`{"version":"0.32.1"}`))
				return
			}
			http.NotFound(w, r)
		}))
		defer srv.Close()
		rep := doctor(t, "--ollama-url", srv.URL)
		t.Logf("%s", rep.Runtime.Fix)
		s := rep.Runtime.Support
		if !rep.Runtime.Found || s == nil || !s.Supported || len(s.Missing) != 1 || problem(rep, "Ollama") ||
			!strings.Contains(rep.Runtime.Fix, "llama-server") || !strings.Contains(rep.Runtime.Fix, "Google") {
			t.Errorf("attached Ollama 0.32.1: %+v", rep)
		}
	})
	t.Run("old attached", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"version":"0.9.0"}`))
		}))
		defer srv.Close()
		rep := doctor(t, "--ollama-url", srv.URL)
		if rep.OK || !problem(rep, "Ollama 0.9.0 is not supported") || !strings.Contains(rep.Runtime.Fix, "drop --ollama-url") ||
			strings.Contains(rep.Runtime.Fix, "JSON Schema") || !strings.Contains(rep.Runtime.Fix, "token probabilities") {
			t.Errorf("attached Ollama 0.9.0: %+v", rep)
		}
	})
}
