package ui

import (
	"context"
	"errors"
	"image"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// waitTimeout bounds waits for background work. Rendering and preparing
// the 7.5 MB test image takes well under a second normally but several
// seconds with the race detector on a busy machine.
const waitTimeout = 60 * time.Second

const testModel = "medgemma:4b"

var _ Backend = (*fakeBackend)(nil)

// fakeBackend is a hand-written Backend. Open really loads the file.
type fakeBackend struct {
	t *testing.T

	mu         sync.Mutex
	models     []core.Model
	modelsErr  error
	openErr    error
	openGate   chan struct{} // when set, OpenStudy waits for it or for its context
	state      core.State
	stateCalls int
	ask        func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error)
	recipesErr error            // returned by Recipes with the built-ins
	mine       []*recipe.Recipe // the user's recipes, after the built-ins
	savedJSON  [][]byte         // what SaveRecipe was given, in order
	rendered   []core.Request   // what RenderPrompt was asked, in order

	fakeHistory // the history methods (fake_history_test.go)
	fakeBatch   // the batch methods (fake_batch_test.go)
	fakePACS    // the PACS methods (fake_pacs_test.go)
}

func (f *fakeBackend) Models(ctx context.Context) ([]core.Model, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.models), f.modelsErr
}

func (f *fakeBackend) Ask(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
	f.mu.Lock()
	ask := f.ask
	f.mu.Unlock()
	if ask == nil {
		return 0, core.Result{}, errors.New("fake: no ask")
	}
	return ask(ctx, req, onChunk)
}

func (f *fakeBackend) InstallDemo(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.models = append(f.models, core.Model{Name: core.DemoModelName, Demo: true})
	return nil
}

func (f *fakeBackend) RuntimeState() core.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stateCalls++
	return f.state
}

func (f *fakeBackend) set(fn func(f *fakeBackend)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// uiQueue stands in for fyne.Do: the workbench's goroutines queue their
// widget changes and the test goroutine, acting as the UI goroutine, runs
// them, so the race detector sees the same ordering as in the app.
type uiQueue struct {
	mu  sync.Mutex
	fns []func()
}

func (q *uiQueue) do(fn func()) {
	q.mu.Lock()
	q.fns = append(q.fns, fn)
	q.mu.Unlock()
}

func (q *uiQueue) drain() {
	for {
		q.mu.Lock()
		fns := q.fns
		q.fns = nil
		q.mu.Unlock()
		if len(fns) == 0 {
			return
		}
		for _, fn := range fns {
			fn()
		}
	}
}

type harness struct {
	t         *testing.T
	closeOnce sync.Once
	q         *uiQueue
	wb        *Workbench
	fake      *fakeBackend
}

func newHarness(t *testing.T, fake *fakeBackend) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	q := &uiQueue{}
	fake.t = t
	wb := newWorkbench(a, fake, q.do, 5*time.Millisecond)
	h := &harness{t: t, q: q, wb: wb, fake: fake}
	t.Cleanup(h.close)
	h.q.drain()
	return h
}

// first is the side-by-side view's first column, where the single-run
// tests type and read.
func (h *harness) first() *column { return h.wb.cmp.columns[0] }

// close closes the window once; the test driver panics on a second Close.
func (h *harness) close() {
	h.closeOnce.Do(h.wb.Window().Close)
}

// waitFor runs the queued UI changes until cond holds.
func (h *harness) waitFor(what string, timeout time.Duration, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		h.q.drain()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out after %v waiting for %s (stats %q, info %q, hint %q)", timeout, what,
				h.first().stats.Text, h.wb.pane.imageInfo.Text, h.wb.cmp.modelHint.Text)
		}
		time.Sleep(time.Millisecond)
	}
}

// openTestImage opens the dicom module's test file name and waits until it
// is shown; it returns the model input Prepare makes for its default
// window. 4.dcm is a 1760×2140 X-ray (preparing it takes seconds under the
// race detector); 3.dcm is a small MR image.
func (h *harness) openTestImage(name string) *dicomview.Prepared {
	h.t.Helper()
	h.wb.OpenPaths([]string{dicomtest.File(h.t, name)})
	h.waitFor("the image to be shown", waitTimeout, func() bool { return h.wb.pane.viewer.Image() != nil })
	if got := h.wb.pane.imageInfo.Text; !strings.HasPrefix(got, name) {
		h.t.Errorf("image info = %q, want it to start with %s", got, name)
	}
	win := h.wb.pane.img.DefaultWindow(1)
	want, err := h.wb.pane.img.Prepare(dicomview.PrepareOptions{Frame: 1, Window: &win, Fit: dicomview.FitPad})
	if err != nil {
		h.t.Fatal(err)
	}
	return want
}

