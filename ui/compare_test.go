package ui

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

const otherModel = "medgemma:27b"

// twoModels is a fake backend with two models to compare.
func twoModels() *fakeBackend {
	return &fakeBackend{models: []core.Model{{Name: testModel}, {Name: otherModel}}}
}

// addColumns taps "+ Column" until the view has n columns.
func (h *harness) addColumns(n int) []*column {
	h.t.Helper()
	for len(h.wb.cmp.columns) < n {
		test.Tap(h.wb.cmp.addButton)
	}
	return h.wb.cmp.columns
}

// comparisons returns the comparisons the fake saved.
func (f *fakeBackend) savedComparisons() []string {
	var out []string
	f.withHistory(func(f *fakeHistory) {
		for _, c := range f.comparisons {
			out = append(out, c.Title+" "+joinIDs(c.RunIDs))
		}
	})
	return out
}

var ctrlEnter = &desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault}

func TestCompareRunAllStreamsEachColumn(t *testing.T) {
	fake := twoModels()
	h := newHarness(t, fake)
	want := h.openTestImage("4.dcm")
	h.waitForModel(testModel)
	cols := h.addColumns(3)
	if got := cols[2].modelSelect.Selected; got != testModel {
		t.Errorf("a new column asks %q, want the last column's model %q", got, testModel)
	}
	cols[1].modelSelect.SetSelected(otherModel)
	for i, p := range []string{"alpha", "beta", "gamma"} {
		cols[i].promptEntry.SetText(p)
	}

	release := make(chan struct{})
	var mu sync.Mutex
	var shas []string
	ids := map[string]int64{"alpha": 11, "beta": 12, "gamma": 13}
	fake.set(func(f *fakeBackend) {
		f.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
			mu.Lock()
			for _, im := range req.Images {
				shas = append(shas, im.SHA256)
			}
			mu.Unlock()
			onChunk(req.Prompt + " streams")
			if req.Prompt == "beta" && req.Model != otherModel {
				t.Errorf("column 2 asked %q, want %q", req.Model, otherModel)
			}
			select {
			case <-release:
			case <-ctx.Done():
				return ids[req.Prompt], core.Result{Status: core.StatusCancelled, DoneReason: "cancelled"}, ctx.Err()
			}
			onChunk(" and ends.")
			return ids[req.Prompt], core.Result{Status: core.StatusOK, EvalCount: 10, EvalDuration: 500 * time.Millisecond,
				FirstToken: 80 * time.Millisecond, DoneReason: "stop"}, nil
		}
	})

	// Ctrl+Enter is Run all.
	h.wb.Window().Canvas().(fyne.Shortcutable).TypedShortcut(ctrlEnter)
	h.waitFor("all three columns to stream", waitTimeout, func() bool {
		for _, c := range cols {
			if !strings.HasSuffix(c.answer.Text, "streams") {
				return false
			}
		}
		return true
	})
	if !h.wb.cmp.running || h.wb.cmp.stopAllButton.Disabled() || !h.wb.cmp.runAllButton.Disabled() {
		t.Errorf("while all run: running %v, Stop all disabled %v, Run all disabled %v", h.wb.cmp.running,
			h.wb.cmp.stopAllButton.Disabled(), h.wb.cmp.runAllButton.Disabled())
	}

	// Stopping one column leaves the others running.
	test.Tap(cols[1].stopButton)
	h.waitFor("column 2 to be cancelled", waitTimeout, func() bool { return strings.Contains(cols[1].stats.Text, "cancelled") })
	if !cols[0].running || !cols[2].running || cols[1].running {
		t.Errorf("after stopping column 2: running %v %v %v, want true false true", cols[0].running, cols[1].running, cols[2].running)
	}
	if cols[1].answer.Text != "beta streams" || !strings.Contains(cols[1].stats.Text, "run 12") {
		t.Errorf("column 2: answer %q, stats %q", cols[1].answer.Text, cols[1].stats.Text)
	}

	close(release)
	h.waitFor("the runs to end", waitTimeout, func() bool { return !h.wb.cmp.running })
	for i, p := range []string{"alpha", "gamma"} {
		c := cols[2*i]
		if want := p + " streams and ends."; c.answer.Text != want {
			t.Errorf("column %d answer %q, want %q", 2*i+1, c.answer.Text, want)
		}
		for _, part := range []string{"run " + joinIDs([]int64{ids[p]}), "20.0 tokens/s", "first token 80 ms", "done: stop"} {
			if !strings.Contains(c.stats.Text, part) {
				t.Errorf("column %d stats %q lack %q", 2*i+1, c.stats.Text, part)
			}
		}
		if !c.rateRow.Visible() {
			t.Errorf("column %d offers no rating after its run", 2*i+1)
		}
	}
	mu.Lock()
	if len(shas) != 3 || slices.ContainsFunc(shas, func(s string) bool { return s != want.SHA256 }) {
		t.Errorf("the columns sent images %q, want the viewer's model input %s three times", shas, want.SHA256)
	}
	mu.Unlock()

	h.waitFor("the comparison to be saved", waitTimeout, func() bool { return strings.Contains(h.wb.cmp.info.Text, "comparison 1") })
	if got, want := fake.savedComparisons(), []string{"Side by side: medgemma:4b | medgemma:27b | medgemma:4b 11, 12, 13"}; !slices.Equal(got, want) {
		t.Errorf("saved comparisons %q, want %q", got, want)
	}
	if hasDialog(h.wb.Window()) {
		t.Error("a dialog is shown after Run all")
	}
	cols[0].box.Resize(fyne.NewSize(368, 440)) // the window's layout varies by a pixel
	assertMarkup(t, "compare_column.xml", cols[0].box)
}

