package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/internal/answerschema"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// Limits and defaults of the side-by-side view.
const (
	// maxColumns is the most columns side by side.
	maxColumns = 6
	// columnMinWidth keeps a column readable; beyond the pane's width the
	// columns scroll sideways.
	columnMinWidth = 280
	// defaultRepeat is the preset number of repetitions.
	defaultRepeat = "×3"
)

// ratingOptions are the ratings offered, 1 to 5 stars.
var ratingOptions = []string{"★", "★★", "★★★", "★★★★", "★★★★★"}

// repeatOptions are the numbers of repetitions offered.
var repeatOptions = []string{"×2", "×3", "×5", "×10"}

// imageSource is what the side-by-side view asks of the image pane, on
// the UI goroutine.
type imageSource interface {
	// shown is the image shown, or nil.
	shown() *dicomview.Image
	// ready reports whether a frame of it is on screen.
	ready() bool
	// modelInputs returns the model input of a run.
	modelInputs() inputsFunc
	// showBoxes draws an answer's localization boxes on the image, those
	// about the frame shown.
	showBoxes(req core.Request, boxes []core.Box)
	// recipeRef names the recipe chosen (the zero ref for plain).
	recipeRef() core.RecipeRef
	// measurements are the regions measured on the image shown, which a
	// run records.
	measurements() []core.Measurement
}

// compareView is the right side of the workbench: columns side by side,
// each with its own model and prompt, all asking about the image the viewer
// shows. It reaches the services only through CompareBackend. It is used
// only on the UI goroutine.
type compareView struct {
	env     *tabEnv
	backend CompareBackend
	source  imageSource
	reports *reportExporter
	content fyne.CanvasObject

	prompts *promptLibrary
	columns []*column
	grid    *fyne.Container
	scroll  *container.Scroll // scrolls the columns sideways

	models  map[string]core.Model // by label in the model pickers
	running bool                  // a column is running
	// burnInConfirmed is the image whose possibly burned-in pixels the
	// user agreed to send to a remote runtime (burnin.go).
	burnInConfirmed *dicomview.Image

	autoRun     func() // set by AutoRun until the run starts
	autoRunDone func() // called when the automatic run ends

	installDemo    *widget.Button
	modelHint      *widget.Label
	systemEntry    *widget.Entry // the shared system prompt
	maxTokensEntry *widget.Entry
	tempEntry      *widget.Entry
	seedEntry      *widget.Entry

	addButton     *widget.Button
	runAllButton  *widget.Button
	stopAllButton *widget.Button
	diffButton    *widget.Button
	reportButton  *widget.Button
	info          *widget.Label // what happened to the last Run all

	batch *runBatch // the Run all in progress, or nil

	// The dialogs last shown, kept for tests.
	form      *dialog.FormDialog
	formEntry *widget.Entry
	confirm   *dialog.ConfirmDialog
	diffA     *widget.Select
	diffB     *widget.Select
	diffText  *widget.RichText
	diffInfo  *widget.Label
	// rendered is the text of the last Rendered prompt dialog.
	rendered *widget.Label
	// versions is the last template versions dialog.
	versions *versionsView
}

// runBatch is one Run all: the columns it started, in order, and those
// still running.
type runBatch struct {
	cols    []*column
	pending map[*column]bool
}

// column is one model and prompt of the side-by-side view with its answer.
type column struct {
	cv     *compareView
	box    fyne.CanvasObject
	inner  *fyne.Container // the column's layout, inside box
	closed bool

	title          *widget.Label
	closeButton    *widget.Button
	modelSelect    *widget.Select
	templateSelect *widget.Select
	saveTemplate   *widget.Button
	deleteTemplate *widget.Button
	versionsButton *widget.Button // the template's versions
	schemaButton   *widget.Button // the answer: free text or a schema
	// schema is the JSON Schema the answer must fit, nil for free text.
	schema         *answerschema.Schema
	systemOverride *widget.Check
	systemEntry    *shortcutEntry
	promptEntry    *shortcutEntry
	runButton      *widget.Button
	stopButton     *widget.Button
	repeatButton   *widget.Button
	repeatSelect   *widget.Select
	answer         *AnswerView
	answerScroll   *container.Scroll
	stats          *widget.Label
	stabilityLabel *widget.Label
	rateRow        *fyne.Container
	rating         *widget.Select
	note           *widget.Entry
	rateInfo       *widget.Label

	running   bool
	cancel    context.CancelFunc
	resetting bool // the rating widgets are being cleared, not rated

	// What the last run logged: its id and final answer; for a repeat,
	// every answer and run id in order.
	runID     int64
	lastText  string
	answers   []string
	repeatIDs []int64
}