func (h *harness) waitForModel(label string) {
	h.t.Helper()
	h.waitFor("model "+label+" to be chosen", waitTimeout, func() bool { return h.first().modelSelect.Selected == label })
}

func hasDialog(w fyne.Window) bool {
	return w.Canvas().Overlays().Top() != nil
}

func TestOpenRunStreamsAnswer(t *testing.T) {
	fake := &fakeBackend{models: []core.Model{{Name: testModel}}}
	h := newHarness(t, fake)
	want := h.openTestImage("4.dcm")
	h.waitForModel(testModel)

	chunks := []string{"The lungs ", "are clear", ". No acute ", "findings."}
	release := make(chan struct{})
	fake.set(func(f *fakeBackend) {
		f.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
			if len(req.Images) != 1 {
				t.Errorf("request has %d images, want 1", len(req.Images))
			} else if img := req.Images[0]; img.SHA256 != want.SHA256 || img.Width != 896 || img.Height != 896 || len(img.PNG) == 0 {
				t.Errorf("request image SHA %s %d×%d, want Prepare's %s 896×896", img.SHA256, img.Width, img.Height, want.SHA256)
			}
			if req.Model != testModel || req.System != defaultSystem || req.Prompt != defaultPrompt {
				t.Errorf("request model %q system %q prompt %q", req.Model, req.System, req.Prompt)
			}
			if o := req.Options; o.NumPredict != 256 || o.Seed == nil || *o.Seed != 3 || o.Temperature != nil {
				t.Errorf("request options %+v, want max tokens 256, seed 3, default temperature", o)
			}
			onChunk(chunks[0])
			time.Sleep(5 * time.Millisecond)
			onChunk(chunks[1])
			select {
			case <-release:
			case <-ctx.Done():
				return 0, core.Result{Status: core.StatusCancelled}, ctx.Err()
			}
			for _, c := range chunks[2:] {
				time.Sleep(5 * time.Millisecond)
				onChunk(c)
			}
			return 42, core.Result{
				Status: core.StatusOK, EvalCount: 9, EvalDuration: 300 * time.Millisecond,
				FirstToken: 120 * time.Millisecond, DoneReason: "stop",
			}, nil
		}
	})

	h.wb.cmp.maxTokensEntry.SetText("256")
	h.wb.cmp.seedEntry.SetText("3")
	test.Tap(h.first().runButton)
	if !h.first().runButton.Disabled() || h.first().stopButton.Disabled() {
		t.Errorf("while running: Run disabled %v, Stop disabled %v; want true, false", h.first().runButton.Disabled(), h.first().stopButton.Disabled())
	}
	h.waitFor("the first chunks to stream in", waitTimeout, func() bool { return h.first().answer.Text == chunks[0]+chunks[1] })
	close(release)
	h.waitFor("the run to end", waitTimeout, func() bool { return !h.wb.cmp.running })

	if got, want := h.first().answer.Text, strings.Join(chunks, ""); got != want {
		t.Errorf("answer = %q, want %q", got, want)
	}
	stats := h.first().stats.Text
	for _, part := range []string{"run 42", "9 tokens", "30.0 tokens/s", "first token 120 ms", "done: stop"} {
		if !strings.Contains(stats, part) {
			t.Errorf("stats %q lack %q", stats, part)
		}
	}
	if h.first().runButton.Disabled() || !h.first().stopButton.Disabled() {
		t.Errorf("after the run: Run disabled %v, Stop disabled %v; want false, true", h.first().runButton.Disabled(), h.first().stopButton.Disabled())
	}
	if hasDialog(h.wb.Window()) {
		t.Error("a dialog is shown after a successful run")
	}
}

func TestStopCancelsRun(t *testing.T) {
	fake := &fakeBackend{models: []core.Model{{Name: testModel}}}
	fake.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
		onChunk("Partial")
		<-ctx.Done()
		return 7, core.Result{Status: core.StatusCancelled, DoneReason: "cancelled"}, ctx.Err()
	}
	h := newHarness(t, fake)
	h.waitForModel(testModel)

	test.Tap(h.first().runButton)
	h.waitFor("the run to start streaming", waitTimeout, func() bool { return h.first().answer.Text == "Partial" })
	test.Tap(h.first().stopButton)
	h.waitFor(`"cancelled" in the stats`, time.Second, func() bool { return strings.Contains(h.first().stats.Text, "cancelled") })

	if !strings.Contains(h.first().stats.Text, "run 7") {
		t.Errorf("stats %q lack the run id", h.first().stats.Text)
	}
	if h.first().answer.Text != "Partial" {
		t.Errorf("answer = %q, want the partial answer kept", h.first().answer.Text)
	}
	if h.first().runButton.Disabled() {
		t.Error("Run stays disabled after a cancelled run")
	}
	if hasDialog(h.wb.Window()) {
		t.Error("a cancelled run shows an error dialog")
	}
}

