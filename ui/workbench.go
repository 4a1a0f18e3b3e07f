package ui

import (
	"context"
	"image"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
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

// Workbench is the main window: the image and its window on the left, the
// model, prompts and streamed answer on the right, the runtime's state at
// the bottom.
type Workbench struct {
	win       fyne.Window
	backend   Backend
	do        func(func()) // fyne.Do; tests run the calls on their goroutine
	pollEvery time.Duration

	quit      chan struct{} // closed when the window closes
	closeOnce sync.Once

	// The fields below are used only on the UI goroutine.

	img *dicomview.Image
	// burnInConfirmed is the image whose possibly burned-in pixels the
	// user agreed to send to a remote runtime (burnin.go).
	burnInConfirmed *dicomview.Image
	frame           int
	window          dicomview.Window
	display         image.Image // img rendered for the viewer, for displayFor
	displayFor      renderKey
	prepared        *dicomview.Prepared // the model input, for preparedFor
	input           image.Image         // prepared, decoded
	preparedFor     inputKey
	rendering       bool               // a render goroutine is running
	openSeq         int                // counts Open calls; only the latest result is shown
	cancelOpen      context.CancelFunc // stops the open in progress; nil when none
	pane            imagePane

	models  map[string]core.Model // by label in modelSelect
	running bool                  // a column is running

	cmp        *compareView                              // the side-by-side view (compare.go)
	hist       *historyPanel                             // the history browser, once made (historypanel.go)
	choosePath func(name string, done func(path string)) // replaces the save dialog in tests

	shell *shell // menus, Models tab, settings (shell.go)

	autoRun     func() // set by AutoRun until the run starts
	autoRunDone func() // called when the automatic run ends

	// Widgets, kept for tests.

	mainSplit        *container.Split // the image side | the columns
	cancelOpenButton *widget.Button   // shown while files are opening
	imageInfo        *widget.Label
	viewer           *Viewer
	frameSlider      *widget.Slider
	frameLabel       *widget.Label
	frameRow         *fyne.Container
	centerEntry      *widget.Entry
	widthEntry       *widget.Entry
	resetWindow      *widget.Button
	modelInputCheck  *widget.Check
	inputInfo        *widget.Label
	modelSelect      *widget.Select
	installDemo      *widget.Button
	modelHint        *widget.Label
	systemEntry      *widget.Entry
	promptEntry      *widget.Entry
	runButton        *widget.Button
	stopButton       *widget.Button
	maxTokensEntry   *widget.Entry
	tempEntry        *widget.Entry
	seedEntry        *widget.Entry
	answer           *AnswerView
	answerScroll     *container.Scroll
	stats            *widget.Label
	status           *widget.Label
}

// renderKey identifies what a render or a model input was made from.
type renderKey struct {
	im     *dicomview.Image
	frame  int
	window dicomview.Window
}

// NewWorkbench builds the main window on app a, backed by b. It starts
// listing the models and polling the runtime's state; both stop when the
// window closes.
func NewWorkbench(a fyne.App, b Backend) *Workbench {
	return newWorkbench(a, b, fyne.Do, statePollInterval)
}

func newWorkbench(a fyne.App, b Backend, do func(func()), pollEvery time.Duration) *Workbench {
	w := &Workbench{
		win:       a.NewWindow(windowTitle),
		backend:   b,
		do:        do,
		pollEvery: pollEvery,
		quit:      make(chan struct{}),
		models:    map[string]core.Model{},
	}
	w.win.SetContent(w.build())
	w.win.Resize(fyne.NewSize(1280, 820))
	w.win.SetOnClosed(w.closed)
	w.win.SetOnDropped(w.dropped)
	w.addCompareShortcuts()
	w.installShell(a)

	w.loadModels()
	ctx, cancel := w.opContext()
	go func() {
		defer cancel()
		w.pollState(ctx)
	}()
	return w
}

// Window returns the workbench's window.
func (w *Workbench) Window() fyne.Window {
	return w.win
}

// ShowAndRun shows the window and runs the application until it quits.
func (w *Workbench) ShowAndRun() {
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
		w.open(ps...)
	}
}

// AutoRun presses Run once an image is shown and a model is chosen, and
// calls done when that run ends. It is for demonstrations and screenshots.
// Call it on the UI goroutine or before ShowAndRun.
func (w *Workbench) AutoRun(done func()) {
	w.autoRun = done
	w.maybeAutoRun()
}

func (w *Workbench) maybeAutoRun() {
	if w.autoRun == nil || w.running || w.display == nil || w.modelSelect.Selected == "" {
		return
	}
	w.autoRunDone, w.autoRun = w.autoRun, nil
	w.run()
}

