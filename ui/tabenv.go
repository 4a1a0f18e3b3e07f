package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/units"
)

// tabEnv is what the window hands each tab, besides the tab's slice of
// the backend: how to reach the UI goroutine, a context for each
// background operation, the error dialog and the save dialog, and the
// notifications one tab fires and another listens to. Workbench makes one
// and wires the notifications.
type tabEnv struct {
	win fyne.Window
	// do runs a function on the UI goroutine (fyne.Do; tests run the
	// calls on their own goroutine).
	do   func(func())
	quit <-chan struct{} // closed when the window closes
	// choosePath, when set, replaces the save dialog (tests).
	choosePath func(name string, done func(path string))

	// inputChanged fires when the image pane shows a new model input
	// (a frame is rendered); the side-by-side view listens (AutoRun).
	inputChanged notice
	// runsChanged fires when a run was logged or rated; the history
	// browser listens.
	runsChanged notice

	// milestone, when set, is told the steps of opening a study as they
	// happen (see Workbench.SetMilestones); it may be called on any
	// goroutine.
	milestone func(event string)
}

// mark reports a milestone of opening a study, if anyone listens.
func (e *tabEnv) mark(event string) {
	if e.milestone != nil {
		e.milestone(event)
	}
}

// notice is a notification without data: listeners are called in order
// when it fires. It is used only on the UI goroutine.
type notice struct {
	fns []func()
}

// listen calls fn whenever the notice fires.
func (n *notice) listen(fn func()) { n.fns = append(n.fns, fn) }

// fire calls the listeners.
func (n *notice) fire() {
	for _, fn := range n.fns {
		fn()
	}
}

// opContext returns a context for one background operation; it is
// cancelled when the window closes or cancel is called, and the caller
// must call cancel.
func (e *tabEnv) opContext() (context.Context, context.CancelFunc) {
	return contextUntil(e.quit)
}

// contextUntil returns a context that is cancelled when quit is closed or
// cancel is called; the caller must call cancel.
func contextUntil(quit <-chan struct{}) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// showError shows err in a dialog on the window (nothing for a
// cancellation).
func (e *tabEnv) showError(err error) dialog.Dialog {
	return showError(e.win, err)
}

// background runs op off the UI goroutine with an operation context, then
// done on the UI goroutine with op's error: the error dialog when there is
// one, else done.
func (e *tabEnv) background(op func(ctx context.Context) error, done func()) {
	ctx, cancel := e.opContext()
	go func() {
		defer cancel()
		err := op(ctx)
		e.do(func() {
			if err != nil {
				e.showError(err)
				return
			}
			if done != nil {
				done()
			}
		})
	}()
}

// chooseSaveFile asks where to save a file called name, and calls done
// with the chosen local path.
func (e *tabEnv) chooseSaveFile(name string, done func(path string)) {
	if e.choosePath != nil {
		e.choosePath(name, done)
		return
	}
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil {
			e.showError(err)
			return
		}
		if wc == nil {
			return // cancelled
		}
		u := wc.URI()
		_ = wc.Close() // the backend writes the file
		if u.Scheme() != "file" {
			e.showError(errors.New("save " + u.String() + ": choose a local file"))
			return
		}
		done(u.Path())
	}, e.win)
	d.SetFileName(name)
	d.Resize(fyne.NewSize(900, 640))
	d.Show()
}

// reportExporter is the report dialog the side-by-side view and the
// history browser share. It is used only on the UI goroutine.
type reportExporter struct {
	env     *tabEnv
	backend ReportBackend
}

// reportFormats are the report formats offered, by label.
var reportFormats = []string{"PDF", "HTML", "Markdown"}

// export asks for a format, whether to include patient data and a file,
// then writes the report of runs ids there.
func (r *reportExporter) export(ids []int64) {
	format := widget.NewSelect(reportFormats, nil)
	format.SetSelected(reportFormats[0])
	phi := widget.NewCheck("Include patient data (names, IDs, dates, file paths)", nil)
	d := dialog.NewForm(fmt.Sprintf("Report of %d run(s)", len(ids)), "Choose file…", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Format", format), widget.NewFormItem("", phi)},
		func(ok bool) {
			if !ok {
				return
			}
			ext := reportExt(format.Selected)
			name := fmt.Sprintf("run-%d-report.%s", ids[0], ext)
			if len(ids) > 1 {
				name = fmt.Sprintf("runs-%s-report.%s", strings.ReplaceAll(joinIDs(ids), ", ", "-"), ext)
			}
			include := phi.Checked
			r.env.chooseSaveFile(name, func(path string) { r.write(ids, ext, path, include) })
		}, r.env.win)
	d.Resize(fyne.NewSize(520, 220))
	d.Show()
}

// reportExt is the format name and file extension of a format label.
func reportExt(label string) string {
	switch label {
	case "HTML":
		return "html"
	case "Markdown":
		return "md"
	}
	return "pdf"
}

// write has the backend write the report in the background.
func (r *reportExporter) write(ids []int64, format, path string, includePHI bool) {
	start := time.Now()
	r.env.background(func(ctx context.Context) error {
		return r.backend.ExportReport(ctx, ids, format, path, includePHI)
	}, func() {
		what := "de-identified"
		if includePHI {
			what = "with patient data"
		}
		dialog.ShowInformation("Report written", fmt.Sprintf("Wrote %s (%s, %d run(s), %s).", path, what, len(ids), units.Duration(time.Since(start))), r.env.win)
	})
}