func TestRunErrorShowsDialog(t *testing.T) {
	fake := &fakeBackend{models: []core.Model{{Name: testModel}}}
	fake.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
		return 3, core.Result{Status: core.StatusError}, errors.New(`model "medgemma:4b" not found; pull it first`)
	}
	h := newHarness(t, fake)
	h.waitForModel(testModel)

	test.Tap(h.first().runButton)
	h.waitFor("the run to end", waitTimeout, func() bool { return !h.wb.cmp.running && h.first().stats.Text != "Running…" })
	if !strings.HasPrefix(h.first().stats.Text, "error") {
		t.Errorf("stats = %q, want it to start with error", h.first().stats.Text)
	}
	if !hasDialog(h.wb.Window()) {
		t.Error("no error dialog after a failed run")
	}
}

func TestRunWithoutModelShowsDialog(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	h.waitFor("the empty model list", waitTimeout, func() bool { return h.wb.cmp.installDemo.Visible() })
	test.Tap(h.first().runButton)
	if h.wb.cmp.running || !hasDialog(h.wb.Window()) {
		t.Errorf("running %v, dialog %v; want no run and a dialog", h.wb.cmp.running, hasDialog(h.wb.Window()))
	}
}

func TestModelInputToggleShows896(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	want := h.openTestImage("3.dcm")
	display := h.wb.pane.viewer.Image().Bounds()
	if display.Dx() == 896 && display.Dy() == 896 {
		t.Fatalf("display image is already 896×896; the test image cannot tell them apart")
	}

	test.Tap(h.wb.pane.modelInputCheck)
	h.waitFor("the model input to be shown", waitTimeout, func() bool {
		return h.wb.pane.viewer.Image().Bounds() == image.Rect(0, 0, 896, 896)
	})
	if got := h.wb.pane.inputInfo.Text; !strings.Contains(got, shortSHA(want.SHA256)) || !strings.Contains(got, "896×896") {
		t.Errorf("input info = %q, want 896×896 and SHA %s", got, shortSHA(want.SHA256))
	}

	test.Tap(h.wb.pane.modelInputCheck)
	h.waitFor("the display image again", waitTimeout, func() bool { return h.wb.pane.viewer.Image().Bounds() == display })
	if h.wb.pane.inputInfo.Text != "" {
		t.Errorf("input info = %q with the toggle off, want empty", h.wb.pane.inputInfo.Text)
	}
}

func TestDragChangesWindow(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	h.openTestImage("3.dcm")
	before := h.wb.pane.window

	h.wb.pane.viewer.Dragged(&fyne.DragEvent{Dragged: fyne.NewDelta(0, 20)})
	// 3.dcm holds whole values: the window is dragged in whole values
	// (issue 28).
	if want := math.Round(before.Center + 20*before.Width/dragUnits); h.wb.pane.window.Center != want || h.wb.pane.window.Width != before.Width {
		t.Errorf("after a vertical drag window = %+v, want center %v width %v", h.wb.pane.window, want, before.Width)
	}
	if h.wb.pane.centerEntry.Text != formatFloat(h.wb.pane.window.Center) {
		t.Errorf("center entry %q, want %q", h.wb.pane.centerEntry.Text, formatFloat(h.wb.pane.window.Center))
	}
	h.wb.pane.viewer.Dragged(&fyne.DragEvent{Dragged: fyne.NewDelta(30, 0)})
	if h.wb.pane.window.Width <= before.Width {
		t.Errorf("a drag to the right left width %v, want more than %v", h.wb.pane.window.Width, before.Width)
	}
	h.waitFor("the render to settle", waitTimeout, func() bool { return !h.wb.pane.rendering && h.wb.pane.displayFor == h.wb.pane.key() })

	test.Tap(h.wb.pane.resetWindowButton())
	if h.wb.pane.window != before {
		t.Errorf("after reset window = %+v, want %+v", h.wb.pane.window, before)
	}

	h.wb.pane.centerEntry.SetText("40")
	h.wb.pane.widthEntry.SetText("0")
	h.wb.pane.widthEntry.OnSubmitted("0")
	if h.wb.pane.window != before || !hasDialog(h.wb.Window()) {
		t.Errorf("a zero width gave window %+v, dialog %v; want it refused with a dialog", h.wb.pane.window, hasDialog(h.wb.Window()))
	}
}

