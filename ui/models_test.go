package ui

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

func init() {
	// Another test file of the package may declare the flag too.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under testdata/")
	}
}

// Test data: MedGemma 4B as Ollama reports it, a text-only GGUF, the demo.
var (
	medgemmaFacts = core.Facts{Name: "medgemma:4b", Digest: "sha256:6c5e2f4a1b3d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f",
		Parameters: "4.3B", ParameterCount: 4300079472, Quantization: "Q4_K_M", ContextLength: 131072,
		Capabilities: []string{"completion", "vision"}, Size: 3338801804}
	textOnlyFacts = core.Facts{Name: "medgemma-text:latest", Digest: "sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f9", Parameters: "3.9B",
		Quantization: "Q8_0", ContextLength: 131072, Capabilities: []string{"completion"}, Size: 4130000000}
	demoFacts = core.Facts{Name: core.DemoModelName + ":latest", Digest: "sha256:d3m0d3m0d3m0d3m0", Parameters: "10.5M",
		Quantization: "F16", ContextLength: 8192, Capabilities: []string{"completion", "vision"}, Size: 21000000, Demo: true}
	readyState = core.State{Mode: "managed", URL: "http://127.0.0.1:41234", Phase: core.PhaseReady, Version: "0.17.4",
		Compute: []core.Compute{{ID: "cpu", Library: "cpu", Name: "cpu", Description: "cpu", Total: "23.5 GiB"}}}
)

type panelHarness struct {
	t    *testing.T
	win  fyne.Window
	q    *uiQueue
	p    *ModelsPanel
	fake *fakeModels
}

func newPanelHarness(t *testing.T, fake *fakeModels) *panelHarness {
	t.Helper()
	a := test.NewTempApp(t)
	q := &uiQueue{}
	win := a.NewWindow("Models")
	p := newModelsPanel(win, fake, q.do)
	win.SetContent(p.Content())
	win.Resize(fyne.NewSize(900, 720))
	h := &panelHarness{t: t, win: win, q: q, p: p, fake: fake}
	t.Cleanup(func() {
		p.Close()
		win.Close()
	})
	return h
}

func (h *panelHarness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		h.q.drain()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s (op %q %q, hint %q)", what, h.p.opTitle.Text, h.p.opDetail.Text, h.p.listHint.Text)
		}
		time.Sleep(time.Millisecond)
	}
}

// overlayTexts are the texts of the labels in the top dialog, and its
// other drawn texts (form hints), a line each.
func overlayTexts(w fyne.Window) string {
	top := w.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	var b strings.Builder
	for _, o := range test.LaidOutObjects(top) {
		switch o := o.(type) {
		case *widget.Label:
			b.WriteString(o.Text + "\n")
		case *canvas.Text:
			b.WriteString(o.Text + "\n")
		}
	}
	return b.String()
}

// overlayButton is the button labelled text in the top dialog.
func overlayButton(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	if top := w.Canvas().Overlays().Top(); top != nil {
		for _, o := range test.LaidOutObjects(top) {
			if b, ok := o.(*widget.Button); ok && b.Text == text {
				return b
			}
		}
	}
	t.Fatalf("no button %q in the top dialog (texts %q)", text, overlayTexts(w))
	return nil
}