// newCompareView creates the side-by-side view with one column, asking
// about the image source shows.
func newCompareView(env *tabEnv, b CompareBackend, source imageSource, reports *reportExporter) *compareView {
	cv := &compareView{env: env, backend: b, source: source, reports: reports, models: map[string]core.Model{}}
	cv.prompts = newPromptLibrary(env, b)

	cv.installDemo = widget.NewButtonWithIcon("Install demo model", theme.DownloadIcon(), cv.installDemoTapped)
	cv.installDemo.Hide()
	cv.modelHint = widget.NewLabel("Listing models…")
	cv.modelHint.Wrapping = fyne.TextWrapWord
	shared := newShortcutEntry(cv, 2)
	shared.SetText(defaultSystem)
	cv.systemEntry = &shared.Entry
	cv.maxTokensEntry = widget.NewEntry()
	cv.maxTokensEntry.SetText(strconv.Itoa(defaultMaxTokens))
	cv.tempEntry = widget.NewEntry()
	cv.tempEntry.SetPlaceHolder("default")
	cv.seedEntry = widget.NewEntry()
	cv.seedEntry.SetPlaceHolder("random")
	optSize := fyne.NewSize(80, cv.maxTokensEntry.MinSize().Height)
	optionsRow := container.NewHBox(
		widget.NewLabel("Max tokens"), container.NewGridWrap(optSize, cv.maxTokensEntry),
		widget.NewLabel("Temp."), container.NewGridWrap(optSize, cv.tempEntry),
		widget.NewLabel("Seed"), container.NewGridWrap(optSize, cv.seedEntry),
	)

	cv.runAllButton = widget.NewButtonWithIcon("Run all", theme.MediaPlayIcon(), cv.runAll)
	cv.runAllButton.Importance = widget.HighImportance
	cv.stopAllButton = widget.NewButtonWithIcon("Stop all", theme.MediaStopIcon(), cv.stopAll)
	cv.stopAllButton.Disable()
	cv.addButton = widget.NewButtonWithIcon("Column", theme.ContentAddIcon(), func() { cv.addColumn() })
	cv.diffButton = widget.NewButtonWithIcon("Diff…", theme.ViewRefreshIcon(), cv.showDiff)
	cv.reportButton = widget.NewButtonWithIcon("Report…", theme.DocumentSaveIcon(), cv.reportTapped)
	cv.info = widget.NewLabel("")
	cv.info.Truncation = fyne.TextTruncateEllipsis
	cv.info.Hide()
	toolbar := container.NewHBox(cv.runAllButton, cv.stopAllButton, cv.addButton, cv.diffButton, cv.reportButton)

	// The toolbar and options scroll sideways rather than widen the pane.
	top := container.NewVBox(
		container.NewHScroll(toolbar), cv.info, cv.installDemo, cv.modelHint,
		widget.NewLabelWithStyle("System prompt (shared)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		shared, container.NewHScroll(optionsRow),
	)
	cv.grid = container.NewGridWithColumns(1)
	cv.scroll = container.NewHScroll(cv.grid)
	note := widget.NewLabelWithStyle(disclaimer, fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	note.Importance = widget.WarningImportance
	note.Wrapping = fyne.TextWrapWord
	cv.addColumn()
	cv.prompts.load()
	cv.content = container.NewBorder(top, note, nil, nil, cv.scroll)
	env.inputChanged.listen(cv.maybeAutoRun)
	return cv
}

// addShortcuts registers the side-by-side view's keys on the window's
// canvas c: Ctrl+Enter (Cmd+Enter on macOS) runs all columns and Escape
// stops them. The prompt entries handle the same keys while they have the
// focus.
func (cv *compareView) addShortcuts(c fyne.Canvas) {
	for _, k := range []fyne.KeyName{fyne.KeyReturn, fyne.KeyEnter} {
		c.AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { cv.runAll() })
	}
	prev := c.OnTypedKey()
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		if e.Name == fyne.KeyEscape && cv.anyRunning() {
			cv.stopAll()
			return
		}
		if prev != nil {
			prev(e)
		}
	})
}

// isRunAllShortcut reports whether s is Ctrl+Enter (Cmd+Enter on macOS).
func isRunAllShortcut(s fyne.Shortcut) bool {
	cs, ok := s.(*desktop.CustomShortcut)
	return ok && cs.Modifier == fyne.KeyModifierShortcutDefault && (cs.KeyName == fyne.KeyReturn || cs.KeyName == fyne.KeyEnter)
}

