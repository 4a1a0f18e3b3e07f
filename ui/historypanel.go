package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/units"
)

// Choices of the history browser's filters.
const (
	allModels      = "All models"
	anyStatus      = "Any status"
	anyRating      = "Any rating"
	historyLimit   = 500 // runs listed at most, newest first
	historyPreview = 180 // side of the model-input preview, in Fyne units
	timeLayout     = "2006-01-02 15:04:05"
	promptPreview  = 60 // runes of the prompt shown in the list
)

// timeZone is where the history shows times: the computer's own; tests
// set it to UTC. It is read only on the UI goroutine.
var timeZone = time.Local

// statusChoices are the statuses a run can end with, as the filter offers
// them.
var statusChoices = []string{anyStatus, string(core.StatusOK), string(core.StatusCancelled),
	string(core.StatusError), string(core.StatusInterrupted), string(core.StatusRunning)}

// ratingChoices are the rating filters: any, or at least n stars.
var ratingChoices = []string{anyRating, "★ or more", "★★ or more", "★★★ or more", "★★★★ or more", "★★★★★"}

// historyPanel browses the logged runs: search and filters, a list, and
// the chosen run's details with its model-input image. It reaches the
// services only through HistoryBackend. It is used only on the UI
// goroutine.
type historyPanel struct {
	env     *tabEnv
	backend HistoryBackend
	reports *reportExporter
	// modelNames, when set, names the models the runtime serves (for the
	// model filter); openInViewer shows a run's model input in the viewer.
	modelNames   func() []string
	openInViewer func(*dicomview.Series)
	content      fyne.CanvasObject

	search       *widget.Entry
	modelFilter  *widget.Select
	statusFilter *widget.Select
	ratingFilter *widget.Select
	count        *widget.Label
	list         *widget.List
	runs         []core.Run
	searchSeq    int // only the latest search is shown

	selected    *core.Run
	detailSeq   int
	placeholder *widget.Label
	detail      *fyne.Container
	heading     *widget.Label
	provenance  *widget.Label
	preview     *canvas.Image
	previewImg  *dicomview.Image // the shown model input, for Open in viewer
	system      *widget.Label
	prompt      *widget.Label
	thinking    *widget.Label
	thinkingBox *fyne.Container
	answer      *widget.Label
	notes       *widget.Label
	openImage   *widget.Button
	rerunButton *widget.Button
	exportBtn   *widget.Button
	rerunStats  *widget.Label
}

