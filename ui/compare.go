package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
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
	// chooseRecipe chooses the recipe name in the model's-eye view.
	chooseRecipe(name string)
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
	// prefs keep the columns and options across starts (compare_state.go);
	// nil until restoreState.
	prefs fyne.Preferences
	// promptRates are the models' measured prompt tokens a second, for the
	// progress line's estimate (compare_progress.go).
	promptRates map[string]float64
	// burnInConfirmed is the image whose possibly burned-in pixels the
	// user agreed to send to a remote runtime (burnin.go).
	burnInConfirmed *dicomview.Image
	// versions is the last template versions dialog (versions.go); the
	// screenshot tour waits for it.
	versions *versionsView

	modelChoice   // the models offered, and the hint about them
	compareBar    // the toolbar above the columns
	runState      // whether columns run, and the Run all in progress
	sharedOptions // the system prompt and options above the columns (compare_study.go)
	studyOffer    // the study shown and the recipe offered for it (compare_study.go)
}

// modelChoice is what the view knows of the runtime's models: those the
// pickers offer, by label, and the line that says what is installed.
type modelChoice struct {
	models      map[string]core.Model // by label in the model pickers
	installDemo *widget.Button
	modelHint   *widget.Label
}

// compareBar is the toolbar above the columns and the line under it.
type compareBar struct {
	addButton     *widget.Button
	runAllButton  *widget.Button
	stopAllButton *widget.Button
	diffButton    *widget.Button
	reportButton  *widget.Button
	imageButton   *widget.Button // hides or shows the image side
	toolbar       *overflowRow
	info          *widget.Label // what happened to the last Run all
	// setImageHidden, when set, hides or shows the image side (the
	// workbench's split); imageHidden says which.
	setImageHidden func(hidden bool)
	imageHidden    bool
}

// runState is whether the columns run: any of them, the Run all in
// progress, and the automatic run of a screenshot or a command line.
type runState struct {
	running bool      // a column is running
	batch   *runBatch // the Run all in progress, or nil

	autoRun     func() // set by AutoRun until the run starts
	autoRunDone func() // called when the automatic run ends
}

// runBatch is one Run all: the columns it started, in order, and those
// still running.
type runBatch struct {
	cols    []*column
	pending map[*column]bool
}