// shortcutEntry is a multi-line entry that passes the side-by-side view's
// keys on: Ctrl+Enter runs all columns and Escape stops them.
type shortcutEntry struct {
	widget.Entry
	cv *compareView
}

func newShortcutEntry(cv *compareView, rows int) *shortcutEntry {
	e := &shortcutEntry{cv: cv}
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	e.ExtendBaseWidget(e)
	e.SetMinRowsVisible(rows)
	return e
}

// TypedShortcut implements fyne.Shortcutable.
func (e *shortcutEntry) TypedShortcut(s fyne.Shortcut) {
	if isRunAllShortcut(s) {
		e.cv.runAll()
		return
	}
	e.Entry.TypedShortcut(s)
}

// TypedKey implements fyne.Focusable.
func (e *shortcutEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.cv.anyRunning() {
		e.cv.stopAll()
		return
	}
	e.Entry.TypedKey(k)
}

// Columns.

// addColumn adds a column after the last, asking the same model and
// prompt as the last one, and returns it.
func (cv *compareView) addColumn() *column {
	if len(cv.columns) >= maxColumns {
		return nil
	}
	c := &column{cv: cv}
	c.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.closeButton = widget.NewButtonWithIcon("", theme.WindowCloseIcon(), func() { cv.closeColumn(c) })
	c.closeButton.Importance = widget.LowImportance
	c.modelSelect = widget.NewSelect(nil, func(string) { cv.modelsChanged() })
	c.modelSelect.PlaceHolder = "(no models)"
	c.templateSelect = cv.prompts.newPicker(c.templateChosen)
	c.saveTemplate = widget.NewButtonWithIcon("", theme.DocumentSaveIcon(), c.saveTemplateTapped)
	c.deleteTemplate = widget.NewButtonWithIcon("", theme.DeleteIcon(), c.deleteTemplateTapped)
	c.deleteTemplate.Disable()
	c.versionsButton = widget.NewButtonWithIcon("", theme.HistoryIcon(), c.versionsTapped)
	c.versionsButton.Disable()
	c.schemaButton = widget.NewButtonWithIcon("", theme.ListIcon(), c.schemaTapped)
	c.setSchema(nil)
	c.systemEntry = newShortcutEntry(cv, 2)
	c.systemEntry.SetPlaceHolder("system prompt for this column")
	c.systemEntry.Hide()
	c.systemOverride = widget.NewCheck("Own system prompt", func(on bool) {
		if on {
			if c.systemEntry.Text == "" {
				c.systemEntry.SetText(cv.systemEntry.Text)
			}
			c.systemEntry.Show()
		} else {
			c.systemEntry.Hide()
		}
	})
	c.promptEntry = newShortcutEntry(cv, 3)
	c.promptEntry.SetText(defaultPrompt)
	c.runButton = widget.NewButtonWithIcon("Run", theme.MediaPlayIcon(), c.runTapped)
	c.stopButton = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), c.stop)
	c.stopButton.Disable()
	c.repeatSelect = widget.NewSelect(repeatOptions, nil)
	c.repeatSelect.SetSelected(defaultRepeat)
	c.repeatButton = widget.NewButtonWithIcon("Repeat", theme.MediaReplayIcon(), c.repeatTapped)

	c.answer = NewAnswerView()
	c.answerScroll = container.NewVScroll(c.answer)
	c.stats = widget.NewLabel("")
	c.stats.Wrapping = fyne.TextWrapWord
	c.stabilityLabel = widget.NewLabel("")
	c.stabilityLabel.Wrapping = fyne.TextWrapWord
	c.stabilityLabel.Hide()
	c.rating = widget.NewSelect(ratingOptions, func(string) {
		if !c.resetting {
			c.rate()
		}
	})
	c.rating.PlaceHolder = "Rate…"
	c.note = widget.NewEntry()
	c.note.SetPlaceHolder("note (Enter saves)")
	c.note.OnSubmitted = func(string) { c.rate() }
	c.rateInfo = widget.NewLabel("")
	c.rateInfo.Truncation = fyne.TextTruncateEllipsis
	saveNote := widget.NewButtonWithIcon("", theme.ConfirmIcon(), c.rate)
	c.rateRow = container.NewVBox(container.NewBorder(nil, nil, c.rating, saveNote, c.note), c.rateInfo)
	c.rateRow.Hide()

	if n := len(cv.columns); n > 0 {
		last := cv.columns[n-1]
		c.modelSelect.SetOptions(last.modelSelect.Options)
		c.modelSelect.Selected = last.modelSelect.Selected
		c.promptEntry.SetText(last.promptEntry.Text)
		c.setSchema(last.schema)
		if last.systemOverride.Checked {
			c.systemEntry.SetText(last.systemEntry.Text)
			c.systemOverride.SetChecked(true)
		}
	}

	header := container.NewBorder(nil, nil, c.title, c.closeButton, c.modelSelect)
	templates := container.NewBorder(nil, nil, nil, container.NewHBox(c.saveTemplate, c.deleteTemplate, c.versionsButton), c.templateSelect)
	runRow := container.NewHBox(c.runButton, c.stopButton, layout.NewSpacer(), c.repeatButton, c.repeatSelect)
	form := container.NewVBox(header, templates, c.systemOverride, c.systemEntry, c.promptEntry, c.schemaButton, runRow)
	width := canvas.NewRectangle(color.Transparent)
	width.SetMinSize(fyne.NewSize(columnMinWidth, 0))
	c.inner = container.NewBorder(form, container.NewVBox(c.stats, c.stabilityLabel, c.rateRow), nil, nil, c.answerScroll)
	c.box = container.NewStack(width, c.inner)

	cv.columns = append(cv.columns, c)
	cv.layoutColumns()
	return c
}

