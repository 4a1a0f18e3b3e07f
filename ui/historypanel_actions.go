package ui

// The history browser's actions on the run chosen: open its model input
// in the viewer, run it again, export its report.

import (
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// runActions are the buttons under the run's heading and the line that
// says how its re-run went.
type runActions struct {
	openImage   *widget.Button
	rerunButton *widget.Button
	rerunStats  *widget.Label
}

// newActions makes the buttons and the re-run's line and returns the
// buttons' row.
func (h *historyPanel) newActions() fyne.CanvasObject {
	h.openImage = widget.NewButtonWithIcon("Open image in viewer", theme.FileImageIcon(), h.openImageTapped)
	h.rerunButton = widget.NewButtonWithIcon("Re-run", theme.MediaReplayIcon(), h.rerunTapped)
	export := widget.NewButtonWithIcon("Export report…", theme.DocumentSaveIcon(), func() {
		if h.selected != nil {
			h.reports.export([]int64{h.selected.ID})
		}
	})
	h.rerunStats = widget.NewLabel("")
	h.rerunStats.Wrapping = fyne.TextWrapWord
	h.rerunStats.Hide()
	return container.NewHBox(h.openImage, h.rerunButton, export)
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
