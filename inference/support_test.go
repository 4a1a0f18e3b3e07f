package inference

import (
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"strings"
	"testing"
)

// TestCheckRuntimeVersion: which Ollama versions the workbench supports,
// and what each lacks, from the version string a runtime reports.
func TestCheckRuntimeVersion(t *testing.T) {
	for _, tc := range []struct {
		v         string
		supported bool
		missing   []string // substrings, one per entry of Missing
	}{
		{core.RuntimeVersion, true, nil},
		{OldestRuntimeVersion, true, nil},
		{"v0.20.1", true, nil},
		{"0.24.0-rc2", true, nil},
		{"0.29.9", true, nil},
		{"0.30.0", true, []string{"llama-server"}},
		{"0.32.1", true, []string{"llama-server"}},
		{"0.17.3", false, []string{"not tested with before Ollama 0.17.4"}},
		{"0.12.10", false, []string{"token probabilities", "not tested"}},
		{"0.4.7", false, []string{"JSON Schema", "token probabilities", "not tested"}},
		{"0.0.0", false, []string{"development build"}},
		{"nightly", false, []string{`"nightly" cannot be read`}},
		{"", false, []string{"cannot be read"}},
	} {
		s := CheckRuntimeVersion(tc.v)
		ok := s.Supported == tc.supported && len(s.Missing) == len(tc.missing)
		for i := 0; ok && i < len(tc.missing); i++ {
			ok = strings.Contains(s.Missing[i], tc.missing[i])
		}
		if !ok {
			t.Errorf("%q: supported %v, missing %q; want %v, %q", tc.v, s.Supported, s.Missing, tc.supported, tc.missing)
		}
		if line := s.String(); !strings.Contains(line, "Ollama "+tc.v) {
			t.Errorf("%q: %q does not name the version", tc.v, line)
		}
	}
}
