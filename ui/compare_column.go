package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/internal/answerschema"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// repeatOptions are the numbers of repetitions offered.
var repeatOptions = []string{"×2", "×3", "×5", "×10"}

// column is one model and prompt of the side-by-side view with its answer.
// Its state is kept by concern: the run controls (runControls), the
// answer and the lines under it (columnAnswer), the run and what it
// logged (columnRun), and the rating (columnRating, compare_rating.go).
type column struct {
	cv     *compareView
	box    fyne.CanvasObject
	inner  *fyne.Container // the column's layout, inside box
	closed bool

	title          *widget.Label
	closeButton    *widget.Button
	modelSelect    *attachedSelect
	templateSelect *attachedSelect
	saveTemplate   *widget.Button
	deleteTemplate *widget.Button
	versionsButton *widget.Button // the template's versions
	schemaButton   *widget.Button // the answer: free text or a schema
	// schema is the JSON Schema the answer must fit, nil for free text.
	schema         *answerschema.Schema
	systemOverride *widget.Check
	systemEntry    *shortcutEntry
	promptEntry    *shortcutEntry

	runControls
	columnAnswer
	columnRun
	columnRating
}

// runControls are the row under the prompt: Run, Stop, Repeat and how
// many times, with the less used controls in its menu.
type runControls struct {
	runButton    *widget.Button
	stopButton   *widget.Button
	repeatButton *widget.Button
	repeatSelect *attachedSelect
	runRow       *overflowRow
}

// columnAnswer is the answer and the lines about it.
type columnAnswer struct {
	answer       *AnswerView
	answerScroll *container.Scroll
	// staleInfo marks an answer about the previous study (compare_study.go).
	staleInfo *widget.Label
	// progress says the stage of a run and its time (compare_progress.go).
	progress       *runProgress
	stats          *widget.Label
	stabilityLabel *widget.Label
}

// columnRun is the column's run: whether it runs, what cancels it, and
// what the last run logged: its id and final answer; for a repeat, every
// answer and run id in order.
type columnRun struct {
	running bool
	cancel  context.CancelFunc

	runID     int64
	lastText  string
	answers   []string
	repeatIDs []int64
}

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
	c.modelSelect = newAttachedSelect(nil, func(string) { cv.modelsChanged() }, c.attached)
	c.modelSelect.PlaceHolder = "(none)" // short: the placeholder sets the picker's width
	c.templateSelect = cv.prompts.newPicker(c.templateChosen, c.attached)
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
	c.promptEntry = newShortcutEntry(cv, 2)
	c.promptEntry.SetText(defaultPrompt)
	c.runButton = widget.NewButtonWithIcon("Run", theme.MediaPlayIcon(), c.runTapped)
	c.stopButton = widget.NewButtonWithIcon("Stop", theme.MediaStopIcon(), c.stop)
	c.stopButton.Disable()
	c.repeatSelect = newAttachedSelect(repeatOptions, nil, c.attached)
	c.repeatSelect.SetSelected(defaultRepeat)
	c.repeatButton = widget.NewButtonWithIcon("Repeat", theme.MediaReplayIcon(), c.repeatTapped)

	c.answer = NewAnswerView()
	c.answerScroll = container.NewVScroll(c.answer)
	c.stats = widget.NewLabel("")
	c.stats.Wrapping = fyne.TextWrapWord
	c.stats.Hide() // until a run: an empty line takes the answer's room
	c.stabilityLabel = widget.NewLabel("")
	c.stabilityLabel.Wrapping = fyne.TextWrapWord
	c.stabilityLabel.Hide()
	c.newRateRow()

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

	c.staleInfo = widget.NewLabel("")
	c.staleInfo.Wrapping = fyne.TextWrapWord
	c.staleInfo.Hide()

	// Four rows above the answer: the model, the template, the prompt, and
	// the run controls, whose less used ones (the answer's schema, the own
	// system prompt) go into the row's menu when the column is narrow.
	header := container.NewBorder(nil, nil, c.title, container.NewHBox(c.templateSelect, c.closeButton), c.modelSelect)
	enabled := func(b *widget.Button) func() bool { return func() bool { return !b.Disabled() } }
	c.runRow = newOverflowRow(
		toolItem{c.runButton, "Run", c.runTapped, enabled(c.runButton)},
		toolItem{c.stopButton, "Stop", c.stop, enabled(c.stopButton)},
		toolItem{c.repeatButton, "Repeat", c.repeatTapped, enabled(c.repeatButton)},
		toolItem{c.repeatSelect, "", nil, nil},
		toolItem{c.schemaButton, "Answer: free text or a schema…", c.schemaTapped, nil},
		toolItem{c.systemOverride, "Own system prompt (on or off)", func() { c.systemOverride.SetChecked(!c.systemOverride.Checked) }, nil},
		toolItem{c.saveTemplate, "Save as template…", c.saveTemplateTapped, nil},
		toolItem{c.deleteTemplate, "Delete the template…", c.deleteTemplateTapped, enabled(c.deleteTemplate)},
		toolItem{c.versionsButton, "Template versions…", c.versionsTapped, enabled(c.versionsButton)},
	)
	form := container.NewVBox(header, c.systemEntry, c.promptEntry, c.runRow.row)
	width := canvas.NewRectangle(color.Transparent)
	width.SetMinSize(fyne.NewSize(columnMinWidth, 0))
	c.progress = newRunProgress(c)
	c.inner = container.NewBorder(form, container.NewVBox(c.progress.label, c.stats, c.stabilityLabel, c.rateRow), nil, nil,
		container.NewBorder(c.staleInfo, nil, nil, nil, c.answerScroll))
	c.box = container.NewStack(width, c.inner)

	cv.columns = append(cv.columns, c)
	cv.layoutColumns()
	if cv.scroll != nil && len(cv.columns) > 1 {
		// The new column, the last, scrolls into view when the columns
		// are wider than the pane.
		if over := cv.grid.MinSize().Width - cv.scroll.Size().Width; over > 0 && cv.scroll.Size().Width > 0 {
			cv.scroll.ScrollToOffset(fyne.NewPos(over, 0))
		}
	}
	cv.saveState()
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
	cv.unfocusColumn(c)
	cv.columns = append(cv.columns[:i], cv.columns[i+1:]...)
	cv.layoutColumns()
	cv.updateRunning()
	cv.saveState()
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