func newHistoryPanel(env *tabEnv, b HistoryBackend, reports *reportExporter) *historyPanel {
	h := &historyPanel{env: env, backend: b, reports: reports}
	h.search = widget.NewEntry()
	h.search.SetPlaceHolder("Search prompts, answers and notes (word* for a prefix)")
	h.search.OnSubmitted = func(string) { h.refresh() }
	searchButton := widget.NewButtonWithIcon("", theme.SearchIcon(), h.refresh)
	h.modelFilter = widget.NewSelect([]string{allModels}, func(string) { h.refresh() })
	h.modelFilter.Selected = allModels
	h.statusFilter = widget.NewSelect(statusChoices, func(string) { h.refresh() })
	h.statusFilter.Selected = anyStatus
	h.ratingFilter = widget.NewSelect(ratingChoices, func(string) { h.refresh() })
	h.ratingFilter.Selected = anyRating
	h.count = widget.NewLabel("")
	filters := container.NewGridWithColumns(3, h.modelFilter, h.statusFilter, h.ratingFilter)
	top := container.NewVBox(container.NewBorder(nil, nil, nil, searchButton, h.search), filters, h.count)

	h.list = widget.NewList(
		func() int { return len(h.runs) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(h.runs) {
				o.(*widget.Label).SetText(runListText(h.runs[i]))
			}
		},
	)
	h.list.OnSelected = func(i widget.ListItemID) {
		if i < len(h.runs) {
			h.show(h.runs[i].ID)
		}
	}

	h.heading = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	h.heading.Wrapping = fyne.TextWrapWord
	h.provenance = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	h.provenance.Wrapping = fyne.TextWrapBreak
	h.provenance.Selectable = true
	h.preview = &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScaleSmooth}
	h.preview.SetMinSize(fyne.NewSize(historyPreview, historyPreview))
	newText := func() *widget.Label {
		l := widget.NewLabel("")
		l.Wrapping = fyne.TextWrapWord
		l.Selectable = true
		return l
	}
	h.system, h.prompt, h.thinking, h.answer, h.notes = newText(), newText(), newText(), newText(), newText()
	h.thinkingBox = container.NewVBox(sectionTitle("Thinking"), h.thinking)
	h.openImage = widget.NewButtonWithIcon("Open image in viewer", theme.FileImageIcon(), h.openImageTapped)
	h.rerunButton = widget.NewButtonWithIcon("Re-run", theme.MediaReplayIcon(), h.rerunTapped)
	h.exportBtn = widget.NewButtonWithIcon("Export report…", theme.DocumentSaveIcon(), func() {
		if h.selected != nil {
			h.reports.export([]int64{h.selected.ID})
		}
	})
	h.rerunStats = widget.NewLabel("")
	h.rerunStats.Wrapping = fyne.TextWrapWord
	h.rerunStats.Hide()
	actions := container.NewHBox(h.openImage, h.rerunButton, h.exportBtn)
	h.detail = container.NewVBox(
		h.heading, actions, h.rerunStats,
		container.NewBorder(nil, nil, container.NewCenter(h.preview), nil, h.provenance),
		sectionTitle("System prompt"), h.system,
		sectionTitle("Prompt"), h.prompt,
		h.thinkingBox,
		sectionTitle("Answer"), h.answer,
		sectionTitle("Notes"), h.notes,
	)
	h.detail.Hide()
	h.placeholder = widget.NewLabel("Choose a run to see it here.")
	right := container.NewStack(h.placeholder, container.NewVScroll(h.detail))

	split := container.NewHSplit(container.NewBorder(top, nil, nil, nil, h.list), right)
	split.Offset = 0.45
	h.content = split
	return h
}

