package inference

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestOllamaDebugOnlyWhenAsked: OLLAMA_DEBUG makes the server log every
// prompt, so the managed server runs without it (from our environment or
// from Env) unless Debug is set; OLLAMA_DEBUG_LOG_REQUESTS (Ollama 0.24
// writes every request, images included, to a temporary folder) never
// reaches it; the real server's environment and log are checked.
func TestOllamaDebugOnlyWhenAsked(t *testing.T) {
	t.Setenv("OLLAMA_DEBUG", "1")
	t.Setenv("OLLAMA_DEBUG_LOG_REQUESTS", "1")
	for _, tc := range []struct {
		name  string
		debug bool
	}{
		{"default", false},
		{"--ollama-debug", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := startRuntime(t, RuntimeConfig{Debug: tc.debug, Env: []string{"OLLAMA_DEBUG=2", "OLLAMA_FLASH_ATTENTION=0", "OLLAMA_DEBUG_LOG_REQUESTS=1"}})
			raw, err := os.ReadFile("/proc/" + strconv.Itoa(rt.PID()) + "/environ")
			if err != nil {
				t.Fatal(err)
			}
			var debug []string
			for _, kv := range strings.Split(string(raw), "\x00") {
				if strings.HasPrefix(kv, "OLLAMA_DEBUG=") {
					debug = append(debug, kv)
				}
			}
			if !strings.Contains(string(raw), "OLLAMA_FLASH_ATTENTION=0") {
				t.Error("Env was not passed on")
			}
			if strings.Contains(string(raw), "OLLAMA_DEBUG_LOG_REQUESTS") {
				t.Error("OLLAMA_DEBUG_LOG_REQUESTS reached the server: it would write every request, images included, to a temporary folder")
			}
			log, _ := os.ReadFile(rt.LogPath())
			debugLines := strings.Count(string(log), "level=DEBUG")
			t.Logf("OLLAMA_DEBUG in the server's environment: %q; %d DEBUG lines in its log", debug, debugLines)
			if tc.debug {
				if len(debug) == 0 || debug[len(debug)-1] != "OLLAMA_DEBUG=1" {
					t.Errorf("OLLAMA_DEBUG = %q, want it set last to 1", debug)
				}
				return
			}
			if len(debug) != 0 {
				t.Errorf("server runs with %q", debug)
			}
			if debugLines != 0 {
				t.Errorf("log has %d DEBUG lines", debugLines)
			}
		})
	}
}

// TestOllamaLogIsCapped: a server log already past the cap is rotated
// when the runtime starts, and the new one holds this start's lines.
func TestOllamaLogIsCapped(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(dir+"/logs", 0o700)
	old := strings.Repeat("old line\n", 11<<20/9)
	if err := os.WriteFile(dir+"/logs/ollama.log", []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	rt := startRuntime(t, RuntimeConfig{DataDir: dir})
	rt.Stop()
	cur, _ := os.Stat(rt.LogPath())
	prev, _ := os.Stat(rt.LogPath() + ".1")
	t.Logf("ollama.log %d bytes, ollama.log.1 %d bytes", cur.Size(), prev.Size())
	if prev.Size() != int64(len(old)) || cur.Size() == 0 || cur.Size() >= 1<<20 {
		t.Errorf("after start: ollama.log %d bytes, .1 %d bytes; want the old %d bytes in .1 and a fresh log", cur.Size(), prev.Size(), len(old))
	}
}