// closeColumn removes c, stopping its run. The last column stays.
func (cv *compareView) closeColumn(c *column) {
	if len(cv.columns) <= 1 {
		return
	}
	i := -1
	for j, o := range cv.columns {
		if o == c {
			i = j
		}
	}
	if i < 0 {
		return
	}
	c.closed = true
	if c.cancel != nil {
		c.cancel()
	}
	cv.prompts.dropPicker(c.templateSelect)
	cv.columns = append(cv.columns[:i], cv.columns[i+1:]...)
	cv.layoutColumns()
	cv.updateRunning()
}

// layoutColumns shows the columns in order and numbers them.
func (cv *compareView) layoutColumns() {
	objs := make([]fyne.CanvasObject, len(cv.columns))
	for i, c := range cv.columns {
		objs[i] = c.box
		c.title.SetText(strconv.Itoa(i + 1))
		if len(cv.columns) > 1 {
			c.closeButton.Enable()
		} else {
			c.closeButton.Disable()
		}
	}
	cv.grid.Layout = layout.NewGridLayoutWithColumns(len(objs))
	cv.grid.Objects = objs
	cv.grid.Refresh()
	if cv.scroll != nil {
		cv.scroll.Refresh() // lays the grid out at its new width
	}
	if len(cv.columns) >= maxColumns {
		cv.addButton.Disable()
	} else {
		cv.addButton.Enable()
	}
}

// Models.

// AutoRun presses Run all once an image is shown and a model is chosen,
// and calls done when that run ends.
func (cv *compareView) AutoRun(done func()) {
	cv.autoRun = done
	cv.maybeAutoRun()
}

func (cv *compareView) maybeAutoRun() {
	if cv.autoRun == nil || cv.running || !cv.source.ready() || cv.columns[0].modelSelect.Selected == "" {
		return
	}
	cv.autoRunDone, cv.autoRun = cv.autoRun, nil
	cv.runAll()
}

// loadModels lists the models in the background and offers them.
func (cv *compareView) loadModels() {
	ctx, cancel := cv.env.opContext()
	go func() {
		defer cancel()
		ctx, cancelTimeout := context.WithTimeout(ctx, modelsTimeout)
		defer cancelTimeout()
		models, err := cv.backend.Models(ctx)
		cv.env.do(func() { cv.setModels(models, err) })
	}()
}

func (cv *compareView) setModels(models []core.Model, err error) {
	if err != nil {
		// The runtime may still be starting; the list is fetched again
		// when it is ready.
		setShown(cv.modelHint, "Models unavailable: "+err.Error())
		return
	}
	cv.models = make(map[string]core.Model, len(models))
	labels := make([]string, 0, len(models))
	choice := ""
	for _, m := range models {
		l := modelLabel(m)
		cv.models[l] = m
		labels = append(labels, l)
		if choice == "" && !m.Demo {
			choice = l
		}
	}
	if choice == "" && len(labels) > 0 {
		choice = labels[0]
	}
	if first := cv.columns[0].modelSelect.Selected; first != "" {
		if _, ok := cv.models[first]; ok {
			choice = first
		}
	}
	cv.setModelOptions(labels)
	if len(models) == 0 {
		cv.installDemo.Show()
		setShown(cv.modelHint, "No models installed. Pull MedGemma with Ollama, or install the offline demo model to try the workbench.")
		return
	}
	cv.installDemo.Hide()
	cv.selectModel(choice)
	cv.modelsChanged()
	cv.maybeAutoRun()
}

