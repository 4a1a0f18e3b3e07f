package ui

import (
	"context"
	"image"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

const testDigest = "sha256:4b1f0c2e9d8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c"

// historyWithRuns is a fake backend whose history holds three runs; the
// first has a stored model input, made from 3.dcm as the workbench makes
// it and decoded back as the services do.
func historyWithRuns(t *testing.T) (*fakeBackend, *dicomview.Prepared) {
	t.Helper()
	im, err := dicomview.Load(dicomtest.File(t, "3.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := im.Prepare(dicomview.PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := dicomview.Decode("model-input-"+shortSHA(p.SHA256)+".png", p.PNG)
	if err != nil {
		t.Fatal(err)
	}
	fake := twoModels()
	fake.images = map[string]*dicomview.Image{p.SHA256: stored}
	seed, temp := 3, 0.2
	start := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	fake.logRun(core.Run{
		StartedAt: start, FinishedAt: start.Add(2 * time.Second), ImageSHA256: []string{p.SHA256},
		System: defaultSystem, Prompt: "Describe this X-ray\nwith a second line",
		Model: testModel, ModelDigest: testDigest, RuntimeVersion: "0.17.4",
		Options: core.Options{Seed: &seed, Temperature: &temp, NumPredict: 256},
		Output:  "Small left pleural effusion.", Thinking: "Looking at the costophrenic angles.",
		PromptEvalCount: 270, EvalCount: 20, TotalDuration: 2 * time.Second, LoadDuration: 500 * time.Millisecond,
		PromptEvalDuration: 300 * time.Millisecond, EvalDuration: time.Second, FirstToken: 800 * time.Millisecond,
		DoneReason: "stop", Status: core.StatusOK, Rating: 4, Notes: "teaching case",
	})
	fake.logRun(core.Run{StartedAt: start.Add(time.Minute), Model: otherModel, Prompt: "Any fracture?", Output: "No",
		Status: core.StatusCancelled, DoneReason: "cancelled"})
	fake.logRun(core.Run{StartedAt: start.Add(2 * time.Minute), Model: testModel, Prompt: "Describe", Status: core.StatusError,
		Error: "model not found"})
	return fake, p
}

// openHistory shows the history panel in a window of its own and waits
// for its first listing.
func (h *harness) openHistory(runs int) *historyPanel {
	h.t.Helper()
	win := test.NewTempWindow(h.t, h.wb.historyPanel())
	win.Resize(fyne.NewSize(1100, 800))
	hp := h.wb.hist
	h.waitFor("the runs to be listed", waitTimeout, func() bool { return len(hp.runs) == runs })
	return hp
}

// searched reports whether the history was searched with want. Searches
// run in goroutines of their own, so they may reach the fake in any order.
func (f *fakeBackend) searched(want core.Filter) bool {
	var ok bool
	f.withHistory(func(f *fakeHistory) { ok = slices.Contains(f.filters, want) })
	return ok
}

func TestHistoryPanelSearchAndDetail(t *testing.T) {
	zone := timeZone
	timeZone = time.UTC // the golden file shows times
	t.Cleanup(func() { timeZone = zone })
	fake, p := historyWithRuns(t)
	h := newHarness(t, fake)
	h.waitForModel(testModel)
	hp := h.openHistory(3)
	if hp.count.Text != "3 runs" {
		t.Errorf("count %q", hp.count.Text)
	}
	if got := hp.modelFilter.Options; !slices.Contains(got, testModel) || !slices.Contains(got, otherModel) || got[0] != allModels {
		t.Errorf("model filter offers %q", got)
	}

	test.Type(hp.search, "effusion")
	hp.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.waitFor("the search", waitTimeout, func() bool { return len(hp.runs) == 1 })
	hp.statusFilter.SetSelected(string(core.StatusOK))
	hp.ratingFilter.SetSelected("★★★ or more")
	hp.modelFilter.SetSelected(testModel)
	want := core.Filter{Text: "effusion", Model: testModel, Status: core.StatusOK, MinRating: 3, Limit: historyLimit}
	h.waitFor("the filtered search", waitTimeout, func() bool { return fake.searched(want) })
	h.q.drain()
	if len(hp.runs) != 1 || hp.runs[0].ID != 1 {
		t.Fatalf("listed %d runs", len(hp.runs))
	}
	row := runListText(hp.runs[0])
	for _, part := range []string{"#1", "2026-01-02 10:00:00", testModel, "ok", "★★★★", "Describe this X-ray"} {
		if !strings.Contains(row, part) {
			t.Errorf("list row %q lacks %q", row, part)
		}
	}
	if strings.Contains(row, "second line") {
		t.Errorf("list row %q shows more than the prompt's first line", row)
	}

	hp.list.Select(0)
	h.waitFor("the run's details", waitTimeout, func() bool { return hp.detail.Visible() && hp.preview.Image != nil })
	if got, want := hp.heading.Text, "Run 1 · medgemma:4b · ok (stop)"; got != want {
		t.Errorf("heading %q, want %q", got, want)
	}
	for _, part := range []string{
		"image 1 sha256 " + p.SHA256, "model digest   " + testDigest, "runtime        0.17.4",
		`options        {"seed":3,"temperature":0.2,"num_predict":256}`, "tokens         270 prompt, 20 answer",
		"durations      total 2.00 s, load 500 ms, prompt 300 ms, answer 1.00 s, first token 800 ms",
	} {
		if !strings.Contains(hp.provenance.Text, part) {
			t.Errorf("provenance lacks %q:\n%s", part, hp.provenance.Text)
		}
	}
	if !hp.thinkingBox.Visible() || hp.thinking.Text != "Looking at the costophrenic angles." || hp.answer.Text != "Small left pleural effusion." {
		t.Errorf("thinking %q (shown %v), answer %q", hp.thinking.Text, hp.thinkingBox.Visible(), hp.answer.Text)
	}

	// The stored model input opens in the viewer.
	test.Tap(hp.openImage)
	h.waitFor("the model input in the viewer", waitTimeout, func() bool {
		im := h.wb.pane.viewer.Image()
		return im != nil && im.Bounds() == image.Rect(0, 0, 896, 896)
	})
	if !strings.HasPrefix(h.wb.pane.imageInfo.Text, "model-input-"+shortSHA(p.SHA256)) {
		t.Errorf("image info %q", h.wb.pane.imageInfo.Text)
	}
	assertMarkup(t, "history_detail.xml", hp.detail)
}

func TestHistoryPanelRerun(t *testing.T) {
	fake, _ := historyWithRuns(t)
	fake.rerun = func(ctx context.Context, id int64, onChunk func(string)) (int64, core.Result, error) {
		old, err := fake.Run(ctx, id)
		if err != nil {
			return 0, core.Result{Status: core.StatusError}, err
		}
		onChunk("No pleural ")
		onChunk("effusion.")
		r := *old
		r.StartedAt, r.Output, r.Rating, r.Notes = old.StartedAt.Add(time.Hour), "No pleural effusion.", 0, ""
		newID := fake.logRun(r)
		return newID, core.Result{Status: core.StatusOK, EvalCount: 4, DoneReason: "stop"}, nil
	}
	h := newHarness(t, fake)
	hp := h.openHistory(3)
	hp.list.Select(2) // the oldest: run 1
	h.waitFor("run 1", waitTimeout, func() bool { return hp.selected != nil && hp.selected.ID == 1 })

	test.Tap(hp.rerunButton)
	h.waitFor("the new run", waitTimeout, func() bool { return strings.HasPrefix(hp.heading.Text, "Run 4 ") && len(hp.runs) == 4 })
	if got := hp.rerunStats.Text; !strings.HasPrefix(got, "Re-run of run 1: run 4 · 4 tokens") {
		t.Errorf("re-run stats %q", got)
	}
	if hp.answer.Text != "No pleural effusion." || hp.rerunButton.Disabled() {
		t.Errorf("answer %q, Re-run disabled %v", hp.answer.Text, hp.rerunButton.Disabled())
	}
	if sel := hp.runs[0]; sel.ID != 4 {
		t.Errorf("the list starts with run %d, want the new run 4", sel.ID)
	}
}

func TestHistoryPanelExportReport(t *testing.T) {
	fake, _ := historyWithRuns(t)
	h := newHarness(t, fake)
	hp := h.openHistory(3)
	hp.list.Select(1) // run 2
	h.waitFor("run 2", waitTimeout, func() bool { return hp.selected != nil && hp.selected.ID == 2 })
	var asked string
	h.wb.env.choosePath = func(name string, done func(string)) {
		asked = name
		done("/reports/" + name)
	}

	test.Tap(hp.exportButton())
	format, phi, choose := h.wb.reports.shown()
	if choose == nil {
		t.Fatal("Export report… shows no report dialog")
	}
	if phi.Checked {
		t.Error("the report includes patient data unless asked")
	}
	format.SetSelected("HTML")
	phi.SetChecked(true)
	choose()
	h.waitFor("the report to be written", waitTimeout, func() bool { return len(exports(fake)) == 1 })
	if got, want := exports(fake)[0], (exportCall{[]int64{2}, "html", "/reports/run-2-report.html", true}); !sameExport(got, want) || asked != "run-2-report.html" {
		t.Errorf("export %+v (file %q), want %+v", got, asked, want)
	}
}

func TestRunProvenanceWithoutImages(t *testing.T) {
	got := runProvenance(core.Run{Model: "m", Status: core.StatusError, Error: "boom"})
	for _, part := range []string{"images         none", "model          m", "error          boom", "options        {}"} {
		if !strings.Contains(got, part) {
			t.Errorf("provenance lacks %q:\n%s", part, got)
		}
	}
}

func TestRunProvenanceNamesPromptVersionAndSchema(t *testing.T) {
	invalid := false
	got := runProvenance(core.Run{Model: "m", Status: core.StatusOK, PromptVersion: "3f2a9c01b4d2",
		SchemaHash: "0123456789ab", SchemaValid: &invalid, SchemaError: "missing property answer",
		Recipe: core.RecipeRef{Name: "medgemma-cxr", Version: "1", Hash: "aaaabbbbcccc"}})
	for _, part := range []string{"prompt version 3f2a9c01b4d2", "answer schema  0123456789ab (does not fit: missing property answer)",
		"recipe         medgemma-cxr v1 (aaaabbbbcccc)"} {
		if !strings.Contains(got, part) {
			t.Errorf("provenance lacks %q:\n%s", part, got)
		}
	}
}
