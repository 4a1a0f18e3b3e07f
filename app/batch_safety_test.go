package app

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
)

// TestBatchRefusesUnsafeInput checks, through the command line and
// without a runtime (an endpoint that is never reached), that a ZIP
// escaping its folder, a --out that is not a batch result, and a --out
// another batch holds all exit 2 with the file named, and that the --out
// file is left byte for byte as it was.
func TestBatchRefusesUnsafeInput(t *testing.T) {
	m := dicomBatch(t)
	data := t.TempDir()
	prompts := filepath.Join(m, "prompts.yaml")
	manifest := filepath.Join(m, "manifest.jsonl")

	evil := filepath.Join(m, "evil.zip")
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("../../escape.dcm")
	w.Write([]byte("x"))
	zw.Close()
	os.WriteFile(evil, zb.Bytes(), 0o600)

	notes := filepath.Join(m, "notes.jsonl")
	notesText := `{"id":"a","images":["1.dcm"]}` // a manifest line, no newline
	os.WriteFile(notes, []byte(notesText), 0o600)

	held := filepath.Join(m, "held.jsonl")
	lock, err := batch.OpenOutput(held)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()

	common := []string{"--data-dir", data, "batch", "--prompts", prompts, "--endpoint", "http://127.0.0.1:1/v1", "--model", "x"}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"zip traversal", []string{"--images", evil, "--out", filepath.Join(m, "o.jsonl")}, []string{"evil.zip", "../../escape.dcm", "outside"}},
		{"foreign out", []string{"--manifest", manifest, "--out", notes}, []string{"notes.jsonl", "not a batch result"}},
		{"out in use", []string{"--manifest", manifest, "--out", held}, []string{"held.jsonl", "another batch"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runCLI(append(common, tc.args...)...)
			if ExitCode(err) != 2 {
				t.Errorf("exit %d, %v; want 2", ExitCode(err), err)
			}
			for _, want := range tc.want {
				if !strings.Contains(fmt.Sprint(err), want) {
					t.Errorf("error %v does not say %q", err, want)
				}
			}
		})
	}
	if b, _ := os.ReadFile(notes); string(b) != notesText {
		t.Errorf("the foreign --out changed: %q", b)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(m), "escape.dcm")); err == nil {
		t.Error("the ZIP wrote outside its folder")
	}
	if left, _ := filepath.Glob(filepath.Join(data, "tmp", "batch-*")); len(left) != 0 {
		t.Errorf("extraction folders left: %v", left)
	}
}