func (cv *compareView) modelChanged(label string) {
	if m, ok := cv.models[label]; ok && m.Demo {
		setShown(cv.modelHint, "Demo model: "+core.DemoModelLabel+".")
		return
	}
	setShown(cv.modelHint, "")
}

func (cv *compareView) installDemoTapped() {
	cv.installDemo.Disable()
	setShown(cv.modelHint, "Installing the demo model…")
	ctx, cancel := cv.env.opContext()
	go func() {
		defer cancel()
		err := cv.backend.InstallDemo(ctx)
		cv.env.do(func() {
			cv.installDemo.Enable()
			if err != nil {
				setShown(cv.modelHint, "")
				cv.env.showError(err)
				return
			}
			cv.loadModels()
		})
	}()
}

// modelNames are the names of the models the runtime serves.
func (cv *compareView) modelNames() []string {
	var out []string
	for _, m := range cv.models {
		out = append(out, m.Name)
	}
	return out
}

// setModelOptions offers labels in every column, keeping each column's
// choice while it is offered; with no labels it clears them.
func (cv *compareView) setModelOptions(labels []string) {
	for _, c := range cv.columns {
		c.modelSelect.SetOptions(labels)
		if len(labels) == 0 {
			c.modelSelect.ClearSelected()
		}
	}
}

// selectModel chooses label in the first column, and in every other
// column whose choice is no longer offered.
func (cv *compareView) selectModel(label string) {
	for i, c := range cv.columns {
		if _, ok := cv.models[c.modelSelect.Selected]; i == 0 || !ok {
			c.modelSelect.SetSelected(label)
		}
	}
}

// modelsChanged shows the model hint for the demo model if any column
// uses it, else for the first column's model.
func (cv *compareView) modelsChanged() {
	if len(cv.columns) == 0 {
		return
	}
	label := cv.columns[0].modelSelect.Selected
	for _, c := range cv.columns {
		if m, ok := cv.models[c.modelSelect.Selected]; ok && m.Demo {
			label = c.modelSelect.Selected
		}
	}
	cv.modelChanged(label)
}

// Runs.

// inputFunc completes a column's request with the model input of a run;
// it may block.
type inputFunc func(ctx context.Context, req core.Request) (core.Request, error)

// input returns what completes a column's request with what the viewer
// and the model's-eye view show: one image, or the sampled slices of a
// series, or what the recipe chosen makes of the series (its images and
// options, the prompt laid out around them); prepared at most once
// however many columns ask for them; no images when no image is open.
// Call it on the UI goroutine.
func (cv *compareView) input() inputFunc {
	inputs := cv.source.modelInputs()
	measured := cv.source.measurements()
	return func(ctx context.Context, req core.Request) (core.Request, error) {
		ins, err := inputs(ctx)
		if err != nil {
			return req, err
		}
		out := ins.request(req)
		out.Measurements = measured
		return out, nil
	}
}

// system is the column's system prompt: its own, or the shared one.
func (c *column) system() string {
	if c.systemOverride.Checked {
		return c.systemEntry.Text
	}
	return c.cv.systemEntry.Text
}

// request is what the column asks, or an error that tells the user what to
// fix.
func (c *column) request() (core.Request, error) {
	w := c.cv
	name := c.title.Text
	m, ok := w.models[c.modelSelect.Selected]
	if !ok {
		return core.Request{}, fmt.Errorf("column %s: no model chosen: choose one, or install the demo model", name)
	}
	opts, err := parseOptions(w.maxTokensEntry.Text, w.tempEntry.Text, w.seedEntry.Text)
	if err != nil {
		return core.Request{}, err
	}
	prompt := c.promptEntry.Text
	if i := strings.Index(prompt, "{{"); i >= 0 {
		ph := prompt[i:]
		if j := strings.Index(ph, "}}"); j >= 0 {
			ph = ph[:j+2]
		}
		return core.Request{}, fmt.Errorf("column %s: the prompt still holds the placeholder %s: replace it with your text", name, ph)
	}
	req := core.Request{Model: m.Name, System: c.system(), Prompt: prompt, Options: opts}
	if c.schema != nil {
		req.Schema, req.SchemaHash = c.schema.Raw, c.schema.Hash
	}
	return req, nil
}

func (c *column) runTapped() {
	c.startChecked(1)
}

func (c *column) repeatTapped() {
	n, err := strconv.Atoi(strings.TrimPrefix(c.repeatSelect.Selected, "×"))
	if err != nil || n < 1 {
		n = 3
	}
	c.startChecked(n)
}

