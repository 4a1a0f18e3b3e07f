package ui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// Timings of the workbench's background work.
const (
	// statePollInterval is how often the status line asks for the runtime's
	// state.
	statePollInterval = 500 * time.Millisecond
	// modelsTimeout bounds one listing of the models.
	modelsTimeout = 15 * time.Second
	// dragUnits is how far, in Fyne units, the mouse moves to change the
	// window width by a factor of e, or its center by one width.
	dragUnits = 200
)

// Workbench is the main window: a thin shell around the tabs. The image
// pane (imagepane.go) and the side-by-side view (compare.go) share the
// Workbench tab; the history browser, the Batch tab and the Models tab are
// tabs of their own. Each takes only its slice of the backend and the
// shared tabEnv; Workbench builds them, the menus and shortcuts
// (shell.go) and the runtime's status line, and wires the notifications
// between them.
type Workbench struct {
	win       fyne.Window
	backend   Backend
	env       *tabEnv
	pollEvery time.Duration

	quit      chan struct{} // closed when the window closes
	closeOnce sync.Once

	// The fields below are used only on the UI goroutine.

	pane    *imagePane      // the image side (imagepane.go)
	cmp     *compareView    // the side-by-side view (compare.go)
	hist    *historyPanel   // the history browser, once made (historypanel.go)
	reports *reportExporter // the report dialog of cmp and hist
	shell   *shell          // menus, tabs, settings (shell.go)

	mainSplit *container.Split // the image side | the columns
	// center holds mainSplit, or the columns alone while the image side is
	// hidden.
	center *fyne.Container
	status *widget.Label // the runtime's state
}

// NewWorkbench builds the main window on app a, backed by b. It starts
// listing the models and polling the runtime's state; both stop when the
// window closes.
func NewWorkbench(a fyne.App, b Backend) *Workbench {
	return newWorkbench(a, b, fyne.Do, statePollInterval)
}

func newWorkbench(a fyne.App, b Backend, do func(func()), pollEvery time.Duration) *Workbench {
	quit := make(chan struct{})
	w := &Workbench{
		win:       a.NewWindow(windowTitle),
		backend:   b,
		pollEvery: pollEvery,
		quit:      quit,
	}
	w.env = &tabEnv{win: w.win, do: do, quit: quit}
	w.reports = &reportExporter{env: w.env, backend: b}
	w.win.SetContent(w.build())
	w.win.Resize(fyne.NewSize(1280, 820))
	w.win.SetOnClosed(w.closed)
	w.win.SetOnDropped(func(_ fyne.Position, uris []fyne.URI) { w.pane.openURIs(uris) })
	w.cmp.addShortcuts(w.win.Canvas())
	w.installShell(a)
	w.env.runsChanged.listen(func() {
		if w.hist != nil {
			w.hist.refresh()
		}
	})

	w.cmp.loadModels()
	ctx, cancel := w.env.opContext()
	go func() {
		defer cancel()
		w.pollState(ctx, do) // do as given: the goroutine never reads the env's fields
	}()
	return w
}

// Window returns the workbench's window.
func (w *Workbench) Window() fyne.Window {
	return w.win
}

// firstShowWait is how long ShowAndRun waits for the paths given to
// OpenPaths, so that the window's first frame shows their first slice.
const firstShowWait = 250 * time.Millisecond

// ShowAndRun shows the window and runs the application until it quits.
// When paths were given to OpenPaths, it first waits for them to open,
// for at most firstShowWait, so that the window's first frame shows their
// series and first slice rather than a frame or more later (the window
// takes longer to start than a folder of 1,000 headers to read when the
// services began reading it early: app's Services.Preopen); past that the
// window opens and shows the open's progress.
func (w *Workbench) ShowAndRun() {
	w.pane.awaitOpen(firstShowWait)
	w.win.ShowAndRun()
}

// OpenPaths opens paths (files, folders, ZIP archives, DICOMDIRs)
// together, as if dropped on the window: their series go into the
// browser and the first is shown. Call it on the UI goroutine or before
// ShowAndRun.
func (w *Workbench) OpenPaths(paths []string) {
	var ps []string
	for _, p := range paths {
		if p != "" {
			ps = append(ps, p)
		}
	}
	if len(ps) > 0 {
		w.pane.open(ps...)
	}
}