// inputFunc completes a column's request with the model input of a run;
// it may block.
// progress (nil: none) is told how many images are made of how many.
type inputFunc func(ctx context.Context, req core.Request, progress progressFunc) (core.Request, error)

// input returns what completes a column's request with what the viewer
// and the model's-eye view show: one image, or the sampled slices of a
// series, or what the recipe chosen makes of the series (its images and
// options, the prompt laid out around them); prepared at most once
// however many columns ask for them; no images when no image is open.
// Call it on the UI goroutine.
func (cv *compareView) input() inputFunc {
	inputs := cv.source.modelInputs()
	measured := cv.source.measurements()
	return func(ctx context.Context, req core.Request, progress progressFunc) (core.Request, error) {
		ins, err := inputs(ctx, progress)
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
	setShown(c.stats, "Running…")
	setShown(c.stabilityLabel, "")
	setShown(c.staleInfo, "")
	c.rateRow.Hide()
	c.progress.begin()
	rate := c.cv.promptRate(req.Model)
	c.cv.saveState()
	c.inner.Refresh()
	go func() {
		defer cancel()
		full, err := input(ctx, req, c.progress.imagesMade)
		if err != nil {
			res := core.Result{Status: core.StatusError, Error: err.Error()}
			w.do(func() { c.runEnded(0, 1, "", 0, res, err) })
		} else {
			req := full
			for i := range n {
				if i > 0 {
					w.do(func() { setShown(c.stats, fmt.Sprintf("Repeat %d of %d…", i+1, n)) })
				}
				var buf streamBuffer
				c.progress.sent(req, rate)
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
		runID, res, err = c.cv.backend.Ask(ctx, req, func(text string) {
			c.progress.token()
			buf.Write(text)
		})
	})
	return runID, res, err
}

// runEnded shows how run i of n ended.
func (c *column) runEnded(i, n int, text string, runID int64, res core.Result, err error) {
	if text == "" {
		text = res.Output
	}
	c.runID, c.lastText = runID, text
	c.cv.notePromptRate(res.Model, res)
	status := runStatus(res, err)
	stats := statsText(runID, res, status)
	if n > 1 {
		c.answers = append(c.answers, text)
		c.repeatIDs = append(c.repeatIDs, runID)
		stats = fmt.Sprintf("Repeat %d of %d%s%s", i+1, n, statsSep, stats)
	}
	c.answer.SetFinal(text)
	setShown(c.stats, stats)
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
	c.progress.end()
	c.setRunning(false)
	if c.runID > 0 {
		c.offerRating()
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
		setShown(c.stats, "Stopping…")
	}
}

// attached reports whether c is one of the view's columns: a closed
// column's widgets may still receive an event delivered before it closed.
func (c *column) attached() bool {
	return !c.closed && slices.Contains(c.cv.columns, c)
}

// unfocusColumn takes the keyboard focus from a widget of c (closed), so
// that no key reaches it.
func (cv *compareView) unfocusColumn(c *column) {
	cnv := cv.env.win.Canvas()
	f := cnv.Focused()
	if f == nil {
		return
	}
	for _, w := range []fyne.Focusable{c.modelSelect, c.templateSelect, c.repeatSelect, c.rating, c.note, c.promptEntry, c.systemEntry} {
		if f == w {
			cnv.Unfocus()
			return
		}
	}
}