// startChecked runs the column n times, or shows why it cannot.
func (c *column) startChecked(n int) {
	if c.running {
		return
	}
	req, err := c.request()
	if err != nil {
		c.cv.env.showError(err)
		return
	}
	c.cv.confirmBurnIn(func() {
		if !c.running {
			c.start(req, c.cv.input(), n, nil)
		}
	})
}

// runAll runs every column that is not running, at once; when all have
// ended their runs are saved as a comparison.
func (cv *compareView) runAll() {
	var cols []*column
	var reqs []core.Request
	for _, c := range cv.columns {
		if c.running {
			continue
		}
		req, err := c.request()
		if err != nil {
			cv.env.showError(err)
			return
		}
		cols = append(cols, c)
		reqs = append(reqs, req)
	}
	if len(cols) == 0 {
		return
	}
	cv.confirmBurnIn(func() { cv.startAll(cols, reqs) })
}

// startAll runs each of cols with its request, as Run all does.
func (cv *compareView) startAll(cols []*column, reqs []core.Request) {
	b := &runBatch{pending: map[*column]bool{}}
	for _, c := range cols {
		if !c.running && !c.closed { // started or closed while the user was asked
			b.cols = append(b.cols, c)
		}
	}
	if len(b.cols) == 0 {
		return
	}
	cv.batch = b
	input := cv.input()
	for i, c := range cols {
		if c.running || c.closed {
			continue
		}
		b.pending[c] = true
		c.start(reqs[i], input, 1, func(c *column) { cv.batchColumnDone(b, c) })
	}
	setShown(cv.info, "")
}

// stopAll stops every running column.
func (cv *compareView) stopAll() {
	for _, c := range cv.columns {
		c.stop()
	}
}

func (cv *compareView) anyRunning() bool {
	for _, c := range cv.columns {
		if c.running {
			return true
		}
	}
	return false
}

// updateRunning brings the toolbar and the running flag up to date with
// the columns.
func (cv *compareView) updateRunning() {
	any, all := false, true
	for _, c := range cv.columns {
		any = any || c.running
		all = all && c.running
	}
	cv.running = any
	if any {
		cv.stopAllButton.Enable()
	} else {
		cv.stopAllButton.Disable()
	}
	if all {
		cv.runAllButton.Disable()
	} else {
		cv.runAllButton.Enable()
	}
}

// batchColumnDone notes that c's part of Run all b ended; when the last
// one ends it saves the runs as a comparison.
func (cv *compareView) batchColumnDone(b *runBatch, c *column) {
	delete(b.pending, c)
	if len(b.pending) > 0 {
		return
	}
	if cv.batch == b {
		cv.batch = nil
	}
	if done := cv.autoRunDone; done != nil {
		cv.autoRunDone = nil
		defer done()
	}
	var ids []int64
	var models []string
	for _, c := range b.cols {
		if !c.closed && c.runID > 0 {
			ids = append(ids, c.runID)
			models = append(models, c.modelSelect.Selected)
		}
	}
	if len(ids) < 2 {
		return
	}
	cv.saveComparison(core.Comparison{Title: "Side by side: " + strings.Join(models, " | "), RunIDs: ids})
}

// saveComparison records c in the background and says so in the toolbar.
func (cv *compareView) saveComparison(c core.Comparison) {
	var id int64
	cv.env.background(func(ctx context.Context) (err error) {
		id, err = cv.backend.SaveComparison(ctx, c)
		return err
	}, func() { setShown(cv.info, fmt.Sprintf("Saved as comparison %d (runs %s)", id, joinIDs(c.RunIDs))) })
}

// joinIDs lists run ids as "3, 4, 5".
func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}

// start runs req n times in a row completed by input, streaming each
// answer into the column, and calls done (if set) on the UI goroutine
// when the last has ended. More than one run is a repeat: the column then
// lists the answers and how alike they are.
func (c *column) start(req core.Request, input inputFunc, n int, done func(*column)) {
	w := c.cv.env
	ctx, cancel := w.opContext()
	c.cancel = cancel
	c.runID, c.lastText, c.answers, c.repeatIDs = 0, "", nil, nil
	c.setRunning(true)
	c.showAnswer("")
	c.stats.SetText("Running…")
	setShown(c.stabilityLabel, "")
	c.rateRow.Hide()
	c.inner.Refresh()
	go func() {
		defer cancel()
		full, err := input(ctx, req)
		if err != nil {
			res := core.Result{Status: core.StatusError, Error: err.Error()}
			w.do(func() { c.runEnded(0, 1, "", 0, res, err) })
		} else {
			req := full
			for i := range n {
				if i > 0 {
					w.do(func() { c.stats.SetText(fmt.Sprintf("Repeat %d of %d…", i+1, n)) })
				}
				var buf streamBuffer
				runID, res, err := c.ask(ctx, req, &buf)
				text := buf.String()
				w.do(func() {
					c.runEnded(i, n, text, runID, res, err)
					c.showBoxes(req, text, res, err)
				})
				if runStatus(res, err) != core.StatusOK || ctx.Err() != nil {
					break
				}
			}
		}
		w.do(func() {
			c.allEnded(n)
			if done != nil {
				done(c)
			}
		})
	}()
}

