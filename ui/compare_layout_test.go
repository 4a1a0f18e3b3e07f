package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// These are the side-by-side view's tests of issue 28: the Select crash
// (item 1), the columns and window size kept across starts, the layout
// (item 3), another modality's study (item 5) and the recipe's options in
// the fields (item 6).

// absRect is o's rectangle in the window.
func absRect(o fyne.CanvasObject) (fyne.Position, fyne.Size) {
	return fyne.CurrentApp().Driver().AbsolutePositionForObject(o), o.Size()
}

// showsWhole reports whether o lies wholly inside the rectangle of in.
func showsWhole(o, in fyne.CanvasObject) bool {
	p, s := absRect(o)
	q, t := absRect(in)
	const slack = 1
	return p.X >= q.X-slack && p.Y >= q.Y-slack && p.X+s.Width <= q.X+t.Width+slack && p.Y+s.Height <= q.Y+t.Height+slack
}

// answerLines is how many lines of an answer column c's answer area shows.
func answerLines(c *column) int {
	line := fyne.MeasureText("Ag", theme.TextSize(), fyne.TextStyle{}).Height + theme.LineSpacing()
	return int((c.answerScroll.Size().Height - 2*theme.InnerPadding()) / line)
}

// answerRun is a fake Ask that answers at length with the runtime's
// accounting, as a finished run shows it.
func answerRun(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
	onChunk(strings.Repeat("The lungs are clear. ", 80))
	return 9, core.Result{Status: core.StatusOK, EvalCount: 96, EvalDuration: 3 * time.Second, FirstToken: 1200 * time.Millisecond, DoneReason: "stop"}, nil
}

// resize sizes the window (its canvas) and lets the layout settle.
func (h *harness) resize(w, ht float32) {
	h.wb.Window().Resize(fyne.NewSize(w, ht))
	h.q.drain()
}

// TestCompareSelectOfAClosedColumnOpensNoPopUp (item 1): the sequence that
// crashed — columns added, the window resized, the compare split and the
// columns' scrollbar dragged, then a column's Template drop-down — works,
// and a tap or key delivered to the drop-down of a column closed under it
// (a select no longer in the window: Fyne 2.7.1 builds the pop-up on a nil
// canvas there and crashes) opens nothing.
func TestCompareSelectOfAClosedColumnOpensNoPopUp(t *testing.T) {
	h := newHarness(t, twoModels())
	h.waitForModel(testModel)
	cols := h.addColumns(3)
	h.resize(1600, 1000)
	h.resize(1280, 720)
	h.wb.mainSplit.SetOffset(0.3)
	h.wb.cmp.scroll.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.NewDelta(-400, 0)})
	cv := h.wb.cmp
	ov := h.wb.Window().Canvas().Overlays()

	// A live column's drop-down opens, and choosing works.
	test.Tap(cols[1].templateSelect)
	menu := ov.Top()
	if menu == nil {
		t.Fatalf("column 2's Template drop-down did not open")
	}
	ov.Remove(menu)
	cols[1].templateSelect.SetSelectedIndex(1)
	if want := cv.prompts.all[1].Prompt; cols[1].promptEntry.Text != want {
		t.Errorf("template chosen: prompt %q, want %q", cols[1].promptEntry.Text, want)
	}

	// Column 3 is closed while its drop-down has the focus; an event for
	// it still arrives.
	closed := cols[2]
	h.wb.Window().Canvas().Focus(closed.templateSelect)
	test.Tap(closed.closeButton)
	if len(cv.columns) != 2 {
		t.Fatalf("%d columns after closing one, want 2", len(cv.columns))
	}
	if f := h.wb.Window().Canvas().Focused(); f != nil {
		t.Errorf("focus stays on %T of the closed column", f)
	}
	for _, sel := range []interface {
		fyne.Tappable
		fyne.Focusable
	}{closed.templateSelect, closed.modelSelect, closed.repeatSelect} {
		test.Tap(sel)
		sel.TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
		if top := ov.Top(); top != nil {
			t.Fatalf("a drop-down of the closed column opened %T (on Fyne's GLFW driver: a nil canvas, SIGSEGV)", top)
		}
	}
}

