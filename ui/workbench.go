package ui

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"math"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
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

	img         *dicomview.Image
	frame       int
	window      dicomview.Window
	display     image.Image // img rendered for the viewer, for displayFor
	displayFor  renderKey
	prepared    *dicomview.Prepared // the model input, for preparedFor
	input       image.Image         // prepared, decoded
	preparedFor renderKey
	rendering   bool // a render goroutine is running
	openSeq     int  // counts Open calls; only the latest result is shown

	models    map[string]inference.Model // by label in modelSelect
	running   bool
	cancelRun context.CancelFunc

	shell *shell // menus, Models tab, settings (shell.go)

	autoRun     func() // set by AutoRun until the run starts
	autoRunDone func() // called when the automatic run ends

	// Widgets, kept for tests.

	openButton      *widget.Button
	imageInfo       *widget.Label
	viewer          *Viewer
	frameSlider     *widget.Slider
	frameLabel      *widget.Label
	frameRow        *fyne.Container
	centerEntry     *widget.Entry
	widthEntry      *widget.Entry
	resetWindow     *widget.Button
	modelInputCheck *widget.Check
	inputInfo       *widget.Label
	modelSelect     *widget.Select
	installDemo     *widget.Button
	modelHint       *widget.Label
	systemEntry     *widget.Entry
	promptEntry     *widget.Entry
	runButton       *widget.Button
	stopButton      *widget.Button
	maxTokensEntry  *widget.Entry
	tempEntry       *widget.Entry
	seedEntry       *widget.Entry
	answer          *widget.Label
	answerScroll    *container.Scroll
	stats           *widget.Label
	status          *widget.Label
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
		models:    map[string]inference.Model{},
	}
	w.win.SetContent(w.build())
	w.win.Resize(fyne.NewSize(1280, 820))
	w.win.SetOnClosed(w.closed)
	w.win.SetOnDropped(w.dropped)

	open := fyne.NewMenuItem("Open…", w.showOpenDialog)
	ctrlO := &desktop.CustomShortcut{KeyName: fyne.KeyO, Modifier: fyne.KeyModifierShortcutDefault}
	open.Shortcut = ctrlO
	w.win.SetMainMenu(fyne.NewMainMenu(fyne.NewMenu("File", open)))
	w.win.Canvas().AddShortcut(ctrlO, func(fyne.Shortcut) { w.showOpenDialog() })
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