func TestModelsPanelListsModelsWithVisionBadge(t *testing.T) {
	fake := &fakeModels{facts: []core.Facts{medgemmaFacts, textOnlyFacts, demoFacts}, state: readyState,
		loaded: []core.Loaded{{Name: "medgemma:4b", Size: 3338801804, SizeVRAM: 0, NumCtx: 4096,
			ExpiresAt: time.Date(2026, 11, 26, 21, 30, 0, 0, time.UTC)}}}
	h := newPanelHarness(t, fake)
	h.p.Refresh()
	h.waitFor("three models and the loaded one", func() bool {
		return len(h.p.rows) == 3 && strings.Contains(h.p.loadedInfo.Text, "medgemma:4b")
	})

	mg := h.p.rows["medgemma:4b"]
	if mg.badge.Text != "vision" || mg.badge.Importance != widget.SuccessImportance {
		t.Errorf("medgemma badge %q (importance %v), want vision", mg.badge.Text, mg.badge.Importance)
	}
	for _, want := range []string{"4.3B parameters (4,300,079,472)", "Q4_K_M", "context 131072", "3.1 GiB", "digest 6c5e2f4a1b3d"} {
		if !strings.Contains(mg.detail.Text, want) {
			t.Errorf("medgemma detail %q lacks %q", mg.detail.Text, want)
		}
	}
	if b := h.p.rows["medgemma-text:latest"].badge; !strings.HasPrefix(b.Text, "text only") || b.Importance != widget.WarningImportance {
		t.Errorf("text-only badge %q", b.Text)
	}
	if b := h.p.rows[demoFacts.Name].badge; !strings.Contains(b.Text, core.DemoModelLabel) {
		t.Errorf("demo badge %q does not say its output is noise", b.Text)
	}
	for got, want := range map[string]string{
		h.p.runtimeInfo.Text: "Managed runtime at http://127.0.0.1:41234 · Ollama 0.17.4 · ready",
		h.p.computeInfo.Text: "Compute: CPU only",
		h.p.loadedInfo.Text:  "Loaded: medgemma:4b — 100% CPU, 0 B VRAM of 3.1 GiB, context 4096, until 21:30:00",
	} {
		if got != want {
			t.Errorf("runtime section %q, want %q", got, want)
		}
	}
	if h.p.firstRun.Visible() {
		t.Error("the first-run card is shown with models installed")
	}
	assertCanvasMarkup(t, "models_panel.xml", h.win.Canvas())
}

func TestRuntimeSectionShowsGPU(t *testing.T) {
	st := readyState
	st.Compute = []core.Compute{{ID: "GPU-1", Library: "CUDA", Name: "CUDA0", Description: "NVIDIA H100 80GB HBM3", Total: "79.1 GiB"}}
	if got := computeText(st); got != "Compute: NVIDIA H100 80GB HBM3 (CUDA, 79.1 GiB)" {
		t.Errorf("compute %q", got)
	}
	at := core.State{Mode: "attached", URL: "http://gpu-box:11434", Phase: core.PhaseReady}
	if got := computeText(at); !strings.Contains(got, "not known for an attached server") {
		t.Errorf("attached compute %q", got)
	}
	if got := stateText(at, nil, modelsLine); !strings.HasPrefix(got, "Attached to http://gpu-box:11434") {
		t.Errorf("attached runtime %q", got)
	}
	l := core.Loaded{Name: "m", Size: 4000, SizeVRAM: 2000}
	if got := loadedText([]core.Loaded{l}); !strings.Contains(got, "50%/50% CPU/GPU, 2.0 KiB VRAM of 3.9 KiB") {
		t.Errorf("split %q", got)
	}
}

