package history

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestExportNeutralisesFormulas checks that CSV cells beginning with a
// formula character get a leading quote, and that JSON Lines keep the
// text as it was.
func TestExportNeutralisesFormulas(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, tc := range []struct{ field, text, csvWant string }{
		{"prompt", "=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"},
		{"output", "+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"system", "-2+3", "'-2+3"},
		{"notes", "@SUM(A1)", "'@SUM(A1)"},
		{"error", "\tx", "'\tx"},
		{"thinking", "\r=1", "'\r=1"},
	} {
		t.Run(tc.field, func(t *testing.T) {
			r := &core.Run{StartedAt: time.Now(), Model: "m", Status: core.StatusOK}
			switch tc.field {
			case "prompt":
				r.Prompt = tc.text
			case "output":
				r.Output = tc.text
			case "system":
				r.System = tc.text
			case "error":
				r.Error = tc.text
			case "thinking":
				r.Thinking = tc.text
			}
			if _, err := s.SaveRun(ctx, r); err != nil {
				t.Fatal(err)
			}
			if tc.field == "notes" {
				if err := s.SetNotes(ctx, r.ID, tc.text); err != nil {
					t.Fatal(err)
				}
			}
			var cs, jl bytes.Buffer
			if _, err := s.Export(ctx, &cs, FormatCSV, core.Filter{}, false); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Export(ctx, &jl, FormatJSONL, core.Filter{}, false); err != nil {
				t.Fatal(err)
			}
			table, err := csv.NewReader(&cs).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			col := -1
			for i, h := range table[0] {
				if h == tc.field {
					col = i
				}
			}
			last := table[len(table)-1]
			if got := last[col]; got != tc.csvWant {
				t.Errorf("csv %s = %q, want %q", tc.field, got, tc.csvWant)
			}
			lines := strings.Split(strings.TrimSpace(jl.String()), "\n")
			var rec map[string]any
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rec); err != nil {
				t.Fatal(err)
			}
			if got := rec[tc.field]; got != tc.text {
				t.Errorf("jsonl %s = %q, want it verbatim %q", tc.field, got, tc.text)
			}
		})
	}
}

// TestExportPHI checks that the study description, file names and paths
// are exported only with includePHI.
func TestExportPHI(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	key, err := s.PutStudy(ctx, "1.2.3.4", "CT", "CT HEAD Doe^Jane")
	if err != nil {
		t.Fatal(err)
	}
	img := testImage(t, 9, "Doe^Jane.dcm")
	if err := s.PutImage(ctx, img); err != nil {
		t.Fatal(err)
	}
	r := &core.Run{StartedAt: time.Now(), Model: "m", Status: core.StatusOK, StudyKey: key, Source: "Doe^Jane.dcm",
		ImageSHA256: []string{img.SHA256}, SourcePaths: []string{"/data/Doe^Jane/Doe^Jane.dcm"}}
	if _, err := s.SaveRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		format string
		phi    bool
	}{{FormatCSV, false}, {FormatCSV, true}, {FormatJSONL, false}, {FormatJSONL, true}} {
		var b bytes.Buffer
		if _, err := s.Export(ctx, &b, tc.format, core.Filter{}, tc.phi); err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(b.String(), "Doe^Jane"); (got > 0) != tc.phi {
			t.Errorf("%s phi=%v: %d mentions of the patient in %s", tc.format, tc.phi, got, b.String())
		}
		if !strings.Contains(b.String(), "CT") {
			t.Errorf("%s phi=%v: no modality", tc.format, tc.phi)
		}
	}
}

// TestBurnInRiskStored checks that a version 3 database gains the
// burn_in_risk column (old runs false) and that the flag round-trips.
func TestBurnInRiskStored(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/h.db"
	raw := openRaw(t, path)
	if err := migrate(ctx, raw, migrations, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO runs (started_at, source, system, prompt, model, model_digest, runtime_version, options, output,
		prompt_eval_count, eval_count, total_duration_ns, load_duration_ns, prompt_eval_duration_ns, eval_duration_ns, first_token_ns,
		done_reason, status, error) VALUES ('2025-01-01T00:00:00.000000000Z', '', '', 'old', 'm', '', '', '{}', '', 0, 0, 0, 0, 0, 0, 0, '', 'ok', '')`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		prompt string
		risk   bool
	}{{"plain", false}, {"ultrasound", true}} {
		r := &core.Run{StartedAt: time.Now(), Model: "m", Prompt: tc.prompt, Status: core.StatusOK, BurnInRisk: tc.risk}
		if _, err := s.SaveRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := s.Runs(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"old": false, "plain": false, "ultrasound": true}
	for _, r := range runs {
		if r.BurnInRisk != want[r.Prompt] {
			t.Errorf("run %q: burn-in risk %v, want %v", r.Prompt, r.BurnInRisk, want[r.Prompt])
		}
	}
	var b bytes.Buffer
	if _, err := s.Export(ctx, &b, FormatJSONL, core.Filter{}, false); err != nil || strings.Count(b.String(), `"burn_in_risk":true`) != 1 {
		t.Errorf("export: %v\n%s", err, b.String())
	}
}
