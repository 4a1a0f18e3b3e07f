package report

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

var updatePage = flag.String("page", "", "write page 1 of the PDF report as a PNG to this path (for docs/)")

// phi5 is patient data in 5.dcm that a report must not show without
// IncludePHI; the patient's name is "Perfusion^MCA Stroke".
var phi5 = []string{"Perfusion", "MCA Stroke", "19500704", "St. Nowhere Hospital", "Thomas", "Smith", "Jones", "1166562673"}

// logRun stores a run on frame 2 of the given file the way the workbench
// logs one, and returns it.
func logRun(t *testing.T, h *history.Store, path, model, answer string) *core.Run {
	t.Helper()
	ctx := context.Background()
	im, err := dicomview.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := im.Prepare(dicomview.PrepareOptions{Frame: im.Frames})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.PutImage(ctx, history.ImageRecord{SHA256: p.SHA256, PNG: p.PNG, Source: p.Source, Frame: p.Frame,
		WindowCenter: p.Window.Center, WindowWidth: p.Window.Width, Encoding: p.Encoding, Width: p.Width, Height: p.Height}); err != nil {
		t.Fatal(err)
	}
	key, err := h.PutStudy(ctx, im.Info.StudyInstanceUID, im.Info.Modality, im.Info.StudyDescription)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 5, 4, 10, 30, 0, 0, time.UTC)
	r := &core.Run{StartedAt: start, FinishedAt: start.Add(4 * time.Second), Source: p.Source,
		ImageSHA256: []string{p.SHA256}, SourcePaths: []string{path}, StudyKey: key,
		System: "You are an expert radiologist.", Prompt: "Describe the findings on this CT slice.",
		Model: model, ModelDigest: "sha256:5f1c0ab2d8e4", RuntimeVersion: "0.17.4",
		Options: core.Options{Seed: ptrTo(1), Temperature: ptrTo(0.0), NumPredict: 256},
		Output:  answer, Thinking: "Checking the grey-white differentiation.", PromptEvalCount: 283, EvalCount: 41,
		TotalDuration: 4 * time.Second, FirstToken: 900 * time.Millisecond, DoneReason: "stop", Status: core.StatusOK}
	if _, err := h.SaveRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	return r
}

func ptrTo[T any](v T) *T { return &v }

func openStore(t *testing.T) *history.Store {
	t.Helper()
	h, err := history.Open(filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// texts renders doc in every format and returns the text a reader sees in
// each: the Markdown, the HTML and what pdftotext extracts from the PDF.
func texts(t *testing.T, doc *Document) map[string]string {
	t.Helper()
	html, err := HTML(doc)
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := PDF(doc)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"md": string(Markdown(doc, nil)), "html": string(html), "pdf": pdfText(t, pdf)}
}

// pdfText extracts the text of a PDF with pdftotext (Debian poppler-utils).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: runs pdftotext (poppler) on the PDF")
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext (install Debian poppler-utils; scripts/setup.sh does): %v", err)
	}
	return string(out)
}

func TestReportDeidentified(t *testing.T) {
	ctx := context.Background()
	h := openStore(t)
	ct := dicomtest.File(t, "5.dcm")
	r := logRun(t, h, ct, "medgemma:4b", "Single axial perfusion map. No focal abnormality is seen.\n\nImpression: no acute finding.")

	for _, phi := range []bool{false, true} {
		doc, err := Build(ctx, h, []int64{r.ID}, Options{IncludePHI: phi, AppVersion: "0.1.0"})
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Figures) != 2 {
			t.Fatalf("%d figures, want the display image and the model input", len(doc.Figures))
		}
		for format, text := range texts(t, doc) {
			if phi {
				for _, want := range []string{"Perfusion MCA Stroke", "St. Nowhere Hospital", "1950-07-04"} {
					if !strings.Contains(text, want) {
						t.Errorf("%s with PHI lacks %q", format, want)
					}
				}
				continue
			}
			for _, p := range phi5 {
				if strings.Contains(text, p) {
					t.Errorf("%s report contains %q", format, p)
				}
			}
			for _, want := range []string{assets.Disclaimer, "medgemma:4b", "sha256:5f1c0ab2d8e4", "seed=1", "temperature=0",
				"Describe the findings on this CT slice.", "no acute finding", "Checking the grey-white", r.ImageSHA256[0][:32],
				"Study date (shifted)", "CT"} {
				if !strings.Contains(text, want) {
					t.Errorf("%s report lacks %q", format, want)
				}
			}
		}
	}
}

