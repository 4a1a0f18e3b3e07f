package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
)

// TestDatasetImportCLI imports a MedQA-layout file through the command
// line (JSON summary, a manifest batch reads), and a malformed one fails
// as bad input (exit 2) naming the file and line, writing nothing.
func TestDatasetImportCLI(t *testing.T) {
	in := tinyMedQA(t)
	out := filepath.Join(t.TempDir(), "medqa.jsonl")
	js, err := runCLI("dataset", "import", "--format", "medqa", in, "--out", out, "--limit", "2", "--json")
	var res struct {
		Format string
		Items  int
	}
	if err != nil || json.Unmarshal([]byte(js), &res) != nil || res.Format != "medqa" || res.Items != 2 {
		t.Fatalf("import: %s %v", js, err)
	}
	items, err := batch.LoadManifest(out)
	if err != nil || len(items) != 2 || items[1].Answer != "C" || len(items[1].Images) != 0 {
		t.Errorf("manifest: %+v %v", items, err)
	}
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte(`{"question": "Q", "options": {"A": "x"}, "answer_idx": "A"}`+"\n"+`{"question": "Q"}`+"\n"), 0o600)
	badOut := filepath.Join(t.TempDir(), "out.jsonl")
	_, err = runCLI("dataset", "import", "--format", "medqa", bad, "--out", badOut)
	if ExitCode(err) != 2 || !strings.Contains(err.Error(), "bad.jsonl:2:") {
		t.Errorf("malformed: exit %d, %v", ExitCode(err), err)
	}
	if _, serr := os.Stat(badOut); serr == nil {
		t.Error("a manifest was written from bad input")
	}
	if _, err := runCLI("dataset", "import", "--format", "csv", in, "--out", badOut); ExitCode(err) != 2 || !strings.Contains(err.Error(), "vqa-rad, slake") {
		t.Errorf("unknown format: %v", err)
	}
}