func sectionTitle(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// filter is the search the entry and the filters describe.
func (h *historyPanel) filter() core.Filter {
	f := core.Filter{Text: strings.TrimSpace(h.search.Text), Limit: historyLimit}
	if m := h.modelFilter.Selected; m != allModels && m != "" {
		f.Model = m
	}
	if s := h.statusFilter.Selected; s != anyStatus && s != "" {
		f.Status = core.Status(s)
	}
	f.MinRating = h.ratingFilter.SelectedIndex() // index 0 is any rating
	if f.MinRating < 0 {
		f.MinRating = 0
	}
	return f
}

// refresh runs the search again in the background and lists its runs.
func (h *historyPanel) refresh() {
	h.searchSeq++
	seq := h.searchSeq
	f := h.filter()
	ctx, cancel := h.env.opContext()
	go func() {
		defer cancel()
		runs, err := h.backend.Runs(ctx, f)
		h.env.do(func() {
			if seq != h.searchSeq {
				return
			}
			if err != nil {
				h.count.SetText("Search failed: " + err.Error())
				return
			}
			h.setRuns(runs, f.Limit)
		})
	}()
}

// setRuns lists runs, keeping the chosen run selected if it is among them,
// and offers their models in the model filter.
func (h *historyPanel) setRuns(runs []core.Run, limit int) {
	h.runs = runs
	switch n := len(runs); {
	case n == 0:
		h.count.SetText("No runs match.")
	case n == 1:
		h.count.SetText("1 run")
	case n >= limit:
		h.count.SetText(fmt.Sprintf("The newest %d runs", n))
	default:
		h.count.SetText(fmt.Sprintf("%d runs", n))
	}
	models := []string{allModels}
	seen := map[string]bool{}
	var names []string
	if h.modelNames != nil {
		names = h.modelNames()
	}
	for _, l := range names {
		if !seen[l] {
			seen[l] = true
			models = append(models, l)
		}
	}
	for _, r := range runs {
		if !seen[r.Model] {
			seen[r.Model] = true
			models = append(models, r.Model)
		}
	}
	if cur := h.modelFilter.Selected; cur != "" && !seen[cur] && cur != allModels {
		models = append(models, cur)
	}
	h.modelFilter.Options = models
	h.modelFilter.Refresh()
	h.list.UnselectAll()
	h.list.Refresh()
	if h.selected == nil {
		return
	}
	for i, r := range runs {
		if r.ID == h.selected.ID {
			h.list.Select(i) // shows it again, with any new rating
			return
		}
	}
	h.clearDetail() // the run shown is not among those that match
}

// clearDetail shows no run: the details of one no longer listed would
// read as a match.
func (h *historyPanel) clearDetail() {
	h.selected, h.previewImg = nil, nil
	h.detailSeq++ // a detail still being read is not shown
	h.detail.Hide()
	h.placeholder.Show()
}

// show reads run id and its model-input image in the background and shows
// them.
func (h *historyPanel) show(id int64) {
	h.detailSeq++
	seq := h.detailSeq
	ctx, cancel := h.env.opContext()
	go func() {
		defer cancel()
		r, err := h.backend.Run(ctx, id)
		var im *dicomview.Image
		var preview image.Image
		if err == nil && len(r.ImageSHA256) > 0 {
			// A missing image still shows the run.
			if im, _ = h.backend.RunImage(ctx, r.ImageSHA256[0]); im != nil {
				preview, _ = im.Render(1, im.DefaultWindow(1))
			}
		}
		h.env.do(func() {
			if seq != h.detailSeq {
				return
			}
			if err != nil {
				h.env.showError(err)
				return
			}
			h.showRun(r, im, preview)
		})
	}()
}

// showRun fills the detail view.
func (h *historyPanel) showRun(r *core.Run, im *dicomview.Image, preview image.Image) {
	h.selected = r
	h.previewImg = im
	model := r.Model
	if strings.HasPrefix(model, core.DemoModelName) {
		model += labelSep + core.DemoModelLabel
	}
	h.heading.SetText(fmt.Sprintf("Run %d%s%s%s%s", r.ID, statsSep, model, statsSep, runStatusText(*r)))
	h.provenance.SetText(runProvenance(*r))
	h.preview.Image = preview
	h.preview.Refresh()
	if preview == nil {
		h.preview.Hide()
	} else {
		h.preview.Show()
	}
	h.system.SetText(r.System)
	h.prompt.SetText(r.Prompt)
	h.thinking.SetText(r.Thinking)
	if r.Thinking == "" {
		h.thinkingBox.Hide()
	} else {
		h.thinkingBox.Show()
	}
	h.answer.SetText(r.Output)
	notes := starsText(r.Rating)
	if r.Notes != "" {
		notes += "\n" + r.Notes
	}
	h.notes.SetText(notes)
	if im == nil {
		h.openImage.Disable()
	} else {
		h.openImage.Enable()
	}
	h.placeholder.Hide()
	h.detail.Show()
}

// runStatusText is a run's status with its done reason when that says
// more.
func runStatusText(r core.Run) string {
	s := string(r.Status)
	if r.DoneReason != "" && r.DoneReason != s {
		s += " (" + r.DoneReason + ")"
	}
	return s
}

// runListText is a run's line in the list: when, model, status, rating and
// the first line of its prompt.
func runListText(r core.Run) string {
	prompt, _, _ := strings.Cut(strings.TrimSpace(r.Prompt), "\n")
	if rs := []rune(prompt); len(rs) > promptPreview {
		prompt = string(rs[:promptPreview-1]) + "…"
	}
	parts := []string{fmt.Sprintf("#%d", r.ID), r.StartedAt.In(timeZone).Format(timeLayout), r.Model, string(r.Status)}
	if r.Rating > 0 {
		parts = append(parts, starsText(r.Rating))
	}
	return strings.Join(append(parts, prompt), statsSep)
}

// runProvenance says exactly what a run was: the model and runtime, the
// model-input images' hashes, the options, the token counts and the
// runtime's timings. It shows no file names or paths.
func runProvenance(r core.Run) string {
	var b strings.Builder
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-14s %s\n", k, v)
		}
	}
	row("started", r.StartedAt.In(timeZone).Format(timeLayout))
	if !r.FinishedAt.IsZero() {
		row("finished", r.FinishedAt.In(timeZone).Format(timeLayout))
	}
	row("status", runStatusText(r))
	row("model", r.Model)
	row("model digest", r.ModelDigest)
	row("runtime", r.RuntimeVersion)
	for i, sha := range r.ImageSHA256 {
		row(fmt.Sprintf("image %d sha256", i+1), sha)
	}
	if len(r.ImageSHA256) == 0 {
		row("images", "none")
	}
	opts, _ := json.Marshal(r.Options)
	row("options", string(opts))
	row("recipe", r.Recipe.String())
	row("prompt version", r.PromptVersion)
	if v := r.SchemaValid; v != nil {
		verdict := "fits"
		if !*v {
			verdict = "does not fit: " + r.SchemaError
		}
		row("answer schema", r.SchemaHash+" ("+verdict+")")
	}
	row("tokens", fmt.Sprintf("%d prompt, %d answer", r.PromptEvalCount, r.EvalCount))
	if r.EvalCount > 0 && r.EvalDuration > 0 {
		row("speed", units.Rate(int64(r.EvalCount), r.EvalDuration, "tokens"))
	}
	if r.TotalDuration > 0 {
		row("durations", fmt.Sprintf("total %s, load %s, prompt %s, answer %s, first token %s",
			units.Duration(r.TotalDuration), units.Duration(r.LoadDuration), units.Duration(r.PromptEvalDuration),
			units.Duration(r.EvalDuration), units.Duration(r.FirstToken)))
	}
	if r.StudyKey != "" {
		row("study", strings.TrimSpace(r.StudyModality+" "+r.StudyDescription)+" (key "+shortSHA(r.StudyKey)+")")
	}
	row("error", r.Error)
	return strings.TrimRight(b.String(), "\n")
}

