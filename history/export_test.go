package history

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/internal/csvsafe"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestExportCSVGolden writes records with every field set, and with
// none, as the CSV export writes them, and compares the bytes with
// testdata/export.csv (written by the export before its columns became
// one table).
func TestExportCSVGolden(t *testing.T) {
	seed, temp, valid, invalid := 7, 0.25, true, false
	recs := []ExportRecord{
		{
			RunID: 12, SessionID: 3, StartedAt: "2026-11-30T10:00:00.5Z", FinishedAt: "2026-11-30T10:00:02.125Z",
			Status: "ok", DoneReason: "stop", Model: "medgemma:4b", ModelDigest: "sha256:abc", RuntimeVersion: "0.24.0",
			Seed: &seed, Temperature: &temp, NumPredict: 256, NumCtx: 8192,
			System: "You are a radiologist.", Prompt: "Is there a fracture?", Output: "=SUM(A1) no fracture, \"quoted\"\nsecond line",
			Thinking: "looked; carefully",
			Images: []ExportImage{
				{SHA256: "aa11", Frame: 1, WindowCenter: 40, WindowWidth: 400.5, Encoding: "gray8", Width: 896, Height: 896, SourcePath: "/data/Doe^Jane/1.dcm"},
				{SHA256: "bb22", Frame: 2, WindowCenter: -600, WindowWidth: 1500, Encoding: "ct3", Width: 512, Height: 384},
			},
			StudyKey: "study-1", StudyModality: "CT", StudyDescription: "CHEST W/O",
			PromptEvalCount: 300, EvalCount: 42, TotalDurationMS: 2125.5, LoadDurationMS: 10.25, PromptEvalDuration: 500,
			EvalDurationMS: 1500.125, FirstTokenMS: 600.001, Rating: 4, Notes: "+teaching case", Source: "1.dcm; 2.dcm",
			BurnInRisk: true, Recipe: "medgemma-1.5-ct v1 (3f2a9c01b4d2)", SchemaHash: "sha256:def", SchemaValid: &valid,
			PromptVersion: "v2",
		},
		{RunID: 13, SessionID: 3, Status: "error", Error: "runtime: connection refused", SchemaValid: &invalid,
			Images: []ExportImage{{SHA256: "cc33", Width: 896, Height: 896}, {SHA256: "dd44"}}},
		{},
	}
	var b bytes.Buffer
	cw := csvsafe.NewWriter(&b)
	if err := cw.Write(csvsafe.Header(exportColumns)); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := cw.Write(r.csvRow()); err != nil {
			t.Fatal(err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "export.csv")
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
		t.Errorf("CSV export differs from %s:\n%s\nwant:\n%s", golden, b.Bytes(), want)
	}
}
