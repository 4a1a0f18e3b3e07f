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

// attachedSelect is a widget.Select that opens its pop-up only while it is
// attached: on a window's canvas, and (attached) still part of the view.
// Fyne 2.7's Select builds its pop-up on the canvas the driver finds for
// it, and on a nil one — a select whose column was closed or rebuilt
// between the tap's delivery and the pop-up — crashes
// (fyne-io/fyne#5965, fixed after 2.7.1 by fyne-io/fyne#6305).
type attachedSelect struct {
	widget.Select
	// attached reports whether the select is part of the view; nil: it
	// always is.
	attached func() bool
}

func newAttachedSelect(options []string, changed func(string), attached func() bool) *attachedSelect {
	s := &attachedSelect{attached: attached}
	s.Options, s.OnChanged = options, changed
	s.ExtendBaseWidget(s)
	return s
}

// onCanvas reports whether the select may open its pop-up.
func (s *attachedSelect) onCanvas() bool {
	if s.attached != nil && !s.attached() {
		return false
	}
	return fyne.CurrentApp().Driver().CanvasForObject(s) != nil
}

// Tapped opens the pop-up, when the select is attached.
func (s *attachedSelect) Tapped(e *fyne.PointEvent) {
	if s.onCanvas() {
		s.Select.Tapped(e)
	}
}

// TypedKey opens the pop-up on Space, Up or Down, as widget.Select does,
// when the select is attached.
func (s *attachedSelect) TypedKey(k *fyne.KeyEvent) {
	if s.onCanvas() {
		s.Select.TypedKey(k)
	}
}
