package app

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestBatchSchemaAndLogprobScoring is issue 15's check with the demo
// model: a schema with enum fields gives 100% schema-valid answers over a
// 20-item batch, the fields become columns, and --score logprob gives
// every row choice probabilities summing to 1.
func TestBatchSchemaAndLogprobScoring(t *testing.T) {
	dir := demoDataDir(t)
	work := t.TempDir()
	cr := dicomtest.File(t, "4.dcm")
	var m strings.Builder
	for i := range 20 {
		ans := []string{"yes", "no"}[i%2]
		fmt.Fprintf(&m, `{"id": "q%02d", "images": [%q], "question": "Is finding %d present?", "answer": %q}`+"\n", i, cr, i, ans)
	}
	manifest := filepath.Join(work, "manifest.jsonl")
	os.WriteFile(manifest, []byte(m.String()), 0o600)
	os.WriteFile(filepath.Join(work, "yesno.json"), []byte(`{"type": "object",
	  "properties": {"answer": {"type": "string", "enum": ["yes", "no"]}, "certainty": {"type": "string", "enum": ["low", "medium", "high"]}},
	  "required": ["answer", "certainty"], "additionalProperties": false}`), 0o600)
	prompts := filepath.Join(work, "prompts.yaml")
	os.WriteFile(prompts, []byte("prompts:\n  - name: json\n    schema: yesno.json\n    template: \"{{question}} Answer in JSON.\"\n"), 0o600)
	out := filepath.Join(work, "out.jsonl")
	if _, err := runCLI("--data-dir", dir, "batch", "--manifest", manifest, "--prompts", prompts, "--model", core.DemoModelName,
		"--num-predict", "120", "--temperature", "0", "--score", "logprob", "--out", out); err != nil {
		t.Fatal(err)
	}
	rows := consistentRows(t, out)
	if len(rows) != 20 {
		t.Fatalf("%d rows, want 20", len(rows))
	}
	for _, r := range rows {
		if r.SchemaValid == nil || !*r.SchemaValid || (r.Fields["answer"] != "yes" && r.Fields["answer"] != "no") || r.Fields["certainty"] == "" {
			t.Errorf("%s: valid %v (%s), fields %v, output %q", r.ItemID, r.SchemaValid, r.SchemaError, r.Fields, r.Output)
		}
		if sum := r.ChoiceProbs["yes"] + r.ChoiceProbs["no"]; len(r.ChoiceProbs) != 2 || math.Abs(sum-1) > 1e-6 {
			t.Errorf("%s: choice_probs %v (%s)", r.ItemID, r.ChoiceProbs, r.ScoreError)
		}
		if len(r.SchemaHash) != 12 {
			t.Errorf("%s: schema hash %q", r.ItemID, r.SchemaHash)
		}
	}
	csv, err := os.ReadFile(strings.TrimSuffix(out, ".jsonl") + ".csv")
	if err != nil {
		t.Fatal(err)
	}
	if head := strings.SplitN(string(csv), "\n", 2)[0]; !strings.HasSuffix(head, "choice_probs,prompt_version,field_answer,field_certainty") {
		t.Errorf("CSV header ends %q", head[max(0, len(head)-80):])
	}
	// A schema that does not compile is bad input naming the prompt.
	os.WriteFile(filepath.Join(work, "yesno.json"), []byte(`{"type": 7}`), 0o600)
	_, err = runCLI("--data-dir", dir, "batch", "--manifest", manifest, "--prompts", prompts, "--model", core.DemoModelName,
		"--out", filepath.Join(work, "out2.jsonl"))
	if ExitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), "yesno.json") {
		t.Errorf("bad schema: exit %d, %v", ExitCode(err), err)
	}
}

// TestAskSchema: ask --schema constrains the answer and reports it valid
// with its fields, and history keeps the schema's hash and verdict.
func TestAskSchema(t *testing.T) {
	dir := demoDataDir(t)
	schema := filepath.Join(t.TempDir(), "s.json")
	os.WriteFile(schema, []byte(`{"type":"object","properties":{"finding":{"type":"string","enum":["normal","abnormal"]}},"required":["finding"]}`), 0o600)
	out, err := runCLI("ask", "--json", "--data-dir", dir, "--model", core.DemoModelName, "--image", dicomtest.File(t, "4.dcm"),
		"--prompt", "Normal or abnormal? Answer in JSON.", "--schema", schema, "--num-predict", "120", "--temperature", "0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"schema_valid":true`) || !strings.Contains(out, `"fields":{"finding":"`) {
		t.Errorf("ask --schema printed %s", out)
	}
	if _, err := runCLI("ask", "--data-dir", dir, "--prompt", "x", "--schema", filepath.Join(t.TempDir(), "missing.json")); ExitCode(err) != 2 {
		t.Errorf("missing schema file: exit %d, %v", ExitCode(err), err)
	}
}
