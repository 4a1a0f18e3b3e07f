package ui

// Accessors of the history browser for its tests: the widgets it makes
// and hands to Fyne without keeping, found where the user finds them.

import "fyne.io/fyne/v2/widget"

// exportButton is the detail's Export report… button. It panics when
// there is none.
func (h *historyPanel) exportButton() *widget.Button {
	if b := buttonIn(h.detail, "Export report…"); b != nil {
		return b
	}
	panic("no Export report… button in the run's detail")
}
