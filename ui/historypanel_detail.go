package ui

// The history browser's detail: the run chosen, read in the background,
// with its model-input preview, prompts, answer, notes and provenance.

import (
	"encoding/json"
	"fmt"
	"image"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/units"
)

// shownRun is the run chosen and its model input.
type shownRun struct {
	selected   *core.Run
	detailSeq  int              // only the latest run read is shown
	previewImg *dicomview.Image // the shown model input, for Open in viewer
}

// runDetail shows the run chosen, or a placeholder when there is none.
type runDetail struct {
	placeholder *widget.Label
	detail      *fyne.Container
	heading     *widget.Label
	provenance  *widget.Label
	preview     *canvas.Image
	system      *widget.Label
	prompt      *widget.Label
	thinking    *widget.Label
	thinkingBox *fyne.Container
	answer      *widget.Label
	notes       *widget.Label
}

// newDetail makes the detail's widgets, with the run's actions under its
// heading, and returns it over the placeholder.
func (h *historyPanel) newDetail(actions fyne.CanvasObject) fyne.CanvasObject {
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
	return container.NewStack(h.placeholder, container.NewVScroll(h.detail))
}

// sectionTitle is the bold title above a part of the detail.
func sectionTitle(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
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