// SetMilestones has fn told the steps of opening paths, for timing the
// window's start (an opt-in log): "open: start", "open: N files read"
// (the headers are read and grouped), "open: series shown", "first
// slice: rendered", "first slice: set" (given to the viewer) and "first
// slice: drawn" (the viewer drew it). fn may be called on any goroutine
// and must not block. Call it before OpenPaths.
func (w *Workbench) SetMilestones(fn func(event string)) {
	w.env.milestone = fn
}

// AutoRun presses Run once an image is shown and a model is chosen, and
// calls done when that run ends. It is for demonstrations and screenshots.
// Call it on the UI goroutine or before ShowAndRun.
func (w *Workbench) AutoRun(done func()) {
	w.cmp.AutoRun(done)
}

// build creates the tabs of the Workbench tab and lays them out.
func (w *Workbench) build() fyne.CanvasObject {
	w.pane = newImagePane(w.env, w.backend)
	w.cmp = newCompareView(w.env, w.backend, w.pane, w.reports)
	w.pane.onRenderPrompt = w.cmp.showRenderedPrompt
	w.pane.onRecipeChosen = w.cmp.recipeChosen
	w.pane.onStudyChanged = w.cmp.studyChanged
	w.cmp.setImageHidden = w.setImageHidden

	// Half the window each: two columns side by side at 1280 px, three
	// at 1920.
	w.mainSplit = container.NewHSplit(w.pane.content, w.cmp.content)
	w.mainSplit.Offset = 0.5
	w.center = container.NewStack(w.mainSplit)

	w.status = widget.NewLabel(stateText(core.State{}, nil, statusLine))
	w.status.Truncation = fyne.TextTruncateEllipsis
	// The research-use notice stands on the status line, beside the
	// runtime's state, under every answer.
	note := widget.NewLabelWithStyle(disclaimer, fyne.TextAlignTrailing, fyne.TextStyle{Italic: true})
	note.Importance = widget.WarningImportance
	return container.NewBorder(nil, container.NewBorder(nil, nil, nil, note, w.status), nil, nil, w.center)
}

// setImageHidden hides the image side, the columns taking the whole width,
// or shows it again beside them.
func (w *Workbench) setImageHidden(hidden bool) {
	if hidden {
		w.center.Objects = []fyne.CanvasObject{w.cmp.content}
	} else {
		w.mainSplit.Trailing = w.cmp.content
		w.center.Objects = []fyne.CanvasObject{w.mainSplit}
		w.mainSplit.Refresh()
	}
	w.center.Refresh()
}

// historyPanel returns the history browser, made on the first call. Call
// it on the UI goroutine.
func (w *Workbench) historyPanel() fyne.CanvasObject {
	if w.hist == nil {
		w.hist = newHistoryPanel(w.env, w.backend, w.reports)
		w.hist.modelNames = w.cmp.modelNames
		w.hist.openInViewer = w.pane.openSeries
		w.hist.refresh()
	}
	return w.hist.content
}

// closed stops the workbench's goroutines and any run.
func (w *Workbench) closed() {
	w.closeOnce.Do(func() { close(w.quit) })
}

// pollState shows the runtime's state in the status line until ctx is
// done, and lists the models again whenever the runtime becomes ready.
func (w *Workbench) pollState(ctx context.Context, do func(func())) {
	t := time.NewTicker(w.pollEvery)
	defer t.Stop()
	var lastText, lastPhase string
	for {
		st := w.backend.RuntimeState()
		if text := stateText(st, nil, statusLine); text != lastText {
			lastText = text
			do(func() { w.status.SetText(text) })
		}
		if st.Phase == "ready" && lastPhase != "" && lastPhase != "ready" {
			do(w.cmp.loadModels)
		}
		lastPhase = st.Phase
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// setShown sets l's text and hides l while the text is empty, so that it
// takes no room.
func setShown(l *widget.Label, text string) {
	l.SetText(text)
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
}
