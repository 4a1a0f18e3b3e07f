package ui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// batchFiles writes a two-item manifest, its images and a prompts file to
// a temporary folder and makes it the working directory, so that the
// form holds the same relative paths in every run of the tests. It
// returns the package's folder, where the golden files are.
func batchFiles(t *testing.T) (pkg string) {
	t.Helper()
	pkg, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"manifest.jsonl": `{"id": "a", "images": ["a.png"], "question": "Is this a chest X-ray?", "answer": "yes"}` + "\n" +
			`{"id": "b", "images": ["b.png"], "question": "Which modality?", "choices": ["CT", "MRI"], "answer": "A"}` + "\n",
		"a.png":        "not read by the fake",
		"b.png":        "not read by the fake",
		"prompts.yaml": "prompts:\n  - name: direct\n    template: \"{{question}}\"\n",
		"bad.jsonl":    `{"id": "a", "images": ["a.png"]}` + "\n" + `{"id": "b", "images": [` + "\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	return pkg
}

// openBatch selects the Batch tab in a window big enough for it and waits
// for the models to be listed.
func (h *harness) openBatch() *batchPanel {
	h.t.Helper()
	h.wb.Window().Resize(fyne.NewSize(1100, 1000))
	s := h.wb.shell
	s.tabs.Select(s.batchTab)
	b := s.batch
	if b == nil {
		h.t.Fatal("selecting the Batch tab made no panel")
	}
	b.every = time.Millisecond
	h.waitFor("the models to be listed", waitTimeout, func() bool { return len(b.models.Options) > 0 })
	return b
}

// fillBatch fills the form with the test files.
func fillBatch(b *batchPanel, manifest string) {
	test.Type(b.manifest, manifest)
	test.Type(b.prompts, "prompts.yaml")
}

// stepTo lets the fake finish runs one at a time until the bar shows
// done, checking that the bar never goes back.
func (h *harness) stepTo(b *batchPanel, step chan struct{}, done int) {
	h.t.Helper()
	last := b.bar.Value
	for b.bar.Value < float64(done) {
		step <- struct{}{}
		want := b.bar.Value + 1
		h.waitFor("the progress bar to advance", waitTimeout, func() bool {
			if b.bar.Value < last {
				h.t.Fatalf("progress bar went back from %v to %v", last, b.bar.Value)
			}
			last = b.bar.Value
			return b.bar.Value >= want
		})
	}
}

