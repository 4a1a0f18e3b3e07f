package ui

import (
	"context"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestWindowDragIsWholeOnAWholeImage (issue 28, item 7): dragging the
// window of an X-ray (whole stored values) shows and applies whole values,
// and slow drags still add up.
func TestWindowDragIsWholeOnAWholeImage(t *testing.T) {
	h := newHarness(t, twoModels())
	h.openTestImage("4.dcm")
	p := h.wb.pane
	start := p.window
	for range 10 {
		p.dragWindow(0.3, 0.7)
	}
	for _, e := range []string{p.centerEntry.Text, p.widthEntry.Text} {
		if v, err := strconv.ParseFloat(e, 64); err != nil || v != math.Trunc(v) {
			t.Errorf("after a drag the window shows %q / %q, want whole values", p.centerEntry.Text, p.widthEntry.Text)
			break
		}
	}
	if p.window == start {
		t.Errorf("ten small drags left the window at %v", start)
	}
}

// TestHistoryNoMatchClearsTheDetail (issue 28, item 7): after "No runs
// match." no run's details stay on the right.
func TestHistoryNoMatchClearsTheDetail(t *testing.T) {
	fake, _ := historyWithRuns(t)
	h := newHarness(t, fake)
	h.waitForModel(testModel)
	hp := h.openHistory(3)
	hp.list.Select(0)
	h.waitFor("the run's details", waitTimeout, func() bool { return hp.detail.Visible() })
	test.Type(hp.search, "no such words anywhere")
	hp.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.waitFor("no match", waitTimeout, func() bool { return hp.count.Text == "No runs match." })
	if hp.detail.Visible() || !hp.placeholder.Visible() || hp.selected != nil {
		t.Errorf("after No runs match: detail shown %v, placeholder %v, selected %v", hp.detail.Visible(), hp.placeholder.Visible(), hp.selected)
	}
}

// TestRuntimeBinarySetting (issue 28, item 7): Settings has a field for the
// managed runtime's binary, saved and read back, and the "Runtime not set
// up" dialog names --ollama-bin and that field.
func TestRuntimeBinarySetting(t *testing.T) {
	a := test.NewTempApp(t)
	f := newSettingsForm(Settings{OllamaBin: "/opt/ollama/bin/ollama"}, "/data", "the system keychain")
	if f.bin.Text != "/opt/ollama/bin/ollama" || f.bin.Disabled() {
		t.Errorf("runtime binary field %q (disabled %v)", f.bin.Text, f.bin.Disabled())
	}
	f.bin.SetText(" /usr/local/bin/ollama ")
	s, err := f.settings()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(a.Preferences(), nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := LoadSettings(a.Preferences(), nil); got.OllamaBin != "/usr/local/bin/ollama" {
		t.Errorf("read back %q", got.OllamaBin)
	}
	if !strings.Contains(runtimeMissingText, "--ollama-bin") || !strings.Contains(runtimeMissingText, "Runtime binary") {
		t.Errorf("the set-up dialog does not name --ollama-bin and the Settings field:\n%s", runtimeMissingText)
	}
}

// TestCompareProgressStages (issue 28, item 4): a running column says its
// stage and time — the request sent and the prompt being read (with the
// model's measured prompt rate once known), then the tokens — and Stop
// ends it at the sent stage.
func TestCompareProgressStages(t *testing.T) {
	fake := twoModels()
	h := newHarness(t, fake)
	h.openTestImage("4.dcm")
	h.waitForModel(testModel)
	first, stop := make(chan struct{}), make(chan struct{})
	fake.set(func(f *fakeBackend) {
		f.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
			select {
			case <-first:
			case <-ctx.Done():
				return 0, core.Result{Status: core.StatusCancelled}, ctx.Err()
			}
			onChunk("The lungs")
			onChunk(" are clear.")
			select {
			case <-stop:
			case <-ctx.Done():
				return 0, core.Result{Status: core.StatusCancelled}, ctx.Err()
			}
			return 3, core.Result{Model: req.Model, Status: core.StatusOK, PromptEvalCount: 300, PromptEvalDuration: time.Second}, nil
		}
	})
	cv, c := h.wb.cmp, h.first()
	test.Tap(c.runButton)
	h.waitFor("the sent stage", waitTimeout, func() bool {
		s := cv.progressText(0)
		return strings.Contains(s, "Sent 1 image") && strings.Contains(s, "reads the prompt (about")
	})
	close(first)
	h.waitFor("the tokens", waitTimeout, func() bool { return strings.Contains(cv.progressText(0), "Generating · 2 tokens") })
	close(stop)
	h.waitFor("the end", waitTimeout, func() bool { return !c.running })
	if s := cv.progressText(0); s != "" {
		t.Errorf("progress %q after the run", s)
	}

	// The second run estimates the prompt from the rate the first measured,
	// and Stop works while it waits.
	fake.set(func(f *fakeBackend) {
		f.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
			<-ctx.Done()
			return 0, core.Result{Status: core.StatusCancelled, DoneReason: "cancelled"}, ctx.Err()
		}
	})
	test.Tap(c.runButton)
	h.waitFor("the estimate", waitTimeout, func() bool { return strings.Contains(cv.progressText(0), "at the 300 tokens/s measured") })
	test.Tap(c.stopButton)
	h.waitFor("the stop", waitTimeout, func() bool { return !c.running && strings.Contains(c.stats.Text, "cancelled") })
}
