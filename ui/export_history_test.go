package ui

// Accessors of the history browser for its tests: the widgets it makes
// and hands to Fyne without keeping, found where the user finds them.

import (
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// exportButton is the detail's Export report… button. It panics when
// there is none.
func (h *historyPanel) exportButton() *widget.Button {
	if b := buttonIn(h.detail, "Export report…"); b != nil {
		return b
	}
	panic("no Export report… button in the run's detail")
}

// shown is the report dialog on top of the window, as the user sees it:
// its format choice, its patient-data box, and choose, which taps its
// Choose file… button. All are nil when no report dialog is shown.
func (r *reportExporter) shown() (format *widget.Select, phi *widget.Check, choose func()) {
	top := r.env.win.Canvas().Overlays().Top()
	if top == nil {
		return nil, nil, nil
	}
	for _, o := range test.LaidOutObjects(top) {
		switch w := o.(type) {
		case *widget.Select:
			format = w
		case *widget.Check:
			phi = w
		case *widget.Button:
			if w.Text == "Choose file…" {
				b := w
				choose = func() { test.Tap(b) }
			}
		}
	}
	if format == nil || phi == nil || choose == nil {
		return nil, nil, nil
	}
	return format, phi, choose
}
