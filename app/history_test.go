package app

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

var (
	ctOnce sync.Once
	ctAsk  askJSON
	ctErr  error
)

// askCT asks the demo model about 5.dcm once per test binary, for the
// history and report tests to read back.
func askCT(t *testing.T) (dir string, a askJSON) {
	t.Helper()
	dir = demoDataDir(t)
	ct := dicomtest.File(t, "5.dcm")
	ctOnce.Do(func() {
		var out string
		out, ctErr = runCLI("--data-dir", dir, "ask", "--json", "--model", core.DemoModelName, "--image", ct,
			"--prompt", "Describe this CT slice zanzibar", "--seed", "3", "--temperature", "0", "--num-predict", "8")
		if ctErr == nil {
			ctErr = json.Unmarshal([]byte(out), &ctAsk)
		}
	})
	if ctErr != nil {
		t.Fatalf("ask about 5.dcm: %v", ctErr)
	}
	return dir, ctAsk
}

// TestHistoryCommands asks about 5.dcm and then reads the run back with
// history show, search, rate, note and export.
func TestHistoryCommands(t *testing.T) {
	dir, a := askCT(t)
	ct := dicomtest.File(t, "5.dcm")
	id := strconvI(a.RunID)

	out, err := runCLI("--data-dir", dir, "history", "show", id, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var shown map[string]any
	if err := json.Unmarshal([]byte(out), &shown); err != nil {
		t.Fatalf("history show --json printed %q: %v", out, err)
	}
	if shown["status"] != "ok" || shown["study_modality"] != "CT" || len(shown["study_key"].(string)) != 64 ||
		shown["model_digest"] != a.ModelDigest || shown["output"] != a.Output {
		t.Errorf("history show --json = %v", shown)
	}
	text, err := runCLI("--data-dir", dir, "history", "show", id)
	if err != nil || !strings.Contains(text, "Describe this CT slice zanzibar") || !strings.Contains(text, a.ModelDigest) {
		t.Errorf("history show = %q, %v", text, err)
	}

	// The run was begun and finished: the database holds its source path
	// (locally) and the study, never the UID.
	h := openHistory(t, dir)
	r, err := h.Run(context.Background(), a.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.SourcePaths) != 1 || r.SourcePaths[0] != ct || r.FinishedAt.IsZero() {
		t.Errorf("stored run: paths %q, finished %v", r.SourcePaths, r.FinishedAt)
	}

	if _, err := runCLI("--data-dir", dir, "history", "rate", id, "5"); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI("--data-dir", dir, "history", "note", id, "kilimanjaro teaching case"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"zanzibar", "kilimanjaro"} {
		out, err := runCLI("--data-dir", dir, "history", "search", q, "--json", "--min-rating", "5")
		if err != nil {
			t.Fatal(err)
		}
		if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 || !strings.Contains(lines[0], `"run_id":`+id+`,`) {
			t.Errorf("history search %s = %q, want run %s only", q, out, id)
		}
	}

	csvPath := filepath.Join(t.TempDir(), "runs.csv")
	if _, err := runCLI("--data-dir", dir, "history", "export", "--format", "csv", "--out", csvPath, "--min-rating", "5"); err != nil {
		t.Fatal(err)
	}
	table := readCSV(t, csvPath)
	if len(table) != 2 {
		t.Fatalf("export: %d rows, want header and 1 run", len(table))
	}
	row := map[string]string{}
	for i, h := range table[0] {
		row[h] = table[1][i]
	}
	if row["run_id"] != id || row["seed"] != "3" || row["model_digest"] != a.ModelDigest || row["image_sha256"] != a.ImageSHA256[0] ||
		row["study_modality"] != "CT" || row["notes"] != "kilimanjaro teaching case" || row["source"] != "" || row["source_path"] != "" {
		t.Errorf("exported row = %v", row)
	}
	out, err = runCLI("--data-dir", dir, "history", "export", "--format", "jsonl", "--include-phi", "--min-rating", "5")
	if err != nil {
		t.Fatal(err)
	}
	var rec history.ExportRecord
	if err := json.Unmarshal([]byte(out), &rec); err != nil || rec.Source != "5.dcm" || rec.Images[0].SourcePath != ct {
		t.Errorf("export --include-phi = %+v, %v", rec, err)
	}

	// Browsing needs no runtime.
	if _, err := runCLI("--data-dir", dir, "--ollama-bin", filepath.Join(t.TempDir(), "no-ollama"), "history", "show", id); err != nil {
		t.Errorf("history show without a runtime: %v", err)
	}

	for _, bad := range [][]string{
		{"history", "show", "999999"},
		{"history", "show", "x"},
		{"history", "export", "--format", "xlsx"},
		{"history", "search"},
		{"history", "list", "--from", "yesterday"},
		{"history", "rate", id, "9"},
	} {
		_, err := runCLI(append([]string{"--data-dir", dir}, bad...)...)
		if ExitCode(err) != 2 || strings.Contains(err.Error(), "\n") && !strings.Contains(err.Error(), "usage") {
			t.Errorf("%v: exit %d, error %v; want 2 and one clear line", bad, ExitCode(err), err)
		}
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := openFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	table, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return table
}

func strconvI(n int64) string { return strconv.FormatInt(n, 10) }

func openFile(path string) (*os.File, error) { return os.Open(path) }

// TestHistoryShowPHI checks that history show gives the file names only
// with --include-phi.
func TestHistoryShowPHI(t *testing.T) {
	dir, a := askCT(t)
	id := strconvI(a.RunID)
	for _, tc := range []struct {
		args []string
		phi  bool
	}{
		{[]string{"history", "show", id}, false},
		{[]string{"history", "show", id, "--json"}, false},
		{[]string{"history", "list", "--json"}, false},
		{[]string{"history", "list", "--json", "--include-phi"}, true},
		{[]string{"history", "search", "zanzibar", "--json", "--include-phi"}, true},
		{[]string{"history", "show", id, "--include-phi"}, true},
		{[]string{"history", "show", id, "--json", "--include-phi"}, true},
	} {
		out, err := runCLI(append([]string{"--data-dir", dir}, tc.args...)...)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if got := strings.Contains(out, "5.dcm"); got != tc.phi {
			t.Errorf("%v: names the file: %v, want %v\n%s", tc.args, got, tc.phi, out)
		}
	}
}