// openImageTapped shows the chosen run's model input in the viewer.
func (h *historyPanel) openImageTapped() {
	if h.previewImg == nil || h.selected == nil || h.openInViewer == nil {
		return
	}
	h.openInViewer(&dicomview.Series{
		Description: fmt.Sprintf("model input of run %d", h.selected.ID),
		Slices:      []dicomview.Slice{{Image: h.previewImg, Frame: 1}},
	})
}

// rerunTapped runs the chosen run again with its stored images, prompts,
// model and options, and shows the new run when it ends.
func (h *historyPanel) rerunTapped() {
	if h.selected == nil {
		return
	}
	id := h.selected.ID
	seq := h.detailSeq
	w := h.env
	h.rerunButton.Disable()
	setShown(h.rerunStats, fmt.Sprintf("Re-running run %d…", id))
	ctx, cancel := w.opContext()
	go func() {
		defer cancel()
		var buf streamBuffer
		var newID int64
		var res core.Result
		var err error
		streamed(w.do, refreshInterval, buf.take, func(text string) {
			if h.detailSeq == seq { // still showing the run re-run
				h.answer.SetText(text)
			}
		}, func() { newID, res, err = h.backend.Rerun(ctx, id, buf.Write) })
		w.do(func() {
			h.rerunButton.Enable()
			status := runStatus(res, err)
			setShown(h.rerunStats, fmt.Sprintf("Re-run of run %d: %s", id, statsText(newID, res, status)))
			if status == core.StatusError {
				if err == nil {
					err = errors.New(res.Error)
				}
				w.showError(err)
			}
			if newID > 0 {
				h.selected = &core.Run{ID: newID}
				h.show(newID)
			}
			h.refresh()
		})
	}()
}
