package ui

// Accessors of the Batch tab for its tests: what its scores show, read
// from the widgets the user reads.

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// scoreCells are the texts of the scores' table, header first, row by
// row.
func (s *batchScores) scoreCells() []string {
	var cells []string
	for _, o := range s.summary.Objects {
		cells = append(cells, o.(*widget.Label).Text)
	}
	return cells
}

// sectionParts are what the evaluation report's further tables show
// under the scores: their labels' texts in order, and the sizes of their
// plots.
func (s *batchScores) sectionParts() (texts []string, plots []fyne.Size) {
	for _, o := range test.LaidOutObjects(s.sections) {
		switch o := o.(type) {
		case *widget.Label:
			texts = append(texts, o.Text)
		case *canvas.Image:
			plots = append(plots, o.MinSize())
		}
	}
	return texts, plots
}