// newCompareView creates the side-by-side view with one column, asking
// about the image source shows.
func newCompareView(env *tabEnv, b CompareBackend, source imageSource, reports *reportExporter) *compareView {
	cv := &compareView{env: env, backend: b, source: source, reports: reports}
	cv.models = map[string]core.Model{}
	cv.prompts = newPromptLibrary(env, b)

	cv.installDemo = widget.NewButtonWithIcon("Install demo model", theme.DownloadIcon(), cv.installDemoTapped)
	cv.installDemo.Hide()
	cv.modelHint = widget.NewLabel("Listing models…")
	cv.modelHint.Wrapping = fyne.TextWrapWord
	shared := newShortcutEntry(cv, 1)
	shared.SetText(defaultSystem)
	cv.systemEntry = &shared.Entry
	cv.maxTokensEntry = widget.NewEntry()
	cv.maxTokensEntry.SetText(strconv.Itoa(defaultMaxTokens))
	cv.tempEntry = widget.NewEntry()
	cv.tempEntry.SetPlaceHolder("default")
	cv.seedEntry = widget.NewEntry()
	cv.seedEntry.SetPlaceHolder("random")
	optSize := fyne.NewSize(72, cv.maxTokensEntry.MinSize().Height)
	optionsRow := container.NewHBox(
		widget.NewLabel("Max tokens"), container.NewGridWrap(optSize, cv.maxTokensEntry),
		widget.NewLabel("Temp."), container.NewGridWrap(optSize, cv.tempEntry),
		widget.NewLabel("Seed"), container.NewGridWrap(optSize, cv.seedEntry),
	)
	cv.optionsInfo = widget.NewLabel("")
	cv.optionsInfo.Wrapping = fyne.TextWrapWord
	cv.optionsInfo.Importance = widget.LowImportance
	cv.optionsInfo.Hide()
	cv.useRecipe = widget.NewButtonWithIcon("", theme.ConfirmIcon(), nil)
	cv.useRecipe.Hide()

	cv.runAllButton = widget.NewButtonWithIcon("Run all", theme.MediaPlayIcon(), cv.runAll)
	cv.runAllButton.Importance = widget.HighImportance
	cv.stopAllButton = widget.NewButtonWithIcon("Stop all", theme.MediaStopIcon(), cv.stopAll)
	cv.stopAllButton.Disable()
	cv.addButton = widget.NewButtonWithIcon("Column", theme.ContentAddIcon(), func() { cv.addColumn() })
	cv.diffButton = widget.NewButtonWithIcon("Diff…", theme.ViewRefreshIcon(), cv.showDiff)
	cv.reportButton = widget.NewButtonWithIcon("Report…", theme.DocumentSaveIcon(), cv.reportTapped)
	cv.imageButton = widget.NewButtonWithIcon("Hide image", theme.VisibilityOffIcon(), func() { cv.hideImage(!cv.imageHidden) })
	cv.info = widget.NewLabel("")
	cv.info.Truncation = fyne.TextTruncateEllipsis
	cv.info.Hide()
	enabled := func(b *widget.Button) func() bool { return func() bool { return !b.Disabled() } }
	cv.toolbar = newOverflowRow(
		toolItem{cv.runAllButton, "Run all", cv.runAll, enabled(cv.runAllButton)},
		toolItem{cv.stopAllButton, "Stop all", cv.stopAll, enabled(cv.stopAllButton)},
		toolItem{cv.addButton, "Add a column", func() { cv.addColumn() }, enabled(cv.addButton)},
		toolItem{cv.imageButton, "Hide or show the image", func() { cv.hideImage(!cv.imageHidden) }, nil},
		toolItem{cv.diffButton, "Word diff…", cv.showDiff, nil},
		toolItem{cv.reportButton, "Report…", cv.reportTapped, nil},
	)

	// The controls that do not fit go into the toolbar's menu; the
	// options scroll sideways rather than widen the pane. Everything above
	// the columns takes as few lines as it can: the answers get the room.
	// The offer of the study's recipe stands beside the system prompt,
	// which can give up the width, not beside the options (Seed cut off).
	systemRow := container.NewBorder(nil, nil, widget.NewLabelWithStyle("System", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), cv.useRecipe, shared)
	top := container.NewVBox(
		cv.toolbar.row, cv.info, cv.installDemo, cv.modelHint,
		systemRow, container.NewHScroll(optionsRow), cv.optionsInfo,
	)
	cv.grid = container.NewGridWithColumns(1)
	cv.scroll = container.NewHScroll(cv.grid)
	cv.addColumn()
	cv.prompts.load()
	cv.content = container.NewBorder(top, nil, nil, nil, cv.scroll)
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
	// The UI function is read here, on the UI goroutine: the shell may
	// replace it while the listing runs.
	do := cv.env.do
	go func() {
		defer cancel()
		ctx, cancelTimeout := context.WithTimeout(ctx, modelsTimeout)
		defer cancelTimeout()
		models, err := cv.backend.Models(ctx)
		do(func() { cv.setModels(models, err) })
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

// hideImage hides the image side, giving the columns the window's width,
// or shows it again.
func (cv *compareView) hideImage(hidden bool) {
	if cv.setImageHidden == nil {
		return
	}
	cv.imageHidden = hidden
	cv.setImageHidden(hidden)
	if hidden {
		cv.imageButton.SetText("Show image")
		cv.imageButton.SetIcon(theme.VisibilityIcon())
	} else {
		cv.imageButton.SetText("Hide image")
		cv.imageButton.SetIcon(theme.VisibilityOffIcon())
	}
}
