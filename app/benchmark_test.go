package app

import (
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// writePNG writes a small grey gradient PNG.
func writePNG(t *testing.T, path string) {
	t.Helper()
	im := image.NewGray(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			im.SetGray(x, y, color.Gray{Y: uint8(4 * x)})
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, im); err != nil {
		t.Fatal(err)
	}
}

// tinyVQARAD is a VQA-RAD folder in its published layout: three test
// questions (phrase_type test_freeform) on two images and one training
// question, which the row's test split leaves out.
func tinyVQARAD(t *testing.T) string {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "VQA_RAD Image Folder", "synpic100132.jpg"))
	writePNG(t, filepath.Join(dir, "VQA_RAD Image Folder", "synpic42202.jpg"))
	recs := `[
 {"qid": 1, "image_name": "synpic100132.jpg", "image_organ": "CHEST", "answer": "Yes", "answer_type": "CLOSED", "question_type": "PRES", "question": "Is there a pneumothorax?", "phrase_type": "test_freeform"},
 {"qid": 2, "image_name": "synpic100132.jpg", "image_organ": "CHEST", "answer": "right lung", "answer_type": "OPEN", "question_type": "POS", "question": "Where is the abnormality?", "phrase_type": "test_freeform"},
 {"qid": 3, "image_name": "synpic42202.jpg", "image_organ": "HEAD", "answer": "No", "answer_type": "CLOSED", "question_type": "PRES", "question": "Is there a fracture?", "phrase_type": "test_para"},
 {"qid": 4, "image_name": "synpic42202.jpg", "image_organ": "HEAD", "answer": "CT", "answer_type": "OPEN", "question_type": "MODALITY", "question": "What imaging is this?", "phrase_type": "freeform"}
]`
	if err := os.WriteFile(filepath.Join(dir, "VQA_RAD Dataset Public.json"), []byte(recs), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tinyMedQA is a MedQA JSON Lines file in its published layout: three
// text-only questions.
func tinyMedQA(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "phrases_no_exclude_test.jsonl")
	lines := `{"question": "A 45-year-old man has crushing chest pain. Which test first?", "answer": "ECG", "options": {"A": "ECG", "B": "Chest CT", "C": "Echocardiogram", "D": "Stress test"}, "meta_info": "step2&3", "answer_idx": "A"}
{"question": "Which vitamin deficiency causes scurvy?", "answer": "Vitamin C", "options": {"A": "Vitamin A", "B": "Vitamin B12", "C": "Vitamin C", "D": "Vitamin D"}, "meta_info": "step1", "answer_idx": "C"}
{"question": "Which nerve is injured in wrist drop?", "answer": "Radial nerve", "options": {"A": "Ulnar nerve", "B": "Radial nerve", "C": "Median nerve", "D": "Axillary nerve"}, "meta_info": "step1", "answer_idx": "B"}
`
	if err := os.WriteFile(p, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBenchmarkRunDemo runs the VQA-RAD and MedQA rows end to end with the
// demo model on tiny sets in their published layouts: the dataset is
// imported, run as a batch (text-only items for MedQA), scored, and
// "ours X [CI] vs card Y" printed with the provenance; the report is
// written. A second run resumes (no run asked again).
func TestBenchmarkRunDemo(t *testing.T) {
	dir := demoDataDir(t)
	for _, tc := range []struct {
		row, data, card string
		items           int
	}{
		{"vqa-rad", tinyVQARAD(t), "vs card 49.9", 3},
		{"medqa", tinyMedQA(t), "vs card 64.4", 3},
	} {
		out := filepath.Join(t.TempDir(), tc.row)
		args := []string{"--data-dir", dir, "benchmark", "run", tc.row, "--data", tc.data, "--model", inference.DemoModelName, "--out", out}
		text, err := runCLI(args...)
		if err != nil {
			t.Fatalf("%s: %v", tc.row, err)
		}
		t.Logf("benchmark run %s:\n%s", tc.row, text)
		if !strings.Contains(text, tc.row+": ours ") || !strings.Contains(text, tc.card) || !digestRE.MatchString(text) || !strings.Contains(text, "report: ") {
			t.Errorf("%s printed:\n%s", tc.row, text)
		}
		rows, _, err := batch.ReadRows(filepath.Join(out, "results.jsonl"))
		if err != nil || len(rows) != tc.items {
			t.Fatalf("%s: %d rows, %v", tc.row, len(rows), err)
		}
		for _, r := range rows {
			if r.Status != "ok" || r.Meta["dataset"] != tc.row {
				t.Errorf("%s row %+v", tc.row, r)
			}
			if tc.row == "medqa" && (len(r.ImageSHA256) != 0 || len(r.Choices) != 4) {
				t.Errorf("medqa row sent images %v / choices %v", r.ImageSHA256, r.Choices)
			}
		}
		if tc.row == "vqa-rad" {
			// The imported metadata splits the scores: eval --by answer_type.
			table, err := runCLI("eval", filepath.Join(out, "results.jsonl"), "--metric", "f1", "--by", "answer_type")
			if err != nil || !strings.Contains(table, "ANSWER_TYPE") || !strings.Contains(table, "closed") || !strings.Contains(table, "open") {
				t.Errorf("eval --by answer_type: %v\n%s", err, table)
			}
			t.Logf("eval --by answer_type:\n%s", table)
		}
		report, err := os.ReadFile(filepath.Join(out, "report.html"))
		if err != nil || !strings.Contains(string(report), "Model card") || !strings.Contains(string(report), "Ours") {
			t.Errorf("%s report: %v", tc.row, err)
		}
		// Again: resumed, nothing asked again, the same score as JSON.
		js, err := runCLI(append(args, "--json")...)
		var res struct {
			Ours    float64  `json:"ours"`
			Low     float64  `json:"ci_low"`
			High    float64  `json:"ci_high"`
			Card    *float64 `json:"card_medgemma_4b"`
			Skipped int      `json:"skipped"`
			Runs    int      `json:"runs"`
		}
		if err != nil || json.Unmarshal([]byte(js), &res) != nil || res.Skipped != res.Runs || res.Card == nil || res.Low > res.Ours || res.High < res.Ours {
			t.Errorf("%s again: %s %v", tc.row, js, err)
		}
	}
}

var digestRE = regexp.MustCompile(`digest [0-9a-f]{64}\), runtime [0-9][^,]*, recipe `)

// TestBenchmarkList lists the rows with the card's values, as a table and
// as JSON.
func TestBenchmarkList(t *testing.T) {
	text, err := runCLI("benchmark", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"vqa-rad", "slake", "medqa", "medmcqa", "pubmedqa", "cxr-localization", "49.9", "not in the card"} {
		if !strings.Contains(text, want) {
			t.Errorf("benchmark list lacks %q:\n%s", want, text)
		}
	}
	js, err := runCLI("benchmark", "list", "--json")
	if err != nil || strings.Count(js, "\n") < 6 || !strings.Contains(js, `"card_medgemma_4b":72.3`) {
		t.Errorf("benchmark list --json: %s %v", js, err)
	}
	if _, err := runCLI("benchmark", "run", "nope", "--data", "x", "--model", "m"); ExitCode(err) != 2 {
		t.Errorf("unknown row: exit %d, %v", ExitCode(err), err)
	}
}

// TestBenchmarkRunOnEndpoint runs the MedQA row against an OpenAI-
// compatible endpoint (a real `ollama serve`'s /v1 with the demo model)
// instead of the managed runtime: the rows name the endpoint.
func TestBenchmarkRunOnEndpoint(t *testing.T) {
	dir := demoDataDir(t)
	srv := startOllama(t, dir)
	out := filepath.Join(t.TempDir(), "medqa")
	text, err := runCLI("--data-dir", dir, "benchmark", "run", "medqa", "--data", tinyMedQA(t), "--model", inference.DemoModelName,
		"--out", out, "--endpoint", srv.URL+"/v1", "--limit", "2")
	if err != nil || !strings.Contains(text, "medqa: ours ") || !strings.Contains(text, "vs card 64.4") {
		t.Fatalf("benchmark run --endpoint: %v\n%s", err, text)
	}
	rows, _, err := batch.ReadRows(filepath.Join(out, "results.jsonl"))
	if err != nil || len(rows) != 2 || rows[0].Backend != "openai" || !strings.HasPrefix(rows[0].Endpoint, srv.URL) {
		t.Errorf("rows %+v, %v", rows, err)
	}
	if _, err := runCLI("--data-dir", dir, "benchmark", "run", "medqa", "--data", "x", "--model", "m",
		"--endpoint", srv.URL+"/v1", "--endpoints", "e.yaml"); ExitCode(err) != 2 || !strings.Contains(err.Error(), "not both") {
		t.Errorf("--endpoint with --endpoints: %v", err)
	}
}