func TestOpenErrorShowsDialog(t *testing.T) {
	fake := &fakeBackend{openErr: errors.New("load /tmp/x.dcm: not a DICOM, PNG or JPEG file")}
	h := newHarness(t, fake)
	h.wb.OpenPaths([]string{"/tmp/x.dcm"})
	h.waitFor("the error dialog", waitTimeout, func() bool { return hasDialog(h.wb.Window()) })
	if h.wb.pane.imageInfo.Text != "No image" {
		t.Errorf("image info = %q after a failed open, want %q", h.wb.pane.imageInfo.Text, "No image")
	}
}

func TestDemoModelLabel(t *testing.T) {
	h := newHarness(t, &fakeBackend{models: []core.Model{{Name: core.DemoModelName, Demo: true}}})
	want := "demo-medgemma-arch — random weights — output is noise"
	h.waitForModel(want)
	if got := h.first().modelSelect.Options; len(got) != 1 || got[0] != want {
		t.Errorf("options = %q, want [%q]", got, want)
	}
	if !strings.Contains(h.wb.cmp.modelHint.Text, core.DemoModelLabel) {
		t.Errorf("hint = %q, want the noise warning", h.wb.cmp.modelHint.Text)
	}
	if h.wb.cmp.installDemo.Visible() {
		t.Error("Install demo model is offered although a model exists")
	}
}

func TestInstallDemoWhenNoModels(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	h.waitFor("the Install demo model button", waitTimeout, func() bool { return h.wb.cmp.installDemo.Visible() })
	test.Tap(h.wb.cmp.installDemo)
	h.waitForModel(modelLabel(core.Model{Name: core.DemoModelName, Demo: true}))
	if h.wb.cmp.installDemo.Visible() {
		t.Error("Install demo model is still offered after installing it")
	}
}

func TestStatusLineFollowsRuntime(t *testing.T) {
	fake := &fakeBackend{
		state:     core.State{Mode: "managed", Phase: "starting", URL: "http://127.0.0.1:11434"},
		modelsErr: errors.New("runtime not ready"),
	}
	h := newHarness(t, fake)
	h.waitFor("the starting state", waitTimeout, func() bool { return strings.Contains(h.wb.status.Text, "starting") })
	h.waitFor("the models error", waitTimeout, func() bool { return strings.Contains(h.wb.cmp.modelHint.Text, "runtime not ready") })

	fake.set(func(f *fakeBackend) {
		f.state = core.State{Mode: "managed", Phase: "ready", URL: "http://127.0.0.1:11434", Version: "0.17.4", Restarts: 1}
		f.modelsErr = nil
		f.models = []core.Model{{Name: testModel}}
	})
	h.waitFor("the ready state", waitTimeout, func() bool {
		return h.wb.status.Text == "Runtime (managed): ready · http://127.0.0.1:11434 · Ollama 0.17.4 · 1 restarts"
	})
	// Becoming ready lists the models again.
	h.waitForModel(testModel)

	h.close()
	calls := func() int {
		fake.mu.Lock()
		defer fake.mu.Unlock()
		return fake.stateCalls
	}
	time.Sleep(50 * time.Millisecond) // let a poll in flight finish
	n := calls()
	time.Sleep(100 * time.Millisecond) // 20 poll intervals
	if m := calls(); m != n {
		t.Errorf("RuntimeState called %d more times after the window closed", m-n)
	}
}

func TestAutoRunPressesRunOnceReady(t *testing.T) {
	fake := &fakeBackend{models: []core.Model{{Name: core.DemoModelName, Demo: true}}}
	var asks int
	fake.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
		asks++
		if len(req.Images) != 1 {
			t.Errorf("autorun sent %d images, want the open one", len(req.Images))
		}
		onChunk("noise")
		return 7, core.Result{Status: core.StatusOK, DoneReason: "length"}, nil
	}
	h := newHarness(t, fake)
	done := false
	h.wb.AutoRun(func() { done = true })
	h.q.drain()
	if asks != 0 {
		t.Fatal("autorun ran before an image was open")
	}
	h.openTestImage("3.dcm")
	h.waitFor("the automatic run to end", waitTimeout, func() bool { return done })
	if asks != 1 || h.first().answer.Text != "noise" || !strings.Contains(h.first().stats.Text, "run 7") {
		t.Errorf("asks %d, answer %q, stats %q", asks, h.first().answer.Text, h.first().stats.Text)
	}
}
