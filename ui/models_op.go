package ui

// The Models tab's one operation at a time (a pull, an import or the demo
// install): its progress box, streamed progress, Cancel and its end.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// modelOp is the operation running, or the last one, and the box that
// shows its progress. It is used only on the UI goroutine.
type modelOp struct {
	busy     bool // a pull, an import or the demo install runs
	cancelOp context.CancelFunc
	opBest   float64 // the highest fraction the bar showed in this operation
	opTitle  *widget.Label
	opBar    *widget.ProgressBar
	opDetail *widget.Label
	opCancel *widget.Button
	opBox    *fyne.Container
}

// newOpBox makes the progress box, hidden until an operation runs.
func (p *ModelsPanel) newOpBox() fyne.CanvasObject {
	p.opTitle = widget.NewLabel("")
	p.opTitle.Wrapping = fyne.TextWrapWord
	p.opBar = widget.NewProgressBar()
	p.opDetail = widget.NewLabel("")
	p.opDetail.Wrapping = fyne.TextWrapWord
	p.opCancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), p.cancel)
	p.opBox = container.NewVBox(p.opTitle, container.NewBorder(nil, nil, nil, p.opCancel, p.opBar), p.opDetail)
	p.opBox.Hide()
	return p.opBox
}

// runOp runs one operation on model name in the background with the
// progress box shown; an error that does not name the model is made to.
// Progress reaches the UI streamed: at most once a frame, and an update
// that arrives while the previous one is not yet drawn replaces it.
func (p *ModelsPanel) runOp(name, title, doneText, cancelledText string, op func(ctx context.Context, progress func(core.Progress)) error) {
	if p.busy {
		showError(p.win, errors.New("another download or import is running: wait for it, or press Cancel"))
		return
	}
	ctx, cancel := p.opContext()
	p.cancelOp = cancel
	p.setBusy(true)
	p.opBest = 0
	p.opTitle.SetText(title + "…")
	p.opBar.SetValue(0)
	p.opBar.Show()
	p.opDetail.SetText("Starting…")
	p.opCancel.Enable()
	p.opCancel.Show()
	p.opBox.Show()
	p.content.Refresh()

	go func() {
		defer cancel()
		var box latest[core.Progress]
		var err error
		streamed(p.do, refreshInterval, box.take, func(pr core.Progress) {
			if p.cancelOp != nil { // not yet ended
				p.showProgress(pr)
			}
		}, func() { err = op(ctx, box.set) })
		cancelled := ctx.Err() != nil
		if err != nil && !strings.Contains(err.Error(), name) {
			err = fmt.Errorf("%s: %w", strings.ToLower(title[:1])+title[1:], err)
		}
		p.do(func() { p.opDone(err, cancelled, doneText, cancelledText) })
	}()
}

// showProgress shows one update; the bar never moves back within an
// operation (a new layer's bytes raise the total, not the work done).
func (p *ModelsPanel) showProgress(pr core.Progress) {
	if pr.Total > 0 {
		if f := pr.Percent / 100; f > p.opBest {
			p.opBest = min(f, 1)
		}
		p.opBar.SetValue(p.opBest)
	}
	p.opDetail.SetText(progressText(pr))
}

// opDone shows how the operation ended: cancelled, failed (and why, in a
// dialog too) or done, when the models are listed again.
func (p *ModelsPanel) opDone(err error, cancelled bool, doneText, cancelledText string) {
	p.cancelOp = nil
	p.setBusy(false)
	p.opCancel.Hide()
	defer p.content.Refresh() // the box's height changed
	switch {
	case cancelled:
		p.opTitle.SetText(cancelledText)
		p.opBar.Hide()
		p.opDetail.SetText("")
	case err != nil:
		p.opTitle.SetText("Failed: " + errorMessage(err))
		p.opBar.Hide()
		p.opDetail.SetText("")
		showError(p.win, err)
	default:
		p.opTitle.SetText(doneText)
		p.opBar.SetValue(1)
		p.opDetail.SetText("")
		p.changed()
	}
}

// cancel stops the operation running (the Cancel button).
func (p *ModelsPanel) cancel() {
	if p.cancelOp != nil {
		p.cancelOp()
		p.opCancel.Disable()
		p.opDetail.SetText("Cancelling…")
	}
}