// build creates the widgets and lays them out.
func (w *Workbench) build() fyne.CanvasObject {
	w.imageInfo = widget.NewLabel("")
	w.imageInfo.Truncation = fyne.TextTruncateEllipsis
	w.imageInfo.SetText(w.infoText())
	// Opening is the browser's (File…, Folder…) and the File menu's; a
	// long open (a large folder or ZIP) can be cancelled here.
	w.cancelOpenButton = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() {
		if w.cancelOpen != nil {
			w.cancelOpen()
		}
	})
	w.cancelOpenButton.Hide()
	top := container.NewBorder(nil, nil, nil, w.cancelOpenButton, w.imageInfo)

	imagePane := w.buildImagePane()

	askPane := w.buildCompare()

	w.mainSplit = container.NewHSplit(imagePane, askPane)
	w.mainSplit.Offset = 0.6

	w.status = widget.NewLabel(stateText(core.State{}))
	w.status.Truncation = fyne.TextTruncateEllipsis
	return container.NewBorder(top, w.status, nil, nil, w.mainSplit)
}

// closed stops the workbench's goroutines and any run.
func (w *Workbench) closed() {
	w.closeOnce.Do(func() { close(w.quit) })
}

// opContext returns a context for one background operation; it is
// cancelled when the window closes or cancel is called, and the caller
// must call cancel.
func (w *Workbench) opContext() (context.Context, context.CancelFunc) {
	return contextUntil(w.quit)
}

// contextUntil returns a context that is cancelled when quit is closed or
// cancel is called; the caller must call cancel.
func contextUntil(quit <-chan struct{}) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// pollState shows the runtime's state in the status line until ctx is
// done, and lists the models again whenever the runtime becomes ready.
func (w *Workbench) pollState(ctx context.Context) {
	t := time.NewTicker(w.pollEvery)
	defer t.Stop()
	var lastText, lastPhase string
	for {
		st := w.backend.RuntimeState()
		if text := stateText(st); text != lastText {
			lastText = text
			w.do(func() { w.status.SetText(text) })
		}
		if st.Phase == "ready" && lastPhase != "" && lastPhase != "ready" {
			w.do(w.loadModels)
		}
		lastPhase = st.Phase
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Models.

// loadModels lists the models in the background and offers them.
func (w *Workbench) loadModels() {
	ctx, cancel := w.opContext()
	go func() {
		defer cancel()
		ctx, cancelTimeout := context.WithTimeout(ctx, modelsTimeout)
		defer cancelTimeout()
		models, err := w.backend.Models(ctx)
		w.do(func() { w.setModels(models, err) })
	}()
}

func (w *Workbench) setModels(models []core.Model, err error) {
	if err != nil {
		// The runtime may still be starting; the list is fetched again
		// when it is ready.
		setShown(w.modelHint, "Models unavailable: "+err.Error())
		return
	}
	w.models = make(map[string]core.Model, len(models))
	labels := make([]string, 0, len(models))
	choice := ""
	for _, m := range models {
		l := modelLabel(m)
		w.models[l] = m
		labels = append(labels, l)
		if choice == "" && !m.Demo {
			choice = l
		}
	}
	if choice == "" && len(labels) > 0 {
		choice = labels[0]
	}
	if _, ok := w.models[w.modelSelect.Selected]; ok {
		choice = w.modelSelect.Selected
	}
	w.cmp.setModelOptions(labels)
	if len(models) == 0 {
		w.installDemo.Show()
		setShown(w.modelHint, "No models installed. Pull MedGemma with Ollama, or install the offline demo model to try the workbench.")
		return
	}
	w.installDemo.Hide()
	w.cmp.selectModel(choice)
	w.cmp.modelsChanged()
	w.maybeAutoRun()
}

func (w *Workbench) modelChanged(label string) {
	if m, ok := w.models[label]; ok && m.Demo {
		setShown(w.modelHint, "Demo model: "+core.DemoModelLabel+".")
		return
	}
	setShown(w.modelHint, "")
}

func (w *Workbench) installDemoTapped() {
	w.installDemo.Disable()
	setShown(w.modelHint, "Installing the demo model…")
	ctx, cancel := w.opContext()
	go func() {
		defer cancel()
		err := w.backend.InstallDemo(ctx)
		w.do(func() {
			w.installDemo.Enable()
			if err != nil {
				setShown(w.modelHint, "")
				showError(w.win, err)
				return
			}
			w.loadModels()
		})
	}()
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