// TestCompareColumnsAndWindowSizeRestored (item 1): the columns (model,
// prompt), the options and the window's size come back at the next start.
func TestCompareColumnsAndWindowSizeRestored(t *testing.T) {
	fake := twoModels()
	h := newHarness(t, fake)
	h.waitForModel(testModel)
	cols := h.addColumns(3)
	cols[1].modelSelect.SetSelected(otherModel)
	cols[1].promptEntry.SetText("Is there a pleural effusion?")
	cols[2].systemOverride.SetChecked(true)
	cols[2].systemEntry.SetText("You are a careful radiologist.")
	h.wb.cmp.maxTokensEntry.SetText("256")
	h.wb.cmp.seedEntry.SetText("7")
	h.resize(1500, 900)
	h.close()

	q := &uiQueue{}
	wb := newWorkbench(fyne.CurrentApp(), fake, q.do, h.wb.pollEvery)
	t.Cleanup(func() { wb.Window().Close() })
	q.drain()
	h2 := &harness{t: t, q: q, wb: wb, fake: fake}
	h2.waitFor("the models listed again", waitTimeout, func() bool { return len(wb.cmp.columns) == 3 && wb.cmp.columns[1].modelSelect.Selected != "" })
	got := wb.cmp.columns
	if len(got) != 3 || got[1].modelSelect.Selected != otherModel || got[1].promptEntry.Text != "Is there a pleural effusion?" ||
		!got[2].systemOverride.Checked || got[2].systemEntry.Text != "You are a careful radiologist." {
		t.Errorf("restored %d columns: column 2 %q %q, column 3 own system %v %q", len(got), got[1].modelSelect.Selected,
			got[1].promptEntry.Text, got[2].systemOverride.Checked, got[2].systemEntry.Text)
	}
	if mt, _ := wb.cmp.optionFieldsShown(); mt != "256" || wb.cmp.seedEntry.Text != "7" {
		t.Errorf("restored max tokens %q, seed %q, want 256, 7", mt, wb.cmp.seedEntry.Text)
	}
	if s := wb.Window().Canvas().Size(); s.Width != 1500 || s.Height != 900 {
		t.Errorf("restored window %v, want 1500×900", s)
	}
}

// TestCompareAnswersGetTheRoom (item 3): at 1280×800 two columns side by
// side each show at least 12 lines of answer; at 1920×1080 three columns
// are side by side; a new column scrolls into view; the toolbar's controls
// go into its menu before they fall off the window; the image side hides.
func TestCompareAnswersGetTheRoom(t *testing.T) {
	h := newHarness(t, twoModels())
	h.waitForModel(testModel)
	cv := h.wb.cmp
	cols := h.addColumns(2)
	h.fake.set(func(f *fakeBackend) { f.ask = answerRun })
	h.resize(1280, 800)
	test.Tap(cv.runAllButton)
	h.waitFor("the answers", waitTimeout, func() bool { return !cv.running && cols[1].runID > 0 })
	for i, c := range cols {
		if !showsWhole(c.box, cv.scroll) {
			p, s := absRect(c.box)
			q, r := absRect(cv.scroll)
			t.Errorf("1280×800: column %d at %v %v is not wholly in view (%v %v, offset %v)", i+1, p, s, q, r, cv.scroll.Offset)
		}
		if n := answerLines(c); n < 12 {
			t.Errorf("1280×800: column %d shows %d lines of answer, want ≥ 12", i+1, n)
		}
	}
	for _, o := range cv.toolbarControls() {
		if o.Visible() && !showsWhole(o, cv.content) {
			t.Errorf("1280×800: %T is cut off", o)
		}
	}

	// A third column scrolls into view.
	third := h.addColumns(3)[2]
	h.q.drain()
	if !showsWhole(third.box, cv.scroll) {
		p, s := absRect(third.box)
		q, r := absRect(cv.scroll)
		t.Errorf("the new column at %v %v is not in view (%v %v)", p, s, q, r)
	}

	h.resize(1920, 1080)
	cv.scroll.ScrollToOffset(fyne.Position{})
	for i, c := range h.wb.cmp.columns {
		if !showsWhole(c.box, cv.scroll) || c.box.Size().Width < columnMinWidth {
			t.Errorf("1920×1080: column %d (%v wide) is not side by side with the others", i+1, c.box.Size().Width)
		}
		if n := answerLines(c); n < 12 {
			t.Errorf("1920×1080: column %d shows %d lines of answer, want ≥ 12", i+1, n)
		}
	}

	// Narrow: what does not fit is in the menu, nothing is cut off.
	h.resize(900, 700)
	menu := cv.toolbarMenu()
	if len(menu) == 0 || !strings.Contains(strings.Join(menu, "|"), "Report…") {
		t.Errorf("900 px: toolbar menu %q, want Report… among what did not fit", menu)
	}
	for _, o := range cv.toolbarControls() {
		if o.Visible() && !showsWhole(o, h.wb.Window().Content()) {
			t.Errorf("900 px: %T is cut off", o)
		}
	}

	// The image side hides, and the columns take the window's width.
	h.resize(1280, 800)
	before := cv.scroll.Size().Width
	cv.toggleImage()
	h.q.drain()
	if h.wb.imageShown() || cv.scroll.Size().Width < before*1.5 {
		t.Errorf("image hidden: image shown %v, columns %v wide (were %v)", h.wb.imageShown(), cv.scroll.Size().Width, before)
	}
	cv.toggleImage()
	h.q.drain()
	if !h.wb.imageShown() {
		t.Errorf("the image side did not come back")
	}
}