func TestReportPDFPages(t *testing.T) {
	ctx := context.Background()
	h := openStore(t)
	ct := dicomtest.File(t, "5.dcm")
	long := strings.Repeat("The ventricles are of normal size and configuration. ", 120)
	a := logRun(t, h, ct, "medgemma:4b", long)
	b := logRun(t, h, ct, "medgemma:27b", "No acute intracranial abnormality.")
	doc, err := Build(ctx, h, []int64{a.ID, b.ID}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Figures) != 2 || len(doc.Runs) != 2 {
		t.Fatalf("comparison of two runs on one image: %d figures, %d runs; want 2 and 2", len(doc.Figures), len(doc.Runs))
	}
	pdf, err := PDF(doc)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, pdf)
	pages := strings.Split(strings.TrimRight(text, "\f"), "\f")
	if len(pages) < 2 {
		t.Fatalf("a long comparison fits on %d page", len(pages))
	}
	for i, page := range pages {
		if !strings.Contains(page, assets.Disclaimer) {
			t.Errorf("page %d of %d lacks the banner", i+1, len(pages))
		}
	}
	for _, want := range []string{"medgemma:27b", "comparison of runs"} {
		if !strings.Contains(text, want) {
			t.Errorf("comparison lacks %q", want)
		}
	}

	// pdftoppm renders it; -page writes page 1 for the docs.
	dir := t.TempDir()
	pdfPath := filepath.Join(dir, "r.pdf")
	if err := os.WriteFile(pdfPath, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", pdfPath, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	png, err := os.ReadFile(filepath.Join(dir, "page-1.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) || len(png) < 10000 {
		t.Errorf("pdftoppm rendered page 1 as %d bytes", len(png))
	}
	if *updatePage != "" {
		if err := os.WriteFile(*updatePage, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReportSourceGone(t *testing.T) {
	ctx := context.Background()
	h := openStore(t)
	dir := t.TempDir()
	src, err := os.ReadFile(dicomtest.File(t, "5.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "Perfusion_MCA_Stroke.dcm")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	r := logRun(t, h, path, "medgemma:4b", "Normal.")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	doc, err := Build(ctx, h, []int64{r.ID}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Figures) != 1 || len(doc.Notes) == 0 {
		t.Errorf("source gone: %d figures, notes %q; want the model input and a note", len(doc.Figures), doc.Notes)
	}
	for format, text := range texts(t, doc) {
		if strings.Contains(text, "Perfusion") || strings.Contains(text, dir) {
			t.Errorf("%s report names the file", format)
		}
		if !strings.Contains(text, "CT") || !strings.Contains(text, "no longer there") {
			t.Errorf("%s report lacks the modality or the note on the missing file", format)
		}
	}
	if _, err := Build(ctx, h, []int64{999}, Options{}); err == nil {
		t.Error("report of a missing run succeeded")
	}
}

// TestReportBurnInWarning checks that a run whose pixels may carry
// burned-in annotations is marked so in every format, and others are not.
func TestReportBurnInWarning(t *testing.T) {
	ctx := context.Background()
	h := openStore(t)
	ct := dicomtest.File(t, "5.dcm")
	for _, risk := range []bool{false, true} {
		r := logRun(t, h, ct, "medgemma:4b", "No acute finding.")
		if risk {
			r.BurnInRisk = true
			r.StartedAt = r.StartedAt.Add(time.Minute)
			if _, err := h.SaveRun(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		doc, err := Build(ctx, h, []int64{r.ID}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for format, text := range texts(t, doc) {
			if got := strings.Contains(text, "pixels may contain burned-in annotations"); got != risk {
				t.Errorf("risk %v: %s report marked %v", risk, format, got)
			}
		}
	}
}

// TestReportRecipeAndBoxes: a report names the run's recipe, labels its
// images and lists its localization boxes in every format.
func TestReportRecipeAndBoxes(t *testing.T) {
	ctx := context.Background()
	h := openStore(t)
	r := logRun(t, h, dicomtest.File(t, "5.dcm"), "medgemma1.5", "Final Answer: [...]")
	r.Recipe = core.RecipeRef{Name: "medgemma-1.5-cxr-localize", Version: "1", Hash: "a1b2c3d4e5f6"}
	r.ImageLabels = []string{"image"}
	r.Boxes = []core.Box{{Image: 0, X0: 12, Y0: 30, X1: 140, Y1: 200, Label: "right lung"}}
	r.StartedAt = r.StartedAt.Add(time.Minute)
	if _, err := h.SaveRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	doc, err := Build(ctx, h, []int64{r.ID}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for format, text := range texts(t, doc) {
		for _, want := range []string{"medgemma-1.5-cxr-localize v1 (a1b2c3d4e5f6)", "right lung: x 12–140, y 30–200"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s report lacks %q", format, want)
			}
		}
	}
}
