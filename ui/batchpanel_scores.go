package ui

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"path/filepath"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/evalchart"
)

// batchScores are the scores of a result file: their table, a note, Save
// CSV, the chart and the evaluation report's further tables.
type batchScores struct {
	scores    *fyne.Container // the section below, hidden until a batch ends
	summary   *fyne.Container // the scores' grid
	evalNote  *widget.Label
	saveCSV   *widget.Button
	chart     *canvas.Image
	sections  *fyne.Container  // the paired differences, calibration, kappa
	report    *core.EvalReport // the scores shown, for Save CSV
	reportOut string           // the result file they score
}

// newScores makes the scores' section, hidden until a batch ends.
func (b *batchPanel) newScores() {
	s := &b.batchScores
	s.summary = container.NewGridWithColumns(6)
	s.evalNote = widget.NewLabel("")
	s.evalNote.Wrapping = fyne.TextWrapWord
	s.evalNote.Hide()
	s.saveCSV = widget.NewButtonWithIcon("Save scores as CSV…", theme.DocumentSaveIcon(), b.saveCSVTapped)
	s.chart = &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScaleSmooth}
	s.sections = container.NewVBox()
	s.scores = container.NewVBox(sectionTitle("Scores (automatic metric, 95% bootstrap intervals)"),
		s.summary, s.evalNote, container.NewHBox(s.saveCSV), s.chart, s.sections)
	s.scores.Hide()
}

// showEval shows the scores of the result file out, or why there are none.
func (s *batchScores) showEval(out string, ev BatchEval, err error) {
	s.scores.Show()
	s.summary.RemoveAll()
	s.report, s.reportOut = nil, out
	s.chart.Image = nil
	s.chart.Hide()
	s.sections.RemoveAll()
	s.saveCSV.Disable()
	note := ""
	if ev.Truncated {
		note = out + " ends with a half-written row (an interrupted batch); it is ignored. "
	}
	if err != nil {
		setShown(s.evalNote, note+"No scores: "+err.Error())
		return
	}
	rep := ev.Report
	s.report = &rep
	bold := fyne.TextStyle{Bold: true}
	for _, h := range []string{"Prompt", "Model", "Metric", "n", "Score", "95% CI"} {
		s.summary.Add(widget.NewLabelWithStyle(h, fyne.TextAlignLeading, bold))
	}
	for _, g := range rep.Groups {
		s.summary.Add(widget.NewLabel(g.Prompt))
		s.summary.Add(widget.NewLabel(g.Model))
		s.summary.Add(widget.NewLabel(string(g.Metric)))
		s.summary.Add(widget.NewLabel(strconv.Itoa(g.N)))
		s.summary.Add(widget.NewLabel(fmt.Sprintf("%.3f", g.Score)))
		s.summary.Add(widget.NewLabel(fmt.Sprintf("[%.3f, %.3f]", g.Low, g.High)))
	}
	if rep.NoReference > 0 {
		note += fmt.Sprintf("%d runs not scored: no reference answer the metric can use. ", rep.NoReference)
	}
	setShown(s.evalNote, strings.TrimSpace(note))
	img := evalchart.Draw(rep)
	s.chart.Image = img
	s.chart.SetMinSize(fyne.NewSize(float32(img.Bounds().Dx()), float32(img.Bounds().Dy())))
	s.chart.Show()
	s.chart.Refresh()
	for _, sec := range ev.Sections {
		s.sections.Add(evalSectionView(sec))
	}
	s.saveCSV.Enable()
}

// evalSectionView shows one of the evaluation report's tables, with its
// note and its plot (at its own size) under it.
func evalSectionView(s core.EvalSection) fyne.CanvasObject {
	grid := container.NewGridWithColumns(max(len(s.Header), 1))
	bold := fyne.TextStyle{Bold: true}
	for _, h := range s.Header {
		grid.Add(widget.NewLabelWithStyle(h, fyne.TextAlignLeading, bold))
	}
	for _, r := range s.Rows {
		for i := range s.Header {
			cell := ""
			if i < len(r) {
				cell = r[i]
			}
			l := widget.NewLabel(cell)
			l.Wrapping = fyne.TextWrapWord
			grid.Add(l)
		}
	}
	box := container.NewVBox(sectionTitle(s.Title), grid)
	if s.Note != "" {
		note := widget.NewLabel(s.Note)
		note.Wrapping = fyne.TextWrapWord
		note.Importance = widget.LowImportance
		box.Add(note)
	}
	if s.Figure != nil && len(s.Figure.PNG) > 0 {
		if img, err := png.Decode(bytes.NewReader(s.Figure.PNG)); err == nil {
			plot := canvas.NewImageFromImage(img)
			plot.FillMode = canvas.ImageFillContain
			plot.SetMinSize(fyne.NewSize(float32(img.Bounds().Dx()), float32(img.Bounds().Dy())))
			box.Add(container.NewHBox(plot))
			if s.Figure.Caption != "" {
				c := widget.NewLabel(s.Figure.Caption)
				c.Wrapping = fyne.TextWrapWord
				c.Importance = widget.LowImportance
				box.Add(c)
			}
		}
	}
	return box
}

// saveCSVTapped asks where to save the scores as CSV and writes them there.
func (b *batchPanel) saveCSVTapped() {
	if b.report == nil {
		return
	}
	rep := *b.report
	name := strings.TrimSuffix(filepath.Base(b.reportOut), filepath.Ext(b.reportOut)) + "-scores.csv"
	b.env.chooseSaveFile(name, func(path string) {
		b.env.background(func(ctx context.Context) error { return b.backend.WriteEvalCSV(ctx, rep, path) },
			func() { dialog.ShowInformation("Scores saved", "Wrote "+path+".", b.env.win) })
	})
}