// TestCompareOtherModalityOffersItsRecipe (item 5): after an X-ray's answer,
// opening a CT marks the answer as the previous study's, puts the CT
// recipe's query in the prompt nobody typed, and offers that recipe; using
// it shows the recipe's options in the fields (item 6).
func TestCompareOtherModalityOffersItsRecipe(t *testing.T) {
	fake := twoModels()
	h := newHarness(t, fake)
	h.openTestImage("4.dcm")
	h.waitForModel(testModel)
	fake.set(func(f *fakeBackend) {
		f.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
			onChunk("The lungs are clear.")
			return 5, core.Result{Status: core.StatusOK, DoneReason: "stop"}, nil
		}
	})
	cv := h.wb.cmp
	c := h.first()
	test.Tap(c.runButton)
	h.waitFor("the X-ray's answer", waitTimeout, func() bool { return !c.running && c.runID == 5 })
	if s := cv.staleText(0); s != "" {
		t.Errorf("the answer about the study shown is marked %q", s)
	}

	h.wb.OpenPaths([]string{dicomtest.File(t, "5.dcm")})
	h.waitFor("the CT shown", waitTimeout, func() bool {
		im := h.wb.pane.viewer.Image() != nil && h.wb.pane.img != nil && h.wb.pane.img.Modality == "CT"
		return im && h.wb.pane.ready()
	})
	h.waitFor("the recipes listed", waitTimeout, func() bool { line, _ := cv.recipeOffer(); return line != "" })
	if s := cv.staleText(0); !strings.Contains(s, "previous study") || !strings.Contains(s, "4.dcm") {
		t.Errorf("the X-ray's answer is not marked as the previous study's: %q", s)
	}
	ct := recipeNamed(t, "medgemma-1.5-ct")
	if c.promptEntry.Text != ct.Prompt.Default {
		t.Errorf("prompt %q, want the CT recipe's query %q", c.promptEntry.Text, ct.Prompt.Default)
	}
	line, use := cv.recipeOffer()
	if !strings.Contains(line, "medgemma-1.5-ct") {
		t.Errorf("offer %q, want the CT recipe", line)
	}
	use()
	if got := h.wb.pane.recipeRef().Name; got != "medgemma-1.5-ct" {
		t.Errorf("recipe chosen %q after Use", got)
	}
	if line, _ := cv.recipeOffer(); line != "" {
		t.Errorf("still offering %q with the recipe chosen", line)
	}
	if mt, temp := cv.optionFieldsShown(); mt != "2000" || temp != "0" {
		t.Errorf("fields max tokens %q, temperature %q, want the recipe's 2000 and 0", mt, temp)
	}
}