// ask runs req, streaming the answer into buf and onto the column. It runs
// off the UI goroutine.
func (c *column) ask(ctx context.Context, req core.Request, buf *streamBuffer) (runID int64, res core.Result, err error) {
	streamed(c.cv.env.do, refreshInterval, buf.take, c.showAnswer, func() {
		runID, res, err = c.cv.backend.Ask(ctx, req, buf.Write)
	})
	return runID, res, err
}

// runEnded shows how run i of n ended.
func (c *column) runEnded(i, n int, text string, runID int64, res core.Result, err error) {
	if text == "" {
		text = res.Output
	}
	c.runID, c.lastText = runID, text
	status := runStatus(res, err)
	stats := statsText(runID, res, status)
	if n > 1 {
		c.answers = append(c.answers, text)
		c.repeatIDs = append(c.repeatIDs, runID)
		stats = fmt.Sprintf("Repeat %d of %d%s%s", i+1, n, statsSep, stats)
	}
	c.answer.SetFinal(text)
	c.stats.SetText(stats)
	if status != core.StatusError {
		return
	}
	if err == nil {
		msg := res.Error
		if msg == "" {
			msg = "the run failed without a message; see the runtime log"
		}
		err = errors.New(msg)
	}
	c.cv.env.showError(fmt.Errorf("column %s: %w", c.title.Text, err))
}

// showBoxes draws the localization boxes of an answer to a recipe that
// asks for them on the viewer, and says in the stats how many there are
// or why there are none.
func (c *column) showBoxes(req core.Request, streamed string, res core.Result, err error) {
	if !req.Boxes || runStatus(res, err) != core.StatusOK {
		return
	}
	answer := res.Output
	if answer == "" {
		answer = streamed
	}
	boxes, berr := recipe.Boxes(req, answer)
	if berr != nil {
		c.stats.SetText(c.stats.Text + statsSep + "no boxes: " + berr.Error())
		return
	}
	c.cv.source.showBoxes(req, boxes)
	what := fmt.Sprintf("%d boxes on the image", len(boxes))
	if len(boxes) == 1 {
		what = "1 box on the image"
	}
	c.stats.SetText(c.stats.Text + statsSep + what)
}

// allEnded ends the column's run (or repeat of n runs): it offers the
// rating of the last run, and for a repeat lists the answers and saves
// them as a comparison.
func (c *column) allEnded(n int) {
	c.cancel = nil
	c.setRunning(false)
	if c.runID > 0 {
		c.resetting = true
		c.rating.ClearSelected()
		c.note.SetText("")
		c.resetting = false
		c.rateInfo.SetText(fmt.Sprintf("Rate run %d", c.runID))
		c.rateRow.Show()
	}
	defer c.inner.Refresh() // the rating and stability take room
	c.cv.env.runsChanged.fire()
	if n < 2 || len(c.answers) == 0 {
		return
	}
	var b strings.Builder
	for i, a := range c.answers {
		if i > 0 {
			b.WriteString("\n\n")
		}
		fmt.Fprintf(&b, "#%d%srun %d\n%s", i+1, statsSep, c.repeatIDs[i], a)
	}
	c.showAnswer(b.String())
	setShown(c.stabilityLabel, stabilityText(c.answers))
	var ids []int64
	for _, id := range c.repeatIDs {
		if id > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) >= 2 && !c.closed {
		c.cv.saveComparison(core.Comparison{
			Title:  fmt.Sprintf("Repeat ×%d: %s", len(ids), c.modelSelect.Selected),
			Notes:  stabilityText(c.answers),
			RunIDs: ids,
		})
	}
}

func (c *column) showAnswer(text string) {
	c.answer.SetText(text)
	if c.running {
		c.answerScroll.ScrollToBottom()
	}
}

func (c *column) setRunning(running bool) {
	c.running = running
	if running {
		c.runButton.Disable()
		c.repeatButton.Disable()
		c.stopButton.Enable()
	} else {
		c.runButton.Enable()
		c.repeatButton.Enable()
		c.stopButton.Disable()
	}
	c.cv.updateRunning()
}

