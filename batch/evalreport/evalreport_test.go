package evalreport

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	stdhtml "html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/digest"
)

var page = flag.String("page", "", "write page 1 of the PDF report as a PNG to this path (docs/screenshots/eval-report.png)")

const (
	digest4b = "sha256:8b2d1e6c0f4a9d3e7b5c1a2f6e8d0c4b9a7f3e1d5c2b8a6f4e0d9c3b7a1f5e2d"
	imageDir = "/data/patients/Jane_Doe_19500704"
)

// resultFile writes a hand-made result file: two prompts ("direct" and
// "stepwise", the second with a recipe and a schema) × one model ×
// twelve multiple-choice items × two repetitions, every row with choice
// probabilities and an image path that must not reach the report.
// direct answers right on items 0-8, stepwise on 0-3 and, on its second
// repetition, item 11.
func resultFile(t *testing.T) (path string, rows []batch.Row) {
	t.Helper()
	ch := []string{"CT", "MRI", "PET"}
	valid := true
	for _, prompt := range []string{"direct", "stepwise"} {
		for i := range 12 {
			for rep := 1; rep <= 2; rep++ {
				right := i <= 8
				if prompt == "stepwise" {
					right = i <= 3 || (i == 11 && rep == 2)
				}
				out, probs := "A", map[string]float64{"A": 0.55, "B": 0.35, "C": 0.1}
				if right {
					out, probs = "B", map[string]float64{"A": 0.1, "B": 0.85, "C": 0.05}
				}
				r := batch.Row{Key: fmt.Sprint(prompt, i, rep), ItemID: fmt.Sprint("item-", i), PromptName: prompt,
					Model: "medgemma:4b", Repetition: rep, RunID: int64(len(rows) + 1), Status: "ok", Output: out,
					Answer: "B", Choices: ch, ChoiceProbs: probs, Question: "Which modality acquired this image?",
					Images: []string{filepath.Join(imageDir, fmt.Sprint("slice", i, ".dcm"))}, Backend: "ollama",
					ModelDigest: digest4b, RuntimeVersion: "0.12.3",
					System: "You are an expert radiologist.", Prompt: "Which modality acquired this image?\nA. CT\nB. MRI\nC. PET"}
				if prompt == "stepwise" {
					if right {
						r.ChoiceProbs = map[string]float64{"A": 0.2, "B": 0.7, "C": 0.1}
					}
					r.Recipe = &core.RecipeRef{Name: "medgemma-1.5-ct", Version: "1", Hash: "3f2a9c01b4d2"}
					r.SchemaHash, r.SchemaValid = "c0ffee123456", &valid
					r.Prompt = strings.Repeat("Think step by step about the image.\n", 20) + r.Prompt
				}
				rows = append(rows, r)
			}
		}
	}
	// One failed run.
	rows = append(rows, batch.Row{Key: "err", ItemID: "item-0", PromptName: "direct", Model: "medgemma:4b", Repetition: 3,
		Status: "error", Error: "timeout", Answer: "B", Choices: ch, Images: []string{imageDir + "/slice0.dcm"}})
	path = filepath.Join(t.TempDir(), "results.jsonl")
	var b bytes.Buffer
	for _, r := range rows {
		line, _ := json.Marshal(r)
		b.Write(append(line, '\n'))
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, rows
}

func build(t *testing.T) (*Document, []batch.Row, string) {
	t.Helper()
	path, _ := resultFile(t)
	rows, _, err := batch.ReadRows(path)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := digest.File(path)
	if err != nil {
		t.Fatal(err)
	}
	sum = strings.TrimPrefix(sum, "sha256:")
	doc, err := Build(rows, Options{Eval: batch.EvalOptions{Resamples: 500, Seed: 7}, Source: path, SourceSHA256: sum,
		AppVersion: "0.1.0-test", Now: time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return doc, rows, sum
}

// pdfText extracts a PDF's text with pdftotext (Debian poppler-utils).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: runs pdftotext (poppler) on the PDF")
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (install Debian poppler-utils; scripts/setup.sh does): %v", err)
	}
	return string(out)
}

func TestReportHTMLAndPDF(t *testing.T) {
	doc, rows, sum := build(t)
	opt := batch.EvalOptions{Resamples: 500, Seed: 7}
	rep := batch.Evaluate(rows, opt)
	pairs := batch.Compare(rows, opt)
	if len(rep.Groups) != 2 || len(pairs) != 1 {
		t.Fatalf("groups %+v, pairs %+v", rep.Groups, pairs)
	}
	if doc.Pairs == nil || doc.Forest == nil || doc.Calibration == nil || doc.Reliability == nil || doc.Kappa == nil {
		t.Fatalf("sections missing: %+v", doc)
	}
	html, err := HTML(doc)
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := PDF(doc)
	if err != nil {
		t.Fatal(err)
	}
	p := pairs[0]
	want := []string{
		assets.Disclaimer,
		// The score table, as eval prints it.
		fmt.Sprintf("%.3f", rep.Groups[0].Score), fmt.Sprintf("[%.3f, %.3f]", rep.Groups[0].Low, rep.Groups[0].High),
		fmt.Sprintf("%.3f", rep.Groups[1].Score), fmt.Sprintf("[%.3f, %.3f]", rep.Groups[1].Low, rep.Groups[1].High),
		// The pair row.
		"direct / medgemma:4b", "stepwise / medgemma:4b", fmt.Sprintf("%+.3f", p.Diff),
		fmt.Sprintf("[%+.3f, %+.3f]", p.Low, p.High), p.Test,
		// Provenance.
		digest4b, sum, "0.12.3", "medgemma-1.5-ct v1 (3f2a9c01b4d2)", "c0ffee123456", "0.1.0-test",
		"You are an expert radiologist.", "500 resamples, seed 7", "ECE", "Kappa",
	}
	// What a reader sees: the HTML's text without its tags.
	htmlText := stdhtml.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(string(html), " "))
	texts := map[string]string{"html": htmlText, "pdf": pdfText(t, pdf)}
	for format, text := range texts {
		flat := strings.Join(strings.Fields(text), " ")
		for _, w := range want {
			if !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
				t.Errorf("%s lacks %q", format, w)
			}
		}
		// Counts: 49 runs, 12 items, 1 error.
		for _, w := range []string{"Runs 49", "Items 12", "Errors 1"} {
			if !strings.Contains(flat, w) {
				t.Errorf("%s lacks %q", format, w)
			}
		}
		for _, phi := range []string{"Jane_Doe", "/data/patients", "slice0.dcm"} {
			if strings.Contains(text, phi) {
				t.Errorf("%s shows the rows' image path %q", format, phi)
			}
		}
	}
	// The long prompt is shown by its first lines and its hash.
	if !strings.Contains(htmlText, "(24 lines, ") || strings.Count(htmlText, "Think step by step") != headLines {
		t.Errorf("long prompt not shortened to its first %d lines", headLines)
	}
	// One self-contained file: the two plots as data URLs, nothing linked.
	if n := strings.Count(string(html), `src="data:image/png;base64,`); n != 2 {
		t.Errorf("%d embedded plots, want 2", n)
	}
	if strings.Contains(string(html), "http://") || strings.Contains(string(html), "https://") {
		t.Error("the HTML links something")
	}
	if !strings.Contains(texts["pdf"], "Page 1 of") {
		t.Error("no page numbers")
	}
	if *page != "" {
		writePage(t, pdf, *page)
	}
}

// writePage writes page 1 of pdf as a PNG at 60 dpi with pdftoppm
// (scripts/eval-report-screenshot.sh, for docs/screenshots).
func writePage(t *testing.T, pdf []byte, out string) {
	dir := t.TempDir()
	in := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, b)
	}
	png, err := os.ReadFile(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReportWithoutPairsOrProbabilities(t *testing.T) {
	_, rows := resultFile(t)
	var one []batch.Row
	for _, r := range rows {
		if r.PromptName == "direct" && r.Repetition == 1 {
			r.ChoiceProbs = nil
			one = append(one, r)
		}
	}
	doc, err := Build(one, Options{Eval: batch.EvalOptions{Resamples: 100}, Source: "x.jsonl", AppVersion: "v"})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Pairs != nil || doc.Forest != nil || doc.Calibration != nil || doc.Reliability != nil || doc.Kappa != nil {
		t.Errorf("one group, one repetition, no probabilities: %+v", doc)
	}
	if _, err := PDF(doc); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(nil, Options{}); err == nil {
		t.Error("no rows: no error")
	}
}