// OpenPaths opens the first of paths, as if chosen in the Open dialog; the
// workbench shows one image at a time. Call it on the UI goroutine or
// before ShowAndRun.
func (w *Workbench) OpenPaths(paths []string) {
	for _, p := range paths {
		if p != "" {
			w.open(p)
			return
		}
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
	w.openButton = widget.NewButtonWithIcon("Open…", theme.FolderOpenIcon(), w.showOpenDialog)
	w.imageInfo = widget.NewLabel("")
	w.imageInfo.Truncation = fyne.TextTruncateEllipsis
	w.imageInfo.SetText(w.infoText())
	top := container.NewBorder(nil, nil, w.openButton, nil, w.imageInfo)

	w.viewer = NewViewer("Open a DICOM or PNG image (Ctrl+O), or drop one here")
	w.viewer.OnDragged = w.dragWindow

	w.frameSlider = widget.NewSlider(1, 2)
	w.frameSlider.Step = 1
	w.frameSlider.OnChanged = w.frameChanged
	w.frameLabel = widget.NewLabel("")
	w.frameRow = container.NewBorder(nil, nil, w.frameLabel, nil, w.frameSlider)
	w.frameRow.Hide()

	w.centerEntry = widget.NewEntry()
	w.centerEntry.SetPlaceHolder("center")
	w.centerEntry.OnSubmitted = func(string) { w.applyWindowEntries() }
	w.widthEntry = widget.NewEntry()
	w.widthEntry.SetPlaceHolder("width")
	w.widthEntry.OnSubmitted = func(string) { w.applyWindowEntries() }
	w.resetWindow = widget.NewButtonWithIcon("", theme.ViewRestoreIcon(), w.resetWindowTapped)
	w.modelInputCheck = widget.NewCheck("Model input (896×896)", func(bool) { w.modelInputToggled() })
	entrySize := fyne.NewSize(110, w.centerEntry.MinSize().Height)
	windowRow := container.NewHBox(
		widget.NewLabel("Center"), container.NewGridWrap(entrySize, w.centerEntry),
		widget.NewLabel("Width"), container.NewGridWrap(entrySize, w.widthEntry),
		w.resetWindow, layout.NewSpacer(), w.modelInputCheck,
	)
	w.inputInfo = widget.NewLabel("")
	w.inputInfo.Truncation = fyne.TextTruncateEllipsis
	w.inputInfo.Hide()
	imagePane := container.NewBorder(nil, container.NewVBox(w.frameRow, windowRow, w.inputInfo), nil, nil, w.viewer)

	w.modelSelect = widget.NewSelect(nil, w.modelChanged)
	w.modelSelect.PlaceHolder = "(no models)"
	w.installDemo = widget.NewButtonWithIcon("Install demo model", theme.DownloadIcon(), w.installDemoTapped)
	w.installDemo.Hide()
	w.modelHint = widget.NewLabel("Listing models…")
	w.modelHint.Wrapping = fyne.TextWrapWord
	w.systemEntry = widget.NewMultiLineEntry()
	w.systemEntry.Wrapping = fyne.TextWrapWord
	w.systemEntry.SetMinRowsVisible(2)
	w.systemEntry.SetText(defaultSystem)
	w.promptEntry = widget.NewMultiLineEntry()
	w.promptEntry.Wrapping = fyne.TextWrapWord
	w.promptEntry.SetMinRowsVisible(3)
	w.promptEntry.SetText(defaultPrompt)
	w.runButton = widget.NewButtonWithIcon("Run", theme.MediaPlayIcon(), w.run)
	w.runButton.Importance = widget.HighImportance
	w.stopButton = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), w.stop)
	w.stopButton.Disable()
	w.maxTokensEntry = widget.NewEntry()
	w.maxTokensEntry.SetText(strconv.Itoa(defaultMaxTokens))
	w.tempEntry = widget.NewEntry()
	w.tempEntry.SetPlaceHolder("default")
	w.seedEntry = widget.NewEntry()
	w.seedEntry.SetPlaceHolder("random")
	optSize := fyne.NewSize(90, w.maxTokensEntry.MinSize().Height)
	runRow := container.NewHBox(w.runButton, w.stopButton, layout.NewSpacer(),
		widget.NewLabel("Max tokens"), container.NewGridWrap(optSize, w.maxTokensEntry),
		widget.NewLabel("Temp."), container.NewGridWrap(optSize, w.tempEntry),
		widget.NewLabel("Seed"), container.NewGridWrap(optSize, w.seedEntry),
	)
	form := container.NewVBox(
		widget.NewLabelWithStyle("Model", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		w.modelSelect, w.installDemo, w.modelHint,
		widget.NewLabelWithStyle("System prompt", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		w.systemEntry,
		widget.NewLabelWithStyle("Prompt", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		w.promptEntry,
		runRow,
		widget.NewLabelWithStyle("Answer", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
	)

	w.answer = widget.NewLabel("")
	w.answer.Wrapping = fyne.TextWrapWord
	w.answer.Selectable = true
	w.answerScroll = container.NewVScroll(w.answer)
	w.stats = widget.NewLabel("")
	w.stats.Wrapping = fyne.TextWrapWord
	note := widget.NewLabelWithStyle(disclaimer, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	note.Importance = widget.WarningImportance
	note.Wrapping = fyne.TextWrapWord
	askPane := container.NewBorder(form, container.NewVBox(w.stats, note), nil, nil, w.answerScroll)

	split := container.NewHSplit(imagePane, askPane)
	split.Offset = 0.6

	w.status = widget.NewLabel(stateText(inference.State{}))
	w.status.Truncation = fyne.TextTruncateEllipsis
	return container.NewBorder(top, w.status, nil, nil, split)
}

// closed stops the workbench's goroutines and any run.
func (w *Workbench) closed() {
	w.closeOnce.Do(func() { close(w.quit) })
}

// opContext returns a context for one background operation; it is
// cancelled when the window closes or cancel is called, and the caller
// must call cancel.
func (w *Workbench) opContext() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-w.quit:
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

// Opening images.

func (w *Workbench) showOpenDialog() {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil {
			dialog.ShowError(err, w.win)
			return
		}
		if rc == nil {
			return // cancelled
		}
		u := rc.URI()
		_ = rc.Close()
		w.openURI(u)
	}, w.win)
	d.Resize(fyne.NewSize(900, 640))
	d.Show()
}

func (w *Workbench) dropped(_ fyne.Position, uris []fyne.URI) {
	if len(uris) > 0 {
		w.openURI(uris[0])
	}
}

func (w *Workbench) openURI(u fyne.URI) {
	if u.Scheme() != "file" {
		dialog.ShowError(errors.New("open "+u.String()+": only local files can be opened; copy the file to this computer first"), w.win)
		return
	}
	w.open(u.Path())
}

// open loads path in the background and shows it when loaded.
func (w *Workbench) open(path string) {
	w.openSeq++
	seq := w.openSeq
	w.imageInfo.SetText("Opening " + filepath.Base(path) + "…")
	ctx, cancel := w.opContext()
	go func() {
		defer cancel()
		im, err := w.backend.Open(ctx, path)
		w.do(func() { w.opened(seq, im, err) })
	}()
}

func (w *Workbench) opened(seq int, im *dicomview.Image, err error) {
	if seq != w.openSeq {
		return // a later open supersedes this one
	}
	if err != nil {
		w.imageInfo.SetText(w.infoText())
		dialog.ShowError(err, w.win)
		return
	}
	w.img = im
	w.frame = 1
	w.window = im.DefaultWindow(1)
	w.display, w.displayFor = nil, renderKey{}
	w.prepared, w.input, w.preparedFor = nil, nil, renderKey{}
	w.imageInfo.SetText(w.infoText())
	w.showWindowValues()
	if im.Frames > 1 {
		w.frameSlider.Max = float64(im.Frames)
		w.frameSlider.SetValue(1)
		w.frameSlider.Refresh()
		w.frameLabel.SetText(frameText(1, im.Frames))
		w.frameRow.Show()
	} else {
		w.frameRow.Hide()
	}
	w.updateViewer()
	w.render()
}

func (w *Workbench) infoText() string {
	if w.img == nil {
		return "No image"
	}
	return imageInfo(w.img)
}

func frameText(frame, frames int) string {
	return "Frame " + strconv.Itoa(frame) + "/" + strconv.Itoa(frames)
}

// Windowing and rendering.

func (w *Workbench) key() renderKey {
	return renderKey{im: w.img, frame: w.frame, window: w.window}
}

func (w *Workbench) frameChanged(v float64) {
	if w.img == nil {
		return
	}
	f := min(max(int(math.Round(v)), 1), w.img.Frames)
	if f == w.frame {
		return
	}
	w.frame = f
	w.frameLabel.SetText(frameText(f, w.img.Frames))
	w.render()
}

func (w *Workbench) showWindowValues() {
	w.centerEntry.SetText(formatFloat(w.window.Center))
	w.widthEntry.SetText(formatFloat(w.window.Width))
}

func (w *Workbench) setWindow(win dicomview.Window) {
	w.window = win
	w.showWindowValues()
	w.render()
}

func (w *Workbench) applyWindowEntries() {
	if w.img == nil {
		return
	}
	win, err := dicomview.ParseWindow(w.centerEntry.Text + "," + w.widthEntry.Text)
	if err != nil {
		dialog.ShowError(err, w.win)
		return
	}
	w.setWindow(win)
}

func (w *Workbench) resetWindowTapped() {
	if w.img != nil {
		w.setWindow(w.img.DefaultWindow(w.frame))
	}
}

// dragWindow changes the window as the mouse drags over the viewer:
// horizontally the width (by a factor), vertically the center.
func (w *Workbench) dragWindow(dx, dy float32) {
	if w.img == nil {
		return
	}
	win := w.window
	win.Center += float64(dy) * win.Width / dragUnits
	win.Width *= math.Exp(float64(dx) / dragUnits)
	w.setWindow(win)
}

func (w *Workbench) modelInputToggled() {
	w.updateViewer()
	w.render()
}

// render brings the viewer up to date with the image, frame and window in
// a goroutine; while one runs, further changes wait for it to finish.
func (w *Workbench) render() {
	if w.img == nil || w.rendering {
		return
	}
	k := w.key()
	withDisplay := w.display == nil || w.displayFor != k
	withInput := w.modelInputCheck.Checked && w.preparedFor != k
	if !withDisplay && !withInput {
		return
	}
	w.rendering = true
	go func() {
		r := renderImage(k, withDisplay, withInput)
		w.do(func() { w.rendered(r) })
	}()
}

// renderResult is what renderImage made.
type renderResult struct {
	key       renderKey
	withInput bool
	display   image.Image // nil unless asked for
	prepared  *dicomview.Prepared
	input     image.Image
	err       error
}

// renderImage renders k for display if withDisplay, and prepares its
// model input if withInput. It runs off the UI goroutine.
func renderImage(k renderKey, withDisplay, withInput bool) renderResult {
	r := renderResult{key: k, withInput: withInput}
	if withDisplay {
		if r.display, r.err = k.im.Render(k.frame, k.window); r.err != nil {
			return r
		}
	}
	if !withInput {
		return r
	}
	if r.prepared, r.err = prepare(k); r.err != nil {
		return r
	}
	r.input, r.err = png.Decode(bytes.NewReader(r.prepared.PNG))
	return r
}

// prepare makes the model input for k.
func prepare(k renderKey) (*dicomview.Prepared, error) {
	win := k.window
	return k.im.Prepare(dicomview.PrepareOptions{Frame: k.frame, Window: &win, Fit: dicomview.FitPad})
}

func (w *Workbench) rendered(r renderResult) {
	w.rendering = false
	if r.key.im != w.img {
		w.render()
		return
	}
	current := r.key == w.key()
	if r.err != nil {
		if current {
			dialog.ShowError(r.err, w.win)
		}
	} else {
		if r.display != nil {
			w.display, w.displayFor = r.display, r.key
		}
		if r.prepared != nil {
			w.prepared, w.input, w.preparedFor = r.prepared, r.input, r.key
		}
		w.updateViewer()
		w.maybeAutoRun()
	}
	if !current || (r.err == nil && !r.withInput && w.modelInputCheck.Checked) {
		w.render()
	}
}

// updateViewer shows the display image, or the model input when asked
// for; while a new model input is being made the last one stays.
func (w *Workbench) updateViewer() {
	if w.img == nil {
		setShown(w.inputInfo, "")
		return
	}
	if !w.modelInputCheck.Checked {
		setShown(w.inputInfo, "")
		w.viewer.SetImage(w.display)
		return
	}
	if w.input == nil || w.preparedFor.im != w.img {
		setShown(w.inputInfo, "Preparing model input…")
		w.viewer.SetImage(w.display)
		return
	}
	if w.preparedFor == w.key() {
		setShown(w.inputInfo, preparedInfo(w.prepared))
	} else {
		setShown(w.inputInfo, "Preparing model input…")
	}
	w.viewer.SetImage(w.input)
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

func (w *Workbench) setModels(models []inference.Model, err error) {
	if err != nil {
		// The runtime may still be starting; the list is fetched again
		// when it is ready.
		setShown(w.modelHint, "Models unavailable: "+err.Error())
		return
	}
	w.models = make(map[string]inference.Model, len(models))
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
	w.modelSelect.SetOptions(labels)
	if len(models) == 0 {
		w.modelSelect.ClearSelected()
		w.installDemo.Show()
		setShown(w.modelHint, "No models installed. Pull MedGemma with Ollama, or install the offline demo model to try the workbench.")
		return
	}
	w.installDemo.Hide()
	w.modelSelect.SetSelected(choice)
	w.modelChanged(choice)
	w.maybeAutoRun()
}

func (w *Workbench) modelChanged(label string) {
	if m, ok := w.models[label]; ok && m.Demo {
		setShown(w.modelHint, "Demo model: "+inference.DemoModelLabel+".")
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
				dialog.ShowError(err, w.win)
				return
			}
			w.loadModels()
		})
	}()
}