// TestPullShowsProgressAndCancelStopsIt: a pull's bar only moves forward
// (a new layer raising the total does not move it back), the line says
// bytes, percent, speed and ETA, and Cancel ends the pull without an error
// dialog.
func TestPullShowsProgressAndCancelStopsIt(t *testing.T) {
	const gb = 1_000_000_000
	// Bytes done and total after each update; at the fourth a second layer
	// appears and the total grows, so the percentage falls from 50 to 33.
	steps := [][2]int64{{gb / 5, 2 * gb}, {4 * gb / 5, 2 * gb}, {gb, 2 * gb}, {gb, 3 * gb}, {3 * gb / 2, 3 * gb}, {12 * gb / 5, 3 * gb}}
	wantBar := []float64{0.1, 0.4, 0.5, 0.5, 0.5, 0.8}
	next := make(chan struct{})
	ended := make(chan error, 1)
	fake := &fakeModels{state: readyState}
	fake.pull = func(ctx context.Context, name string, progress func(core.Progress)) error {
		for _, st := range steps {
			<-next
			progress(core.Progress{Status: "pulling 3e4cb…", Completed: st[0], Total: st[1],
				Percent: 100 * float64(st[0]) / float64(st[1]), BytesPerSec: 45e6, ETA: 47 * time.Second})
		}
		<-ctx.Done()
		ended <- ctx.Err()
		return errors.New("pull " + name + ": cancelled; the bytes fetched so far are kept")
	}
	h := newPanelHarness(t, fake)
	h.p.pullEntry.SetText("medgemma:4b")
	test.Tap(h.p.pullButton)
	if !h.p.pullButton.Disabled() || !h.p.opCancel.Visible() {
		t.Error("while pulling, Pull is enabled or Cancel hidden")
	}
	for i, want := range wantBar {
		next <- struct{}{}
		pct := fmt.Sprintf("%.1f%%", 100*float64(steps[i][0])/float64(steps[i][1]))
		h.waitFor("update "+pct, func() bool { return strings.Contains(h.p.opDetail.Text, pct) })
		if got := h.p.opBar.Value; math.Abs(got-want) > 1e-9 {
			t.Errorf("after update %d (%s) the bar is at %v, want %v", i+1, pct, got, want)
		}
	}
	for _, want := range []string{"pulling 3e4cb…", "2.2 GiB / 2.8 GiB", "80.0%", "42.9 MiB/s", "ETA 47s"} {
		if !strings.Contains(h.p.opDetail.Text, want) {
			t.Errorf("progress line %q lacks %q", h.p.opDetail.Text, want)
		}
	}

	test.Tap(h.p.opCancel)
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("pull ended with %v", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Cancel did not stop the pull")
	}
	h.waitFor("the pull to end", func() bool { return !h.p.busy })
	if !strings.Contains(h.p.opTitle.Text, "cancelled") || h.p.opCancel.Visible() || h.p.pullButton.Disabled() {
		t.Errorf("after Cancel: title %q, cancel shown %v, pull disabled %v", h.p.opTitle.Text, h.p.opCancel.Visible(), h.p.pullButton.Disabled())
	}
	if hasDialog(h.win) {
		t.Errorf("a cancelled pull showed a dialog: %q", overlayTexts(h.win))
	}
	if e := fake.snapshot().every; e < 17*time.Millisecond || e > 100*time.Millisecond {
		t.Errorf("progress asked for every %v, want 17–100 ms", e)
	}
}

func TestPullErrorShowsDialogNamingModel(t *testing.T) {
	fake := &fakeModels{state: readyState}
	fake.pull = func(ctx context.Context, name string, progress func(core.Progress)) error {
		return errors.New("dial tcp: connection refused; check the network connection")
	}
	h := newPanelHarness(t, fake)
	h.p.pullEntry.SetText("medgemma1.5")
	test.Tap(h.p.pullButton)
	h.waitFor("the error dialog", func() bool { return hasDialog(h.win) })
	if txt := overlayTexts(h.win); !strings.Contains(txt, "medgemma1.5") || !strings.Contains(txt, "check the network") {
		t.Errorf("dialog %q does not name the model and what to do", txt)
	}
	if !strings.HasPrefix(h.p.opTitle.Text, "Failed") {
		t.Errorf("status %q", h.p.opTitle.Text)
	}

	// An empty name is refused before anything is sent.
	h.win.Canvas().Overlays().Top().Hide()
	h.win.Canvas().Overlays().Remove(h.win.Canvas().Overlays().Top())
	h.p.pullEntry.SetText(" ")
	test.Tap(h.p.pullButton)
	if txt := overlayTexts(h.win); !strings.Contains(txt, "medgemma:4b") {
		t.Errorf("empty name: dialog %q", txt)
	}
	if p := fake.snapshot().pulls; len(p) != 1 {
		t.Errorf("pulls %v", p)
	}
}

func TestDeleteAsksToConfirm(t *testing.T) {
	fake := &fakeModels{facts: []core.Facts{medgemmaFacts, demoFacts}, state: readyState}
	h := newPanelHarness(t, fake)
	changed := 0
	h.p.OnChanged = func() { changed++ }
	h.p.Refresh()
	h.waitFor("two models", func() bool { return len(h.p.rows) == 2 })

	test.Tap(h.p.rows["medgemma:4b"].del)
	if txt := overlayTexts(h.win); !strings.Contains(txt, "Delete medgemma:4b") || !strings.Contains(txt, "3.1 GiB") {
		t.Fatalf("confirmation %q", txt)
	}
	test.Tap(overlayButton(t, h.win, "Cancel"))
	h.q.drain()
	if r := fake.snapshot().removed; len(r) != 0 {
		t.Fatalf("removed %v after Cancel", r)
	}

	test.Tap(h.p.rows["medgemma:4b"].del)
	test.Tap(overlayButton(t, h.win, "Delete"))
	h.waitFor("the list without medgemma", func() bool { _, ok := h.p.rows["medgemma:4b"]; return !ok && len(h.p.rows) == 1 })
	if r := fake.snapshot().removed; !slices.Equal(r, []string{"medgemma:4b"}) || changed != 1 {
		t.Errorf("removed %v, OnChanged %d times", r, changed)
	}
}