func TestCompareEscapeStopsAll(t *testing.T) {
	fake := twoModels()
	fake.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
		onChunk("waiting")
		<-ctx.Done()
		return 1, core.Result{Status: core.StatusCancelled}, ctx.Err()
	}
	h := newHarness(t, fake)
	h.waitForModel(testModel)
	cols := h.addColumns(2)
	// Ctrl+Enter in a prompt entry runs all too.
	cols[1].promptEntry.TypedShortcut(ctrlEnter)
	h.waitFor("both columns to run", waitTimeout, func() bool {
		return cols[0].answer.Text == "waiting" && cols[1].answer.Text == "waiting"
	})
	h.wb.Window().Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	h.waitFor("both columns to stop", waitTimeout, func() bool { return !h.wb.cmp.running })
	for i, c := range cols {
		if !strings.HasPrefix(c.stats.Text, "cancelled") {
			t.Errorf("column %d stats %q, want cancelled", i+1, c.stats.Text)
		}
	}
	// Stopped runs are runs too: they are compared.
	h.waitFor("the comparison to be saved", waitTimeout, func() bool { return len(fake.savedComparisons()) == 1 })
}

func TestCompareColumnsAddAndClose(t *testing.T) {
	h := newHarness(t, twoModels())
	h.waitForModel(testModel)
	cv := h.wb.cmp
	if !cv.columns[0].closeButton.Disabled() {
		t.Error("the only column can be closed")
	}
	cols := h.addColumns(maxColumns)
	if !cv.addButton.Disabled() {
		t.Errorf("+ Column is enabled with %d columns", len(cols))
	}
	if n := len(cv.grid.Objects); n != maxColumns {
		t.Errorf("the grid shows %d columns, want %d", n, maxColumns)
	}
	second := cols[1]
	test.Tap(cols[0].closeButton)
	if len(cv.columns) != maxColumns-1 || cv.columns[0] != second || second.title.Text != "1" {
		t.Fatalf("after closing column 1: %d columns, the first titled %q", len(cv.columns), cv.columns[0].title.Text)
	}
	if h.first().runButton != second.runButton || h.first().answer != second.answer {
		t.Error("the workbench's Run and answer are not the new first column's")
	}
	if cv.addButton.Disabled() {
		t.Error("+ Column stays disabled below the limit")
	}
}

