package batch

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestCSVNeutralisesFormulas checks batch --csv and eval --csv: cells
// beginning with a formula character get a leading quote; numbers do not.
func TestCSVNeutralisesFormulas(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(*bytes.Buffer) error
		col   string
		want  string
	}{
		{"output", func(b *bytes.Buffer) error { return WriteCSV(b, []Row{{Output: "=cmd|' /C calc'!A0"}}) }, "output", "'=cmd|' /C calc'!A0"},
		{"answer", func(b *bytes.Buffer) error { return WriteCSV(b, []Row{{Answer: "+SUM(1)"}}) }, "answer", "'+SUM(1)"},
		{"item", func(b *bytes.Buffer) error { return WriteCSV(b, []Row{{ItemID: "@x"}}) }, "item_id", "'@x"},
		{"question", func(b *bytes.Buffer) error { return WriteCSV(b, []Row{{Question: "\t=1"}}) }, "question", "'\t=1"},
		{"error", func(b *bytes.Buffer) error { return WriteCSV(b, []Row{{Error: "\r=1"}}) }, "error", "'\r=1"},
		{"negative count stays", func(b *bytes.Buffer) error { return WriteCSV(b, []Row{{RunID: -3}}) }, "run_id", "-3"},
		{"eval prompt", func(b *bytes.Buffer) error {
			return WriteSummaryCSV(b, Report{Groups: []Group{{Prompt: "-2+3", Model: "m"}}})
		}, "prompt_name", "'-2+3"},
		{"eval model", func(b *bytes.Buffer) error {
			return WriteSummaryCSV(b, Report{Groups: []Group{{Prompt: "p", Model: "=m"}}})
		}, "model", "'=m"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.write(&b); err != nil {
				t.Fatal(err)
			}
			table, err := csv.NewReader(&b).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			for i, h := range table[0] {
				if h == tc.col {
					if got := table[1][i]; got != tc.want {
						t.Errorf("%s = %q, want %q", tc.col, got, tc.want)
					}
					return
				}
			}
			t.Fatalf("no column %s", tc.col)
		})
	}
}

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestWriteCSVGolden writes rows with every column set, and with none,
// and compares the bytes with testdata/results.csv (written by WriteCSV
// before its columns became one table).
func TestWriteCSVGolden(t *testing.T) {
	seed, temp, valid := 7, 0.25, true
	start := time.Date(2026, 11, 30, 10, 0, 0, 500_000_000, time.FixedZone("CET", 3600))
	rows := []Row{
		{
			Key: "k1", ItemID: "ct-1", PromptName: "direct", Model: "medgemma:4b", Repetition: 2, RunID: 12,
			Output: "=B. no fracture, \"quoted\"\nsecond line", Status: "ok",
			Question: "Is there a fracture?", Answer: "B", Choices: []string{"yes", "no"},
			Images: []string{"a/1.dcm", "a/2.dcm"}, InputSHA256: []string{"in1", "in2"}, ImageSHA256: []string{"aa11", "bb22"},
			System: "You are a radiologist.", Prompt: "Is there a fracture? yes|no",
			Options:       inference.Options{Seed: &seed, Temperature: &temp, NumPredict: 64, NumCtx: 8192},
			Prep:          Prep{Frame: 3, Window: "40,400", Preset: "lung", Encoding: "ct3", Fit: "pad"},
			PromptVersion: "v2", Recipe: &core.RecipeRef{Name: "medgemma-1.5-ct", Version: "1", Hash: "3f2a9c01b4d2ffff"},
			SchemaHash: "sha256:def", SchemaValid: &valid, SchemaError: "",
			Fields:      map[string]string{"modality": "CT", "site": "+north"},
			ChoiceProbs: map[string]float64{"no": 0.75, "yes": 0.25},
			Backend:     KindOllama.String(), Endpoint: "http://gpu1:11434", ModelDigest: "sha256:abc", RuntimeVersion: "0.24.0",
			PromptEvalCount: 300, EvalCount: 42, TotalDurationMS: 2125, LoadDurationMS: 10, PromptEvalDurationMS: 500,
			EvalDurationMS: 1500, FirstTokenMS: 600, DoneReason: "stop", Truncated: true, Attempts: 2,
			StartedAt: start, FinishedAt: start.Add(2125 * time.Millisecond),
		},
		{ItemID: "ct-2", Status: "error", Error: "runtime: connection refused", RunID: -1, Fields: map[string]string{"modality": "MR"}},
		{},
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "results.csv")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("WriteCSV differs from %s:\n%s\nwant:\n%s", golden, b.Bytes(), want)
	}
}
