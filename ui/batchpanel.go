package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// batchRefresh is the shortest time between two refreshes of a batch's
// progress: runs take seconds, so ten a second is plenty.
const batchRefresh = 100 * time.Millisecond

// batchResultName is the result file's default name, next to the manifest.
const batchResultName = "results.jsonl"

// batchPanel is the Batch tab: a batch's inputs, Start and Cancel, its
// progress, and the scores of its result file with their chart. It
// reaches the services only through BatchBackend, and is used only on the
// UI goroutine.
//
// Its state is kept by concern, a struct and a file each: the form that
// says what to run (batchForm, batchpanel_form.go, with the example files
// and the file choosers), the models to check (batchModels,
// batchpanel_models.go), Start, Cancel and the progress of what runs
// (batchControls, batchpanel_run.go), the scores of the result file
// (batchScores, batchpanel_scores.go) and the model-card row
// (benchSection, batchpanel_bench.go).
type batchPanel struct {
	env     *tabEnv
	backend BatchBackend
	content fyne.CanvasObject

	batchForm
	batchModels
	batchControls
	batchScores

	bench benchSection // a model-card row: run it, its score beside the card's
}

func newBatchPanel(env *tabEnv, be BatchBackend) *batchPanel {
	b := &batchPanel{env: env, backend: be}
	b.every = batchRefresh
	b.newModels()
	form := b.newForm()
	b.newControls()
	b.newScores()
	b.content = container.NewVScroll(container.NewVBox(
		form,
		container.NewHBox(b.start, b.cancel),
		b.bar, b.status, b.message,
		b.scores,
		b.newBenchSection(),
	))
	return b
}

// withButtons puts buttons at the right of e.
func withButtons(e *widget.Entry, buttons ...fyne.CanvasObject) fyne.CanvasObject {
	return container.NewBorder(nil, nil, nil, container.NewHBox(buttons...), e)
}

// pickButton is a button labelled label that asks for a file with one of
// exts and puts its path in e.
func (b *batchPanel) pickButton(label string, e *widget.Entry, exts []string) *widget.Button {
	return widget.NewButtonWithIcon(label, theme.FolderOpenIcon(), func() { b.chooseFile(e, exts) })
}

// numField is e at the width of a number, as tall as the form's entries.
func (b *batchPanel) numField(e *widget.Entry) fyne.CanvasObject {
	return container.NewGridWrap(fyne.NewSize(80, b.repeat.MinSize().Height), e)
}
