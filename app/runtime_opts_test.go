package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOllamaDebugFlag: only --ollama-debug turns the managed runtime's
// debug log (which holds prompts) on.
func TestOllamaDebugFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"models", "list"}, false},
		{[]string{"--ollama-debug", "models", "list"}, true},
		{[]string{"--ollama-debug=false"}, false},
	} {
		var cfg Config
		fs := newFlags("medgemma-workbench", &cfg)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if got := cfg.runtimeConfig().Debug; got != tc.want {
			t.Errorf("%v: Debug = %v, want %v", tc.args, got, tc.want)
		}
	}
}

// TestWorkbenchLogIsCapped: a workbench.log past the cap is rotated when
// the services open.
func TestWorkbenchLogIsCapped(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	os.MkdirAll(logs, 0o700)
	old := strings.Repeat("x", 11<<20)
	os.WriteFile(filepath.Join(logs, "workbench.log"), []byte(old), 0o600)
	s, err := NewServices(t.Context(), Config{DataDir: dir, NoRuntime: true}, "test")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	cur, _ := os.Stat(filepath.Join(logs, "workbench.log"))
	prev, _ := os.Stat(filepath.Join(logs, "workbench.log.1"))
	if cur == nil || prev == nil || prev.Size() != int64(len(old)) || cur.Size() == 0 || cur.Size() > 4096 {
		t.Fatalf("workbench.log %v, .1 %v: want the old log in .1 and a fresh one", cur, prev)
	}
	t.Logf("workbench.log %d bytes, workbench.log.1 %d bytes", cur.Size(), prev.Size())
}