func TestCompareRateAndReport(t *testing.T) {
	fake := twoModels()
	fake.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
		onChunk("No acute findings.")
		return 5, core.Result{Status: core.StatusOK, DoneReason: "stop"}, nil
	}
	h := newHarness(t, fake)
	h.waitForModel(testModel)
	c := h.wb.cmp.columns[0]
	if c.rateRow.Visible() {
		t.Error("a rating is offered before any run")
	}
	test.Tap(c.runButton)
	h.waitFor("the run to end", waitTimeout, func() bool { return !h.wb.cmp.running && c.rateRow.Visible() })

	c.note.SetText("good teaching case")
	c.rating.SetSelected("★★★★")
	h.waitFor("the rating to be saved", waitTimeout, func() bool { return strings.Contains(c.rateInfo.Text, "★★★★") })
	var rated []rating
	fake.withHistory(func(f *fakeHistory) { rated = slices.Clone(f.rated) })
	if want := []rating{{5, 4, "good teaching case"}}; !slices.Equal(rated, want) {
		t.Errorf("ratings stored %+v, want %+v", rated, want)
	}
	if c.rateInfo.Text != "Run 5: ★★★★ · note saved" {
		t.Errorf("rate info %q", c.rateInfo.Text)
	}

	// Report… exports the columns' runs, de-identified by default.
	var asked string
	h.wb.env.choosePath = func(name string, done func(string)) {
		asked = name
		done("/reports/" + name)
	}
	test.Tap(h.wb.cmp.reportButton)
	_, _, choose := h.wb.reports.shown()
	if choose == nil {
		t.Fatal("Report… shows no report dialog")
	}
	choose()
	h.waitFor("the report to be written", waitTimeout, func() bool { return hasDialog(h.wb.Window()) && len(exports(fake)) == 1 })
	if got, want := exports(fake)[0], (exportCall{[]int64{5}, "pdf", "/reports/run-5-report.pdf", false}); !sameExport(got, want) || asked != "run-5-report.pdf" {
		t.Errorf("export %+v (file %q), want %+v", got, asked, want)
	}
}

func exports(f *fakeBackend) []exportCall {
	var out []exportCall
	f.withHistory(func(f *fakeHistory) { out = slices.Clone(f.exports) })
	return out
}

func sameExport(a, b exportCall) bool {
	return slices.Equal(a.ids, b.ids) && a.format == b.format && a.path == b.path && a.includePHI == b.includePHI
}

func TestCompareDiffDialog(t *testing.T) {
	fake := twoModels()
	fake.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
		if req.Model == otherModel {
			onChunk("The lungs are hyperinflated. No effusion.")
			return 2, core.Result{Status: core.StatusOK}, nil
		}
		onChunk("The lungs are clear. No effusion.")
		return 1, core.Result{Status: core.StatusOK}, nil
	}
	h := newHarness(t, fake)
	h.waitForModel(testModel)
	cols := h.addColumns(2)
	cols[1].modelSelect.SetSelected(otherModel)
	test.Tap(h.wb.cmp.runAllButton)
	h.waitFor("both runs to end", waitTimeout, func() bool { return !h.wb.cmp.running })

	test.Tap(h.wb.cmp.diffButton)
	if !hasDialog(h.wb.Window()) {
		t.Fatal("Diff… shows no dialog")
	}
	first, second, text, info := h.wb.cmp.diffShown()
	if text == nil {
		t.Fatal("the Word diff dialog shows no diff")
	}
	if got, want := info.Text, "5 words shared · 1 removed · 1 added"; got != want {
		t.Errorf("diff summary %q, want %q", got, want)
	}
	var removed, added []string
	for _, s := range text.Segments {
		ts := s.(*widget.TextSegment)
		switch ts.Style.ColorName {
		case theme.ColorNameError:
			removed = append(removed, strings.TrimSpace(ts.Text))
		case theme.ColorNameSuccess:
			added = append(added, strings.TrimSpace(ts.Text))
		}
	}
	if !slices.Equal(removed, []string{"clear."}) || !slices.Equal(added, []string{"hyperinflated."}) {
		t.Errorf("diff shows removed %q, added %q", removed, added)
	}
	// Swapping the columns swaps removed and added.
	first.SetSelectedIndex(1)
	second.SetSelectedIndex(0)
	if change := text.Segments[1].(*widget.TextSegment); change.Style.ColorName != theme.ColorNameError || strings.TrimSpace(change.Text) != "hyperinflated." {
		t.Errorf("swapped diff starts its changes with %+v", change)
	}
	assertMarkup(t, "compare_diff.xml", text)
}

