package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// isRunAllShortcut reports whether s is Ctrl+Enter (Cmd+Enter on macOS).
func isRunAllShortcut(s fyne.Shortcut) bool {
	cs, ok := s.(*desktop.CustomShortcut)
	return ok && cs.Modifier == fyne.KeyModifierShortcutDefault && (cs.KeyName == fyne.KeyReturn || cs.KeyName == fyne.KeyEnter)
}

// shortcutEntry is a multi-line entry that passes the side-by-side view's
// keys on: Ctrl+Enter runs all columns and Escape stops them.
type shortcutEntry struct {
	widget.Entry
	cv *compareView
}

func newShortcutEntry(cv *compareView, rows int) *shortcutEntry {
	e := &shortcutEntry{cv: cv}
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	e.ExtendBaseWidget(e)
	e.SetMinRowsVisible(rows)
	return e
}

// TypedShortcut implements fyne.Shortcutable.
func (e *shortcutEntry) TypedShortcut(s fyne.Shortcut) {
	if isRunAllShortcut(s) {
		e.cv.runAll()
		return
	}
	e.Entry.TypedShortcut(s)
}

// TypedKey implements fyne.Focusable.
func (e *shortcutEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.cv.anyRunning() {
		e.cv.stopAll()
		return
	}
	e.Entry.TypedKey(k)
}