// Runs.

func (w *Workbench) run() {
	if w.running {
		return
	}
	m, ok := w.models[w.modelSelect.Selected]
	if !ok {
		dialog.ShowError(errors.New("no model chosen: choose one under Model, or install the demo model"), w.win)
		return
	}
	opts, err := parseOptions(w.maxTokensEntry.Text, w.tempEntry.Text, w.seedEntry.Text)
	if err != nil {
		dialog.ShowError(err, w.win)
		return
	}
	req := inference.Request{Model: m.Name, System: w.systemEntry.Text, Prompt: w.promptEntry.Text, Options: opts}
	var k renderKey
	var cached *dicomview.Prepared
	if w.img != nil {
		k = w.key()
		if w.preparedFor == k {
			cached = w.prepared
		}
	}
	ctx, cancel := w.opContext()
	w.cancelRun = cancel
	w.setRunning(true)
	w.showAnswer("")
	w.stats.SetText("Running…")
	go func() {
		defer cancel()
		var buf streamBuffer
		runID, res, err := w.ask(ctx, req, k, cached, &buf)
		text := buf.String()
		w.do(func() { w.runDone(text, runID, res, err) })
	}()
}

// ask prepares the model input for k (unless cached has it) and runs req
// with it, streaming the answer into buf and onto the screen. It runs off
// the UI goroutine.
func (w *Workbench) ask(ctx context.Context, req inference.Request, k renderKey, cached *dicomview.Prepared, buf *streamBuffer) (int64, inference.Result, error) {
	if k.im != nil {
		p := cached
		if p == nil {
			var err error
			if p, err = prepare(k); err != nil {
				return 0, inference.Result{Status: inference.StatusError, Error: err.Error()}, err
			}
		}
		req.Images = []inference.Image{inference.NewImage(p)}
	}
	done := make(chan struct{})
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		throttle(done, buf, refreshInterval, func(text string, applied func()) {
			w.do(func() {
				w.showAnswer(text)
				applied()
			})
		})
	}()
	runID, res, err := w.backend.Ask(ctx, req, buf.Write)
	close(done)
	<-flushed
	return runID, res, err
}

func (w *Workbench) runDone(text string, runID int64, res inference.Result, err error) {
	w.cancelRun = nil
	w.setRunning(false)
	if done := w.autoRunDone; done != nil {
		w.autoRunDone = nil
		defer done()
	}
	if text == "" {
		text = res.Output
	}
	w.showAnswer(text)
	status := runStatus(res, err, errors.Is(err, context.Canceled))
	w.stats.SetText(statsText(runID, res, status))
	if status != inference.StatusError {
		return
	}
	if err == nil {
		msg := res.Error
		if msg == "" {
			msg = "the run failed without a message; see the runtime log"
		}
		err = errors.New(msg)
	}
	dialog.ShowError(err, w.win)
}

func (w *Workbench) showAnswer(text string) {
	w.answer.SetText(text)
	if w.running {
		w.answerScroll.ScrollToBottom()
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

func (w *Workbench) setRunning(running bool) {
	w.running = running
	if running {
		w.runButton.Disable()
		w.stopButton.Enable()
	} else {
		w.runButton.Enable()
		w.stopButton.Disable()
	}
}

func (w *Workbench) stop() {
	if w.cancelRun != nil {
		w.cancelRun()
		w.stopButton.Disable()
		w.stats.SetText("Stopping…")
	}
}