func TestBatchPanelRunsAndScores(t *testing.T) {
	pkg := batchFiles(t)
	fake := twoModels()
	fake.step = make(chan struct{})
	fake.failRun = 4
	h := newHarness(t, fake)
	b := h.openBatch()
	if !slices.Equal(b.models.Selected, []string{testModel}) {
		t.Errorf("models checked %q, want the first", b.models.Selected)
	}
	fillBatch(b, "manifest.jsonl")
	if b.out.Text != "results.jsonl" {
		t.Errorf("result file %q, want results.jsonl beside the manifest", b.out.Text)
	}
	b.models.SetSelected([]string{testModel, otherModel})
	b.repeat.SetText("3")
	b.temp.SetText("0")
	b.seed.SetText("7")
	b.maxTokens.SetText("64")

	test.Tap(b.start)
	h.waitFor("the batch to start", waitTimeout, func() bool { return b.bar.Max == 6 })
	spec := fake.specs[0]
	if spec.Manifest != "manifest.jsonl" || spec.Prompts != "prompts.yaml" || spec.Out != "results.jsonl" ||
		!slices.Equal(spec.Models, []string{testModel, otherModel}) || spec.Repeat != 3 || spec.Concurrency != 1 ||
		spec.Options.NumPredict != 64 || *spec.Options.Temperature != 0 || *spec.Options.Seed != 7 {
		t.Errorf("batch spec %+v", spec)
	}
	if !b.start.Disabled() || b.cancel.Disabled() {
		t.Error("Start should be disabled and Cancel enabled while the batch runs")
	}
	h.stepTo(b, fake.step, 3)
	for _, part := range []string{"3 of 6 runs", "3 ok", "1.00 runs/s", "about 3s left"} {
		if !strings.Contains(b.status.Text, part) {
			t.Errorf("status %q lacks %q", b.status.Text, part)
		}
	}
	h.stepTo(b, fake.step, 6)
	h.waitFor("the scores", waitTimeout, func() bool { return b.scores.Visible() && b.report != nil })
	if b.bar.Value != b.bar.Max {
		t.Errorf("bar at %v of %v after the batch", b.bar.Value, b.bar.Max)
	}
	for _, part := range []string{"6 of 6 runs", "5 ok", "1 failed"} {
		if !strings.Contains(b.status.Text, part) {
			t.Errorf("status %q lacks %q", b.status.Text, part)
		}
	}
	for _, part := range []string{"Done: 6 runs (5 ok, 1 failed)", "model crashed", "results.jsonl and results.csv"} {
		if !strings.Contains(b.message.Text, part) {
			t.Errorf("message %q lacks %q", b.message.Text, part)
		}
	}
	if !slices.Equal(fake.evals, []string{"results.jsonl"}) {
		t.Errorf("scored %q", fake.evals)
	}
	cells := b.scoreCells()
	want := []string{"Prompt", "Model", "Metric", "n", "Score", "95% CI",
		"direct", testModel, "mcq", "5", "0.600", "[0.200, 1.000]",
		"letter", testModel, "yesno", "5", "0.400", "[0.000, 0.800]"}
	if !slices.Equal(cells, want) {
		t.Errorf("scores table %q,\nwant %q", cells, want)
	}
	if b.chart.Image == nil || !b.chart.Visible() || b.chart.Image.Bounds().Dx() < 400 {
		t.Error("no chart shown")
	}
	// The paired differences follow the scores: the table, its note, the
	// forest plot at its size and its caption.
	texts, plots := b.sectionParts()
	wantTexts := []string{"Paired differences", "A", "B", "Diff", "p (Holm)",
		"direct / " + testModel, "letter / " + testModel, "+0.200", "0.0312", "Test: mcnemar-exact", "Forest plot"}
	if !slices.Equal(texts, wantTexts) || len(plots) != 1 || plots[0] != fyne.NewSize(320, 60) {
		t.Errorf("paired section %q, plots %v;\nwant %q and one 320×60 plot", texts, plots, wantTexts)
	}

	var asked string
	h.wb.env.choosePath = func(name string, done func(string)) {
		asked = name
		done(filepath.Join("out", name))
	}
	test.Tap(b.saveCSV)
	h.waitFor("the scores to be saved", waitTimeout, func() bool { return hasDialog(h.wb.Window()) })
	if asked != "results-scores.csv" || !slices.Equal(fake.csvs, []string{filepath.Join("out", asked)}) {
		t.Errorf("asked for %q, wrote %q", asked, fake.csvs)
	}
	h.wb.Window().Canvas().Overlays().Top().Hide()
	h.wb.Window().Canvas().Overlays().Remove(h.wb.Window().Canvas().Overlays().Top())
	t.Chdir(pkg)
	assertMarkup(t, "batch_done.xml", b.content)
}

func TestBatchPanelCancelThenResume(t *testing.T) {
	batchFiles(t)
	fake := twoModels()
	fake.step = make(chan struct{})
	h := newHarness(t, fake)
	b := h.openBatch()
	fillBatch(b, "manifest.jsonl")

	test.Tap(b.start)
	h.stepTo(b, fake.step, 2)
	// Cancel once: the run in flight finishes and is written.
	test.Tap(b.cancel)
	if b.cancel.Text != "Stop now" || !strings.Contains(b.status.Text, "finishing the runs in flight") {
		t.Errorf("after Cancel: button %q, status %q", b.cancel.Text, b.status.Text)
	}
	fake.step <- struct{}{}
	h.waitFor("the batch to stop", waitTimeout, func() bool { return !b.start.Disabled() })
	if !fake.drained || fake.cancelled {
		t.Errorf("drained %v, cancelled %v; want drained only", fake.drained, fake.cancelled)
	}
	for _, part := range []string{"Stopped: 3 of 6 runs left to do (0 stopped in flight)", "Start again with the same settings to resume"} {
		if !strings.Contains(b.message.Text, part) {
			t.Errorf("message %q lacks %q", b.message.Text, part)
		}
	}

	// Start again: the 3 done are skipped; Cancel twice stops the run in
	// flight too.
	test.Tap(b.start)
	h.waitFor("the resumed batch", waitTimeout, func() bool { return strings.Contains(b.status.Text, "3 already done, skipped") })
	if b.bar.Max != 3 || b.bar.Value != 0 {
		t.Errorf("resumed bar at %v of %v, want 0 of 3", b.bar.Value, b.bar.Max)
	}
	h.stepTo(b, fake.step, 1)
	test.Tap(b.cancel)
	test.Tap(b.cancel)
	h.waitFor("the batch to stop", waitTimeout, func() bool { return !b.start.Disabled() })
	if !fake.cancelled {
		t.Error("Stop now did not cancel the batch's context")
	}
	if want := "Stopped: 2 of 6 runs left to do (1 stopped in flight)"; !strings.Contains(b.message.Text, want) {
		t.Errorf("message %q lacks %q", b.message.Text, want)
	}
	if !strings.Contains(b.status.Text, "3 already done, skipped") {
		t.Errorf("status %q", b.status.Text)
	}
}

