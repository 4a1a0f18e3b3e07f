package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDoctorWarnsOfASharedMachine (issue 26, item 8): doctor warns when
// the data dir is open to other users, and when other users are logged in
// (read from a /proc of login UIDs); a private data dir on a machine of
// one user gets no warning.
func TestDoctorWarnsOfASharedMachine(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	out, _ := runCLI("--data-dir", dir, "doctor", "--json")
	var rep struct {
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("doctor --json: %v\n%s", err, out)
	}
	if len(rep.Warnings) == 0 || !strings.Contains(rep.Warnings[0], "open to other users") || !strings.Contains(rep.Warnings[0], "chmod 700") {
		t.Errorf("a 0755 data dir: warnings %q", rep.Warnings)
	}

	proc := t.TempDir()
	for pid, uid := range map[string]string{"1": "4294967295", "10": "0", "20": "4242", "21": "4242", "30": "4343"} {
		os.MkdirAll(filepath.Join(proc, pid), 0o700)
		os.WriteFile(filepath.Join(proc, pid, "loginuid"), []byte(uid+"\n"), 0o600)
	}
	os.Chmod(dir, 0o700)
	if w := sharingWarnings(dir, proc); len(w) != 1 || !strings.Contains(w[0], "4242, 4343") || !strings.Contains(w[0], "no authentication") {
		t.Errorf("two other users logged in: %q", w)
	}
	if w := sharingWarnings(dir, t.TempDir()); len(w) != 0 {
		t.Errorf("a private data dir, no one else: %q", w)
	}
}
