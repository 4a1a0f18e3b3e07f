package ui

// Accessors of the side-by-side view for its tests: what it shows, and
// the dialogs it opens and keeps no field for, found where the user
// finds them.

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// staleText is column i's mark of an answer about the previous study ("":
// none shown).
func (cv *compareView) staleText(i int) string {
	if l := cv.columns[i].staleInfo; l.Visible() {
		return l.Text
	}
	return ""
}

// recipeOffer is the recipe the view offers for the study shown, and the
// line that says so ("" when none is offered).
func (cv *compareView) recipeOffer() (line string, use func()) {
	if !cv.useRecipe.Visible() {
		return "", nil
	}
	return cv.useRecipe.Text, cv.useRecipe.OnTapped
}

// optionFieldsShown are the Max tokens and Temperature fields' texts.
func (cv *compareView) optionFieldsShown() (maxTokens, temp string) {
	return cv.maxTokensEntry.Text, cv.tempEntry.Text
}

// toolbarMenu lists the toolbar's controls that did not fit, as its "⋯"
// menu offers them.
func (cv *compareView) toolbarMenu() []string {
	var out []string
	for _, it := range cv.toolbar.hidden {
		out = append(out, it.label)
	}
	return out
}

// toolbarControls are the controls of the view's toolbar.
func (cv *compareView) toolbarControls() []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for _, it := range cv.toolbar.items {
		out = append(out, it.obj)
	}
	return out
}

// toggleImage taps the button that hides or shows the image side.
func (cv *compareView) toggleImage() { cv.hideImage(!cv.imageHidden) }

// imageShown reports whether the image side is in the window.
func (w *Workbench) imageShown() bool {
	return len(w.center.Objects) == 1 && w.center.Objects[0] == fyne.CanvasObject(w.mainSplit)
}

// progressText is column i's progress line ("" when hidden).
func (cv *compareView) progressText(i int) string {
	if l := cv.columns[i].progress.label; l.Visible() {
		return l.Text
	}
	return ""
}

// dialogShown is what the dialog on top of the window shows, laid out;
// nil when no dialog is shown.
func (cv *compareView) dialogShown() []fyne.CanvasObject {
	top := cv.env.win.Canvas().Overlays().Top()
	if top == nil {
		return nil
	}
	return test.LaidOutObjects(top)
}

// dialogButton is the button labelled text of the dialog shown, or nil.
func (cv *compareView) dialogButton(text string) *widget.Button {
	for _, o := range cv.dialogShown() {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	return nil
}

// formShown is the form dialog shown whose button confirm submits it:
// its field, and submit, which taps that button as the user does (nothing
// while the field is invalid). Both are nil when no such dialog is shown.
func (cv *compareView) formShown(confirm string) (entry *widget.Entry, submit func()) {
	b := cv.dialogButton(confirm)
	if b == nil {
		return nil, nil
	}
	for _, o := range cv.dialogShown() {
		if e, ok := o.(*widget.Entry); ok {
			return e, func() { test.Tap(b) }
		}
	}
	return nil, nil
}

// confirmShown is the Yes of the confirmation dialog shown, tapped as the
// user does; nil when none is shown.
func (cv *compareView) confirmShown() (yes func()) {
	if b := cv.dialogButton("Yes"); b != nil {
		return func() { test.Tap(b) }
	}
	return nil
}

// diffShown is the Word diff dialog shown: its two column choices, the
// diff (the text it scrolls) and the summary line under the choices; all
// nil when none is shown.
func (cv *compareView) diffShown() (first, second *widget.Select, text *widget.RichText, info *widget.Label) {
	var selects []*widget.Select
	for _, o := range cv.dialogShown() {
		switch o := o.(type) {
		case *widget.Select:
			selects = append(selects, o)
		case *container.Scroll:
			if t, ok := o.Content.(*widget.RichText); ok {
				text = t
			}
		case *widget.Label:
			// The title is bold and the legend italic: the summary is
			// plain.
			if o.TextStyle == (fyne.TextStyle{}) && info == nil {
				info = o
			}
		}
	}
	if len(selects) != 2 || text == nil || info == nil {
		return nil, nil, nil, nil
	}
	return selects[0], selects[1], text, info
}

// renderedShown is the text of the Rendered prompt dialog shown (the
// prompt it scrolls); false when none is shown.
func (cv *compareView) renderedShown() (string, bool) {
	for _, o := range cv.dialogShown() {
		if s, ok := o.(*container.Scroll); ok {
			if l, ok := s.Content.(*widget.Label); ok && l.Selectable {
				return l.Text, true
			}
		}
	}
	return "", false
}