func TestBatchPanelShortcutAndMenu(t *testing.T) {
	h := newHarness(t, twoModels())
	s, win := h.wb.shell, h.wb.Window()
	win.Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyB, Modifier: fyne.KeyModifierShortcutDefault})
	if s.tabs.Selected() != s.batchTab || s.batch == nil {
		t.Errorf("Ctrl+B selected %q", s.tabs.Selected().Text)
	}
	var tabs, view []string
	for _, it := range s.tabs.Items {
		tabs = append(tabs, it.Text)
	}
	for _, it := range win.MainMenu().Items[1].Items {
		view = append(view, it.Label)
	}
	if !slices.Equal(tabs, []string{"Workbench", "History", "Batch", "PACS", "Models"}) || !slices.Contains(view, "Batch") {
		t.Errorf("tabs %q, View menu %q", tabs, view)
	}
	s.showShortcuts()
	if txt := overlayTexts(win); !strings.Contains(txt, "Ctrl+B\nShow the Batch tab") {
		t.Errorf("shortcuts dialog %q lacks Ctrl+B", txt)
	}
}

func TestBatchPanelErrorsNameTheFile(t *testing.T) {
	batchFiles(t)
	h := newHarness(t, twoModels())
	b := h.openBatch()
	win := h.wb.Window()
	dismiss := func() {
		win.Canvas().Overlays().Top().Hide()
		win.Canvas().Overlays().Remove(win.Canvas().Overlays().Top())
	}

	// The form is checked first.
	test.Type(b.manifest, "bad.jsonl")
	test.Tap(b.start)
	if got := overlayTexts(win); !strings.Contains(got, "Choose a prompts file") {
		t.Errorf("no prompts: dialog %q", got)
	}
	dismiss()
	test.Type(b.prompts, "prompts.yaml")
	b.repeat.SetText("0")
	test.Tap(b.start)
	if got := overlayTexts(win); !strings.Contains(got, `Repetitions "0"`) {
		t.Errorf("repetitions 0: dialog %q", got)
	}
	dismiss()
	b.repeat.SetText("1")

	// Then the backend reads the manifest.
	test.Tap(b.start)
	h.waitFor("the error dialog", waitTimeout, func() bool { return hasDialog(h.wb.Window()) })
	if got := overlayTexts(win); !strings.Contains(got, "Batch not started: bad.jsonl:2:") {
		t.Errorf("bad manifest: dialog %q, want the file and line named", got)
	}
	if b.start.Disabled() || b.scores.Visible() {
		t.Error("after the error Start should be enabled again, with no scores")
	}
}

// TestBatchStatusShowsRetryNote: a retry's wait, or a warning, shows under
// the counts while the batch runs.
func TestBatchStatusShowsRetryNote(t *testing.T) {
	p := BatchProgress{BatchProgress: core.BatchProgress{Total: 10, Done: 3}}
	if got := batchStatusText(p); strings.Contains(got, "\n") {
		t.Errorf("status without a note has two lines: %q", got)
	}
	p.Note = "retrying item item-1a2b3c4d5e6f (prompt describe, model demo) in 12 s (server asked): 429 Too Many Requests"
	got := batchStatusText(p)
	if !strings.HasPrefix(got, "3 of 10 runs") || !strings.HasSuffix(got, "\n"+p.Note) {
		t.Errorf("status = %q, want the counts then the note", got)
	}
}