// stop cancels the column's run; the others go on.
func (c *column) stop() {
	if c.cancel != nil && c.running {
		c.cancel()
		c.stopButton.Disable()
		c.stats.SetText("Stopping…")
	}
}

// rate stores the column's rating and note on its last run.
func (c *column) rate() {
	id := c.runID
	if id <= 0 {
		return
	}
	stars := c.rating.SelectedIndex() + 1 // none chosen is 0, unrated
	note := c.note.Text
	cv := c.cv
	c.rateInfo.SetText(fmt.Sprintf("Saving the rating of run %d…", id))
	ctx, cancel := cv.env.opContext()
	go func() {
		defer cancel()
		err := cv.backend.Rate(ctx, id, stars, note)
		cv.env.do(func() {
			if err != nil {
				c.rateInfo.SetText(fmt.Sprintf("Rate run %d", id))
				cv.env.showError(err)
				return
			}
			c.rateInfo.SetText(ratedText(id, stars, note))
			cv.env.runsChanged.fire()
		})
	}()
}

// ratedText says what rating and note a run was given.
func ratedText(id int64, stars int, note string) string {
	s := fmt.Sprintf("Run %d: %s", id, starsText(stars))
	if note != "" {
		s += statsSep + "note saved"
	}
	return s
}

// starsText shows a rating as stars, or "unrated".
func starsText(n int) string {
	if n <= 0 {
		return "unrated"
	}
	return strings.Repeat("★", n)
}

// Word diff.

// showDiff opens a dialog that compares two columns' answers word by word.
func (cv *compareView) showDiff() {
	if len(cv.columns) < 2 {
		dialog.ShowInformation("Word diff", "Add a column (+ Column) and run both to compare their answers.", cv.env.win)
		return
	}
	opts := make([]string, len(cv.columns))
	for i, c := range cv.columns {
		opts[i] = c.title.Text + statsSep + c.modelSelect.Selected
	}
	cv.diffText = widget.NewRichText()
	cv.diffText.Wrapping = fyne.TextWrapWord
	cv.diffInfo = widget.NewLabel("")
	update := func(string) {
		a, b := cv.diffA.SelectedIndex(), cv.diffB.SelectedIndex()
		if a < 0 || b < 0 || a >= len(cv.columns) || b >= len(cv.columns) {
			return
		}
		ops := wordDiff(cv.columns[a].lastText, cv.columns[b].lastText)
		cv.diffText.Segments = diffSegments(ops)
		cv.diffText.Refresh()
		cv.diffInfo.SetText(diffSummary(ops))
	}
	cv.diffA = widget.NewSelect(opts, update)
	cv.diffB = widget.NewSelect(opts, update)
	cv.diffA.SetSelectedIndex(0)
	cv.diffB.SetSelectedIndex(1)
	legend := widget.NewLabelWithStyle("Red italic: only in the first · green bold: only in the second", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	top := container.NewVBox(container.NewGridWithColumns(2, cv.diffA, cv.diffB), cv.diffInfo, legend)
	d := dialog.NewCustom("Word diff", "Close", container.NewBorder(top, nil, nil, nil, container.NewVScroll(cv.diffText)), cv.env.win)
	d.Resize(fyne.NewSize(820, 600))
	d.Show()
}

// diffSegments shows a word diff as rich text: removed words red and
// italic, added words green and bold. (Fyne's rich text has no
// strike-through.)
func diffSegments(ops []diffOp) []widget.RichTextSegment {
	segs := make([]widget.RichTextSegment, 0, len(ops))
	for i, op := range ops {
		st := widget.RichTextStyleInline
		switch op.Kind {
		case diffRemoved:
			st.ColorName = theme.ColorNameError
			st.TextStyle = fyne.TextStyle{Italic: true}
		case diffAdded:
			st.ColorName = theme.ColorNameSuccess
			st.TextStyle = fyne.TextStyle{Bold: true}
		}
		text := op.Text
		if i < len(ops)-1 {
			text += " "
		}
		segs = append(segs, &widget.TextSegment{Style: st, Text: text})
	}
	return segs
}

// reportTapped exports a report of the columns' last runs side by side.
func (cv *compareView) reportTapped() {
	var ids []int64
	for _, c := range cv.columns {
		if c.runID > 0 {
			ids = append(ids, c.runID)
		}
	}
	if len(ids) == 0 {
		dialog.ShowInformation("Report", "Run the columns first: the report shows their runs side by side.", cv.env.win)
		return
	}
	cv.reports.export(ids)
}
