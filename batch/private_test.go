package batch

import (
	"os"
	"path/filepath"
	"testing"
)

// TestOutputFilesArePrivate (issue 26, item 5): a batch's result rows and
// its CSV are readable by the user only, also when the result file was
// left 0644 by an earlier version.
func TestOutputFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	out, csv := filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "out.csv")
	if err := os.WriteFile(out, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := OpenOutput(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Append(Row{Key: "k", ItemID: "1", Status: "ok", Output: "an answer"}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
		t.Errorf("result file while running is %v, want 0600", fi.Mode().Perm())
	}
	if err := o.Finish(nil, csv); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{out, csv} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, %v; want 0600", filepath.Base(p), fi.Mode().Perm(), err)
		}
	}
}