// TestCompareRecipeOptionsInTheFields (item 6): the recipe chosen shows its
// max tokens and temperature in the fields, the run sends what they show
// (and what the user types over them), and plain gives the user's back.
func TestCompareRecipeOptionsInTheFields(t *testing.T) {
	fake := twoModels()
	h := newHarness(t, fake)
	h.openTestImage("4.dcm")
	h.waitForModel(testModel)
	var sent []core.Options
	fake.set(func(f *fakeBackend) {
		f.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
			f.mu.Lock()
			sent = append(sent, req.Options)
			f.mu.Unlock()
			return int64(len(sent)), core.Result{Status: core.StatusOK}, nil
		}
	})
	cv, eye, c := h.wb.cmp, h.wb.pane.eye, h.first()
	cv.tempEntry.SetText("0.7")
	h.waitFor("the recipes listed", waitTimeout, func() bool { return eye.recipes["medgemma-cxr"] != nil })
	eye.recipeSelect.SetSelected("medgemma-cxr")
	if mt, temp := cv.optionFieldsShown(); mt != "1000" || temp != "0" {
		t.Fatalf("medgemma-cxr chosen: fields %q, %q; want the recipe's 1000 and 0", mt, temp)
	}
	run := func() core.Options {
		t.Helper()
		n := len(sent)
		test.Tap(c.runButton)
		h.waitFor("the run", waitTimeout, func() bool { fake.mu.Lock(); defer fake.mu.Unlock(); return len(sent) > n && !c.running })
		return sent[len(sent)-1]
	}
	if o := run(); o.NumPredict != 1000 || o.Temperature == nil || *o.Temperature != 0 {
		t.Errorf("sent %+v, want what the fields show", o)
	}
	cv.maxTokensEntry.SetText("512")
	if o := run(); o.NumPredict != 512 {
		t.Errorf("sent %d tokens, want the 512 typed", o.NumPredict)
	}
	eye.recipeSelect.SetSelected(recipe.Plain)
	if mt, temp := cv.optionFieldsShown(); mt != "1024" || temp != "0.7" {
		t.Errorf("plain again: fields %q, %q; want the user's 1024 and 0.7 back", mt, temp)
	}
	if rs := renderedSummary(core.Request{Model: testModel}, core.Rendered{NumCtx: 25600}); !strings.Contains(rs, "loaded") {
		t.Errorf("the rendered prompt's summary does not say what rendering cost: %q", rs)
	}
}

// recipeNamed is the built-in recipe name.
func recipeNamed(t *testing.T, name string) *recipe.Recipe {
	t.Helper()
	for _, r := range recipe.Builtins() {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no built-in recipe %s", name)
	return nil
}

// TestCompareOptionsNotCutAt1280 (issue 28, item 7): at 1280×800 with an
// X-ray open (its recipe offered) the Seed field is wholly in view.
func TestCompareOptionsNotCutAt1280(t *testing.T) {
	h := newHarness(t, twoModels())
	h.openTestImage("4.dcm")
	h.waitForModel(testModel)
	cv := h.wb.cmp
	h.waitFor("the recipe offer", waitTimeout, func() bool { line, _ := cv.recipeOffer(); return line != "" })
	h.resize(1280, 800)
	p, s := absRect(cv.seedEntry)
	q, r := absRect(cv.useRecipe)
	overlap := p.X < q.X+r.Width && q.X < p.X+s.Width && p.Y < q.Y+r.Height && q.Y < p.Y+s.Height
	if !showsWhole(cv.seedEntry, cv.content) || overlap {
		t.Errorf("the Seed field at %v %v is cut off (the offer at %v %v)", p, s, q, r)
	}
	if line, _ := cv.recipeOffer(); !showsWhole(cv.useRecipe, cv.content) {
		t.Errorf("the offer %q is cut off", line)
	}
}