func TestCompareRepeat(t *testing.T) {
	fake := twoModels()
	answers := []string{"a b c d", "a b c d", "a b x y"}
	var mu sync.Mutex
	calls, active, maxActive := 0, 0, 0
	fake.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
		mu.Lock()
		i := calls
		calls++
		active++
		maxActive = max(maxActive, active)
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		onChunk(answers[i%len(answers)])
		mu.Lock()
		active--
		mu.Unlock()
		return int64(21 + i), core.Result{Status: core.StatusOK, DoneReason: "stop"}, nil
	}
	h := newHarness(t, fake)
	h.waitForModel(testModel)
	c := h.wb.cmp.columns[0]
	c.repeatSelect.SetSelected("×3")
	test.Tap(c.repeatButton)
	h.waitFor("the repeats to end", waitTimeout, func() bool { return !h.wb.cmp.running })

	if !slices.Equal(c.answers, answers) || !slices.Equal(c.repeatIDs, []int64{21, 22, 23}) {
		t.Errorf("repeat answers %q, runs %v", c.answers, c.repeatIDs)
	}
	mu.Lock()
	if calls != 3 || maxActive != 1 {
		t.Errorf("%d asks, %d at once; want 3, one after another", calls, maxActive)
	}
	mu.Unlock()
	for _, want := range []string{"#1 · run 21\na b c d", "#3 · run 23\na b x y"} {
		if !strings.Contains(c.answer.Text, want) {
			t.Errorf("the column shows %q, lacking %q", c.answer.Text, want)
		}
	}
	if got, want := c.stabilityLabel.Text, "2 of 3 identical · mean word overlap 0.67"; got != want || !c.stabilityLabel.Visible() {
		t.Errorf("stability %q (shown %v), want %q", got, c.stabilityLabel.Visible(), want)
	}
	h.waitFor("the repeat to be saved", waitTimeout, func() bool { return len(fake.savedComparisons()) == 1 })
	if got, want := fake.savedComparisons()[0], "Repeat ×3: medgemma:4b 21, 22, 23"; got != want {
		t.Errorf("saved %q, want %q", got, want)
	}
}

// TestCompareRepeatLimitIsAResult (issue 28, item 2): an answer the
// runtime ended at its repeat limit is shown as a result in the column —
// its tokens, the reason in words, the rating offered — not as an error.
func TestCompareRepeatLimitIsAResult(t *testing.T) {
	fake := twoModels()
	h := newHarness(t, fake)
	h.waitForModel(testModel)
	fake.set(func(f *fakeBackend) {
		f.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
			onChunk("The lungs" + strings.Repeat(" clear", core.RuntimeRepeatLimit))
			return 21, core.Result{Status: core.StatusOK, EvalCount: 33, EvalDuration: time.Second, DoneReason: core.DoneRepeatLimit}, nil
		}
	})
	c := h.first()
	test.Tap(c.runButton)
	h.waitFor("the run to end", waitTimeout, func() bool { return !c.running && c.runID == 21 })
	if hasDialog(h.wb.Window()) {
		t.Errorf("an error dialog for a run that ended at the repeat limit")
	}
	if want := "run 21 · 33 tokens · 33.0 tokens/s · stopped: the runtime ends an answer after 31 identical tokens"; c.stats.Text != want {
		t.Errorf("stats %q, want %q", c.stats.Text, want)
	}
	if !c.rateRow.Visible() {
		t.Errorf("the run is not offered for rating")
	}
}
