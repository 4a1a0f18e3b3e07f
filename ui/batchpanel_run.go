package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// batchControls are Start and Cancel and what runs: the progress bar,
// the counts and the line that says how a batch ended. A model-card row
// runs through them too.
type batchControls struct {
	start, cancel *widget.Button
	bar           *widget.ProgressBar
	status        *widget.Label // counts, rate and ETA
	message       *widget.Label // how the batch ended

	every time.Duration // between two progress refreshes
	run   *batchRun     // the batch running, or nil
}

// batchRun is a running batch's controls.
type batchRun struct {
	drain   chan struct{}
	abort   context.CancelFunc
	drained bool // Cancel was pressed once
	last    BatchProgress
}

// newControls makes Start, Cancel and the progress widgets.
func (b *batchPanel) newControls() {
	c := &b.batchControls
	c.start = widget.NewButtonWithIcon("Start", theme.MediaPlayIcon(), b.startTapped)
	c.start.Importance = widget.HighImportance
	c.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), c.cancelTapped)
	c.cancel.Disable()
	c.bar = widget.NewProgressBar()
	c.status = widget.NewLabel("Runs every prompt with every model on every item, and scores the answers.")
	c.status.Wrapping = fyne.TextWrapWord
	c.message = widget.NewLabel("")
	c.message.Wrapping = fyne.TextWrapWord
	c.message.Hide()
}

// begin marks a new run as the one running, with status: Start off,
// Cancel on, the bar at zero. Its context is cancelled by Stop now, the
// window closing, or its abort when it is over.
func (b *batchPanel) begin(status string) (*batchRun, context.Context) {
	ctx, abort := b.env.opContext()
	run := &batchRun{drain: make(chan struct{}), abort: abort}
	b.run = run
	b.start.Disable()
	b.cancel.SetText("Cancel")
	b.cancel.Enable()
	b.bar.Max, b.bar.Value = 1, 0
	b.bar.Refresh()
	b.status.SetText(status)
	return run, ctx
}

// end marks run as over: Start on, Cancel off. It reports false, and
// does nothing, when run is no longer the one running.
func (c *batchControls) end(run *batchRun) bool {
	if c.run != run {
		return false
	}
	c.run = nil
	c.start.Enable()
	c.cancel.SetText("Cancel")
	c.cancel.Disable()
	return true
}

// startTapped checks the form and runs the batch in the background.
func (b *batchPanel) startTapped() {
	if b.run != nil {
		return
	}
	spec, err := b.spec()
	if err != nil {
		b.env.showError(err)
		return
	}
	w := b.env
	run, ctx := b.begin("Starting: reading the inputs and checking the models…")
	setShown(b.message, "")
	every := b.every
	go func() {
		defer run.abort()
		var box latest[BatchProgress]
		var res core.BatchResult
		var err error
		streamed(w.do, every, box.take, func(p BatchProgress) { b.showProgress(run, p) },
			func() { res, err = b.backend.RunBatch(ctx, spec, run.drain, box.set) })
		var ev BatchEval
		var everr error
		if err == nil && res.Rows > 0 {
			ectx, ecancel := w.opContext()
			ev, everr = b.backend.EvalBatch(ectx, spec.Out)
			ecancel()
		}
		w.do(func() { b.finished(run, spec, res, err, ev, everr) })
	}()
}

// cancelTapped stops the batch: the first press lets the runs in flight
// finish and be written, the second stops them too.
func (c *batchControls) cancelTapped() {
	r := c.run
	if r == nil {
		return
	}
	if !r.drained {
		r.drained = true
		close(r.drain)
		c.cancel.SetText("Stop now")
		c.status.SetText(batchStatusText(r.last) + statsSep + "stopping: finishing the runs in flight (Stop now stops them too)")
		return
	}
	r.abort()
	c.cancel.Disable()
	c.status.SetText(batchStatusText(r.last) + statsSep + "stopping the runs in flight…")
}

