package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/ui"
)

// TestBatchGUIServices runs a tiny batch (2 DICOM items × 1 prompt × the
// demo model) as the Batch tab does, through Services on the real
// runtime: progress counts up to 2, the result file and its CSV are
// written, running it again skips both runs, the scores come from the
// same code as eval, and a bad manifest is refused naming the file.
func TestBatchGUIServices(t *testing.T) {
	dir := demoDataDir(t)
	m := dicomBatch(t)
	write := func(name, text string) string {
		p := filepath.Join(m, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	manifest := write("tiny.jsonl", `{"id": "pet-2", "images": ["2.dcm"], "question": "Is this a PET image?", "answer": "yes"}`+"\n"+
		`{"id": "ct-5", "images": ["5.dcm"], "question": "Is this an MRI image?", "answer": "no"}`+"\n")
	prompts := write("one.yaml", "prompts:\n  - name: direct\n    template: \"{{question}} Answer yes or no.\"\n")
	bad := write("bad.csv", "id,images,question\nx,missing.dcm,Why?\n")

	ctx := context.Background()
	s, err := NewServices(ctx, Config{DataDir: dir}, "test gui batch")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	seed, temp := 1, 0.0
	out := filepath.Join(m, "results.jsonl")
	spec := core.BatchSpec{Manifest: manifest, Prompts: prompts, Models: []string{inference.DemoModelName}, Repeat: 1,
		Concurrency: 1, Out: out, Options: inference.Options{NumPredict: 4, Seed: &seed, Temperature: &temp}}
	var seen []ui.BatchProgress
	res, err := s.RunBatch(ctx, spec, nil, func(p ui.BatchProgress) { seen = append(seen, p) })
	if err != nil {
		t.Fatal(err)
	}
	if res.Runs != 2 || res.OK != 2 || res.Skipped != 0 || res.Rows != 2 || res.CSV != filepath.Join(m, "results.csv") {
		t.Fatalf("result %+v", res)
	}
	for i, p := range seen {
		if p.Total != 2 || p.Done != i || p.Skipped != 0 {
			t.Errorf("progress %d: %+v", i, p)
		}
	}
	if len(seen) != 3 {
		t.Errorf("%d progress calls, want the start and one per run", len(seen))
	}
	if rows := consistentRows(t, out); len(rows) != 2 || rows[0].Options.NumPredict != 4 {
		t.Errorf("rows %+v", rows)
	}
	if csv, err := os.ReadFile(res.CSV); err != nil || !strings.Contains(string(csv), "pet-2") {
		t.Errorf("CSV copy: %v", err)
	}

	// Again: both runs are in the file already.
	seen = nil
	res, err = s.RunBatch(ctx, spec, nil, func(p ui.BatchProgress) { seen = append(seen, p) })
	if err != nil || res.Skipped != 2 || res.Total != 0 || res.Rows != 2 || len(seen) != 1 || seen[0].Skipped != 2 {
		t.Errorf("resumed: %+v, %v, progress %+v", res, err, seen)
	}

	ev, err := s.EvalBatch(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if g := ev.Report.Groups; len(g) != 1 || g[0].Metric != batch.YesNo || g[0].N != 2 || g[0].Prompt != "direct" {
		t.Errorf("scores %+v", ev.Report)
	}
	csvPath := filepath.Join(m, "scores.csv")
	if err := s.WriteEvalCSV(ctx, ev.Report, csvPath); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(csvPath); err != nil || !strings.HasPrefix(string(b), "prompt_name,model,metric,n,") {
		t.Errorf("scores CSV %q, %v", b, err)
	}

	spec.Manifest = bad
	if _, err := s.RunBatch(ctx, spec, nil, nil); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad manifest: %v, want the file named", err)
	}
}

// TestBatchSpecProblems: BatchSpec.check is the one place that says what
// a batch needs (core.BatchSpec.Check first, which the window shares);
// the service words each problem in the spec's terms, the command line in
// its flags, as bad usage (exit 2).
func TestBatchSpecProblems(t *testing.T) {
	ok := BatchSpec{BatchSpec: core.BatchSpec{Manifest: "m.jsonl", Prompts: "p.yaml", Out: "o.jsonl", Repeat: 1, Concurrency: 1}}
	for _, tc := range []struct {
		name    string
		edit    func(*BatchSpec)
		args    []string // the same problem on the command line
		service string
		cli     string
	}{
		{"no source", func(s *BatchSpec) { s.Manifest = "" }, []string{"--prompts", "p.yaml", "--out", "o.jsonl"},
			"batch: choose a manifest or a folder or ZIP of images (one of them)", "batch: give --manifest or --images (one of them)\n" + batchUsage},
		{"both sources", func(s *BatchSpec) { s.Images = "dir" }, []string{"--manifest", "m.jsonl", "--images", "dir", "--prompts", "p.yaml", "--out", "o.jsonl"},
			"batch: choose a manifest or a folder or ZIP of images (one of them)", "batch: give --manifest or --images (one of them)\n" + batchUsage},
		{"no prompts", func(s *BatchSpec) { s.Prompts = "" }, []string{"--manifest", "m.jsonl", "--out", "o.jsonl"},
			"batch: choose a prompts file", "batch: --prompts and --out are required\n" + batchUsage},
		{"no out", func(s *BatchSpec) { s.Out = "" }, []string{"--manifest", "m.jsonl", "--prompts", "p.yaml"},
			"batch: choose a result file", "batch: --prompts and --out are required\n" + batchUsage},
		{"no repeat", func(s *BatchSpec) { s.Repeat = 0 }, []string{"--manifest", "m.jsonl", "--prompts", "p.yaml", "--out", "o.jsonl", "--repeat", "0"},
			"batch: repetitions and concurrency must be at least 1", "batch: --repeat and --concurrency must be ≥ 1, --retries ≥ 0"},
		{"no concurrency", func(s *BatchSpec) { s.Concurrency = 0 }, []string{"--manifest", "m.jsonl", "--prompts", "p.yaml", "--out", "o.jsonl", "--concurrency", "0"},
			"batch: repetitions and concurrency must be at least 1", "batch: --repeat and --concurrency must be ≥ 1, --retries ≥ 0"},
		{"negative retries", func(s *BatchSpec) { s.Retries = -1 }, []string{"--manifest", "m.jsonl", "--prompts", "p.yaml", "--out", "o.jsonl", "--retries", "-1"},
			"batch: retries must be at least 0", "batch: --repeat and --concurrency must be ≥ 1, --retries ≥ 0"},
		{"endpoint without models", func(s *BatchSpec) { s.Endpoint = "http://h/v1" }, []string{"--manifest", "m.jsonl", "--prompts", "p.yaml", "--out", "o.jsonl", "--endpoint", "http://h/v1"},
			"batch: an endpoint needs the models it serves named", "batch: --endpoint needs --model NAME (the name the server serves)"},
		{"CSV over the result", func(s *BatchSpec) { s.Out = "o.csv" }, []string{"--manifest", "m.jsonl", "--prompts", "p.yaml", "--out", "o.csv"},
			"batch: result file o.csv would be overwritten by its CSV copy: name it FILE.jsonl", "batch: --out o.csv would be overwritten by the CSV: name the JSON Lines file FILE.jsonl, or give --csv"},
		// On a case-insensitive disk o.CSV and its copy o.csv are one file.
		{"CSV over the result in another case", func(s *BatchSpec) { s.Out = "o.CSV" }, []string{"--manifest", "m.jsonl", "--prompts", "p.yaml", "--out", "o.CSV"},
			"batch: result file o.CSV would be overwritten by its CSV copy: name it FILE.jsonl", "batch: --out o.CSV would be overwritten by the CSV: name the JSON Lines file FILE.jsonl, or give --csv"},
		{"--csv naming the result in another case", func(s *BatchSpec) { s.CSV = "O.JSONL" }, []string{"--manifest", "m.jsonl", "--prompts", "p.yaml", "--out", "o.jsonl", "--csv", "O.JSONL"},
			"batch: result file o.jsonl would be overwritten by its CSV copy: name it FILE.jsonl", "batch: --out o.jsonl would be overwritten by the CSV: name the JSON Lines file FILE.jsonl, or give --csv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ok
			tc.edit(&s)
			if err := s.check(); err == nil || err.Error() != tc.service {
				t.Errorf("check: %v, want %q", err, tc.service)
			}
			_, err := runCLI(append([]string{"--data-dir", t.TempDir(), "batch"}, tc.args...)...)
			if ExitCode(err) != 2 || err.Error() != tc.cli {
				t.Errorf("batch %v: exit %d, %v; want 2 and %q", tc.args, ExitCode(err), err, tc.cli)
			}
		})
	}
	s := ok
	s.Endpoint, s.Endpoints, s.Models = "http://h/v1", []batch.EndpointSpec{{URL: "http://g/v1"}}, []string{"m"}
	if err := s.check(); err == nil || err.Error() != "batch: give one endpoint or a list of them, not both" {
		t.Errorf("one endpoint and a list: %v", err)
	}
	if err := ok.check(); err != nil {
		t.Errorf("a spec that can run: %v", err)
	}
}