func TestFirstRunCardInstallsDemo(t *testing.T) {
	fake := &fakeModels{state: readyState}
	h := newPanelHarness(t, fake)
	h.p.Refresh()
	h.waitFor("the first-run card", func() bool { return h.p.firstRun.Visible() })
	var demo *widget.Button
	for _, o := range test.LaidOutObjects(h.p.firstRun) {
		if b, ok := o.(*widget.Button); ok && strings.Contains(b.Text, core.DemoModelLabel) {
			demo = b
		}
	}
	if demo == nil {
		t.Fatal("no demo button labelled with the noise warning on the first-run card")
	}
	test.Tap(demo)
	h.waitFor("the demo model listed", func() bool { return len(h.p.rows) == 1 })
	if n := fake.snapshot().demoCalls; n != 1 || h.p.firstRun.Visible() {
		t.Errorf("demo installs %d, first-run card shown %v", n, h.p.firstRun.Visible())
	}
	if !strings.Contains(h.p.opTitle.Text, core.DemoModelLabel) {
		t.Errorf("status %q does not say the output is noise", h.p.opTitle.Text)
	}
}

func TestImportDialogSendsSpec(t *testing.T) {
	fake := &fakeModels{state: readyState}
	fake.imp = func(ctx context.Context, spec core.ImportSpec, progress func(core.Progress)) error {
		progress(core.Progress{Status: "uploading model.safetensors"})
		return nil
	}
	h := newPanelHarness(t, fake)
	d := h.p.showImport(importFromFolder)
	test.Type(d.name, "medgemma-local")
	d.path.SetText("/data/medgemma-4b-it")
	d.quantize.SetSelected("q4_K_M")
	test.Tap(overlayButton(t, h.win, "Import"))
	h.waitFor("the import to end", func() bool { return len(fake.snapshot().imports) == 1 && !h.p.busy })
	want := core.ImportSpec{Name: "medgemma-local", Safetensors: "/data/medgemma-4b-it", Quantize: "q4_K_M"}
	if fake.snapshot().imports[0] != want {
		t.Errorf("import %+v, want %+v", fake.snapshot().imports[0], want)
	}
	if h.p.opTitle.Text != "Imported medgemma-local" {
		t.Errorf("status %q", h.p.opTitle.Text)
	}

	// A GGUF without a name is refused in the dialog's error, naming what to do.
	d = h.p.showImport(importFromGGUF)
	d.path.SetText("/data/m.gguf")
	test.Tap(overlayButton(t, h.win, "Import"))
	if txt := overlayTexts(h.win); !strings.Contains(txt, "name") {
		t.Errorf("dialog %q", txt)
	}
	if n := len(fake.snapshot().imports); n != 1 {
		t.Errorf("%d imports", n)
	}
}

// TestPollingOnlyWhileShown: the runtime section polls the runtime (its
// loaded models) while the panel is shown, and asks nothing while another
// tab is.
func TestPollingOnlyWhileShown(t *testing.T) {
	fake := &fakeModels{state: core.State{Mode: "managed", Phase: core.PhaseReady}}
	h := newPanelHarness(t, fake)
	calls := func() int { fake.mu.Lock(); defer fake.mu.Unlock(); return fake.loadedN }
	h.p.StartPolling(5 * time.Millisecond)
	deadline := time.Now().Add(waitTimeout)
	for calls() < 3 && time.Now().Before(deadline) {
		h.q.drain()
		time.Sleep(5 * time.Millisecond)
	}
	if calls() < 3 {
		t.Fatalf("shown: %d polls", calls())
	}
	h.p.SetShown(false)
	time.Sleep(20 * time.Millisecond) // a poll already under way may end
	before := calls()
	time.Sleep(100 * time.Millisecond)
	if after := calls(); after != before {
		t.Errorf("hidden: %d polls in 100 ms", after-before)
	}
}
