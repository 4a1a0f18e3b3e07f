package ui

// Accessors of the image pane for its tests: the widgets the pane makes
// and hands to Fyne without keeping, found where the user finds them.

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// toolButtons name the buttons of the tool bar above the viewer that
// the pane keeps no field for, by what they show.
var toolButtons = map[string]func(b *widget.Button) bool{
	"zoom in": func(b *widget.Button) bool { return hasIcon(b, theme.ZoomInIcon()) },
	"fit":     func(b *widget.Button) bool { return hasIcon(b, theme.ZoomFitIcon()) },
	"1:1":     func(b *widget.Button) bool { return b.Text == "1:1" },
}

// hasIcon reports whether b shows icon.
func hasIcon(b *widget.Button, icon fyne.Resource) bool {
	return b.Icon != nil && b.Icon.Name() == icon.Name()
}

// toolButton is the tool bar's button called name in toolButtons. It
// panics when there is none.
func (p *imagePane) toolButton(name string) *widget.Button {
	if match := toolButtons[name]; match != nil {
		for _, o := range p.rowOf(p.measureSelect).Objects {
			if b, ok := o.(*widget.Button); ok && match(b) {
				return b
			}
		}
	}
	panic("no button " + name + " in the tool bar")
}

// resetWindowButton is the window row's button that restores the
// image's own window, Reset. It panics when there is none.
func (p *imagePane) resetWindowButton() *widget.Button {
	for _, o := range p.rowOf(p.modelInputCheck).Objects {
		if b, ok := o.(*widget.Button); ok && b.Text == "Reset" {
			return b
		}
	}
	panic("no Reset button in the window row")
}

// rowOf is the container in the Image tab that holds o itself: the tool
// bar for the measure choice, the window row for Model input. It panics
// when there is none.
func (p *imagePane) rowOf(o fyne.CanvasObject) *fyne.Container {
	for _, c := range test.LaidOutObjects(p.imageTab.Content) {
		if c, ok := c.(*fyne.Container); ok && slices.Contains(c.Objects, o) {
			return c
		}
	}
	panic("the Image tab does not show the object")
}

// annotation is the Annotate dialog an arrow opened: its text field and
// its Keep and Cancel buttons; all nil when no dialog is shown.
func (p *imagePane) annotation() (entry *widget.Entry, keep, cancel *widget.Button) {
	top := p.env.win.Canvas().Overlays().Top()
	if top == nil {
		return nil, nil, nil
	}
	for _, o := range test.LaidOutObjects(top) {
		switch o := o.(type) {
		case *widget.Entry:
			entry = o
		case *widget.Button:
			switch o.Text {
			case "Keep":
				keep = o
			case "Cancel":
				cancel = o
			}
		}
	}
	if entry == nil || keep == nil || cancel == nil {
		return nil, nil, nil
	}
	return entry, keep, cancel
}
