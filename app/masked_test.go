package app

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestErrorsMaskCredentials: a URL's user and password and the bearer
// token never reach stderr, whatever fails.
func TestErrorsMaskCredentials(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--data-dir", dir, "--ollama-url", "http://alice:hunter2@127.0.0.1:9", "models", "list"},
		{"--data-dir", dir, "--ollama-url", "http://alice:hunter2@127.0.0.1:9/?token=tok-in-query", "models", "ps"},
		{"--data-dir", dir, "--ollama-url", "http://127.0.0.1:9", "ask", "--prompt", "hi"},
	} {
		t.Run(strings.Join(args[2:], " "), func(t *testing.T) {
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), EnvOllamaToken+"=tok-SECRET-123")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("exit = %v, want a failure; stderr %q", err, stderr.String())
			}
			msg := stderr.String()
			for _, secret := range []string{"hunter2", "alice", "tok-SECRET-123", "tok-in-query"} {
				if strings.Contains(msg, secret) {
					t.Errorf("stderr holds %q: %q", secret, msg)
				}
			}
			if !strings.Contains(msg, "127.0.0.1:9") {
				t.Errorf("stderr %q does not name the server", msg)
			}
		})
	}
}
