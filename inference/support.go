package inference

import (
	"fmt"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"strconv"
	"strings"
)

// This file says what an Ollama version can do for the workbench: the
// managed runtime is RuntimeVersion, but a user may attach their own
// server (--ollama-url) or have an older or newer `ollama` on PATH, and
// doctor tells them what that version does not support.

// OldestRuntimeVersion is the oldest Ollama the workbench supports: the
// one it managed, and was tested with, before RuntimeVersion.
const OldestRuntimeVersion = "0.17.4"

// LlamaServerVersion is the first Ollama that runs models in llama.cpp's
// llama-server instead of its own runner: its image preprocessing is not
// the gemma3 processor the recipes' fidelity tests check.
const LlamaServerVersion = "0.30.0"

// runtimeFeatures are what the workbench uses that appeared in a known
// Ollama release, oldest first.
var runtimeFeatures = []struct{ since, what string }{
	{"0.5.0", "answers to a JSON Schema (--schema, recipes' answer schemas)"},
	{"0.12.11", "token probabilities (--logprobs, the compare view's confidence)"},
}

// RuntimeSupport is what a version of Ollama supports.
type RuntimeSupport struct {
	// Version is the version as the runtime reported it.
	Version string `json:"version"`
	// Supported is false below OldestRuntimeVersion, for a version that
	// cannot be read, and for a development build (0.0.0).
	Supported bool `json:"supported"`
	// Missing lists what the workbench uses that this version lacks or
	// that it does not do as the tested versions do; empty when nothing.
	Missing []string `json:"missing"`
}

// CheckRuntimeVersion says what Ollama version v supports.
func CheckRuntimeVersion(v string) RuntimeSupport {
	s := RuntimeSupport{Version: v, Missing: []string{}}
	got, ok := parseVersion(v)
	switch {
	case !ok:
		s.Missing = append(s.Missing, fmt.Sprintf("its version %q cannot be read: what it supports is unknown", v))
		return s
	case got == [3]int{}:
		s.Missing = append(s.Missing, "a development build (version 0.0.0): what it supports is unknown; build a release with "+core.SetupCommand)
		return s
	}
	for _, f := range runtimeFeatures {
		if since, _ := parseVersion(f.since); less(got, since) {
			s.Missing = append(s.Missing, f.what+" (needs Ollama "+f.since+")")
		}
	}
	oldest, _ := parseVersion(OldestRuntimeVersion)
	if less(got, oldest) {
		s.Missing = append(s.Missing, "anything the workbench was not tested with before Ollama "+OldestRuntimeVersion+
			" (image placement in chat, the prompt preview, the 31-token repeat stop)")
		return s
	}
	s.Supported = true
	if ls, _ := parseVersion(LlamaServerVersion); !less(got, ls) {
		s.Missing = append(s.Missing, "the pixels the Google recipes' fidelity tests check: from Ollama "+LlamaServerVersion+
			" models run in llama.cpp's llama-server, whose image resizing was not checked against Google's")
	}
	return s
}

// String says it in one line for a person.
func (s RuntimeSupport) String() string {
	switch {
	case !s.Supported:
		return fmt.Sprintf("Ollama %s is not supported (the workbench supports %s and newer, and manages %s): %s",
			s.Version, OldestRuntimeVersion, core.RuntimeVersion, strings.Join(s.Missing, "; "))
	case len(s.Missing) > 0:
		return fmt.Sprintf("Ollama %s works, except: %s", s.Version, strings.Join(s.Missing, "; "))
	}
	return fmt.Sprintf("Ollama %s supports everything the workbench uses", s.Version)
}

// parseVersion reads "0.24.0", "v0.24.0" or "0.24.0-rc1" (a release
// candidate counts as its release).
func parseVersion(v string) ([3]int, bool) {
	var out [3]int
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	if i := strings.IndexAny(v, "-+ "); i >= 0 {
		v = v[:i]
	}
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return out, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 1<<20 {
			return out, false
		}
		out[i] = n
	}
	return out, true
}

// less is a < b.
func less(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