// showProgress shows where run stands.
func (c *batchControls) showProgress(run *batchRun, p BatchProgress) {
	if c.run != run {
		return
	}
	run.last = p
	if p.Total == 0 {
		c.bar.Max, c.bar.Value = 1, 1
	} else {
		c.bar.Max, c.bar.Value = float64(p.Total), float64(p.Done)
	}
	c.bar.Refresh()
	text := batchStatusText(p)
	if run.drained {
		text += statsSep + "stopping: finishing the runs in flight"
	}
	c.status.SetText(text)
}

// batchStatusText is a batch's counts, rate and time left.
func batchStatusText(p BatchProgress) string {
	parts := []string{fmt.Sprintf("%d of %d runs", p.Done, p.Total), fmt.Sprintf("%d ok", p.Done-p.Failed)}
	if p.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", p.Failed))
	}
	if p.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d already done, skipped", p.Skipped))
	}
	if p.Done > 0 && p.Elapsed > 0 {
		parts = append(parts, fmt.Sprintf("%.2f runs/s", float64(p.Done)/p.Elapsed.Seconds()))
	}
	if eta := p.ETA(); eta > 0 {
		parts = append(parts, "about "+eta.Round(time.Second).String()+" left")
	}
	text := strings.Join(parts, statsSep)
	if p.Note != "" {
		text += "\n" + p.Note
	}
	return text
}

// finished shows how run ended and the scores of its result file.
func (b *batchPanel) finished(run *batchRun, spec core.BatchSpec, res core.BatchResult, err error, ev BatchEval, everr error) {
	if !b.end(run) {
		return
	}
	if err != nil && res.Runs == 0 {
		// Stopped before it ran: a bad input or an unknown model.
		b.status.SetText("Not started.")
		// The message starts with the dialog's own capital, not the file's.
		b.env.showError(fmt.Errorf("batch not started: %w", err))
		return
	}
	b.bar.Max = float64(max(res.Runs, 1))
	b.bar.Value = float64(res.Skipped + res.OK + res.Failed)
	b.bar.Refresh()
	b.status.SetText(batchStatusText(BatchProgress{BatchProgress: core.BatchProgress{Total: res.Total, Done: res.OK + res.Failed,
		Failed: res.Failed, Elapsed: run.last.Elapsed}, Skipped: res.Skipped}))
	setShown(b.message, batchEndText(res))
	if err != nil {
		b.env.showError(fmt.Errorf("batch: %w", err))
	}
	if res.Rows > 0 {
		b.showEval(spec.Out, ev, everr)
	}
}

// batchEndText says how a batch ended, what is left and how to resume.
func batchEndText(res core.BatchResult) string {
	left := res.Cancelled + res.NotStarted
	var parts []string
	switch {
	case res.Total == 0 && res.Runs > 0:
		parts = append(parts, fmt.Sprintf("All %d runs were already done in %s.", res.Runs, res.Out))
	case left > 0:
		parts = append(parts, fmt.Sprintf("Stopped: %d of %d runs left to do (%d stopped in flight). Start again with the same settings to resume: the %d runs done are skipped.",
			left, res.Runs, res.Cancelled, res.Runs-left))
	default:
		done := fmt.Sprintf("Done: %s (%d ok, %d failed)", runsText(res.OK+res.Failed), res.OK, res.Failed)
		if res.Skipped > 0 {
			done += fmt.Sprintf(", %d already done, skipped", res.Skipped)
		}
		parts = append(parts, done+".")
	}
	if res.Failed > 0 {
		first := ""
		if res.FirstError != nil {
			first = " The first: " + strings.TrimSuffix(res.FirstError.Error(), ".") + "."
		}
		parts = append(parts, fmt.Sprintf("%s failed; their rows have status error, and starting again retries them.%s", runsText(res.Failed), first))
	}
	if res.Rows > 0 {
		parts = append(parts, fmt.Sprintf("%d rows in %s and %s.", res.Rows, res.Out, res.CSV))
	}
	return strings.Join(parts, " ")
}

// runsText is "1 run" or "n runs".
func runsText(n int) string {
	if n == 1 {
		return "1 run"
	}
	return fmt.Sprintf("%d runs", n)
}
