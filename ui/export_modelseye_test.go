package ui

// Accessors of the model's-eye view for its tests: the widgets it makes
// and hands to Fyne without keeping, found where the user finds them.

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// recipeButton is the recipe row's button that reads text ("Edit
// recipe…", "Rendered prompt…"), shown or in the row's menu. It panics
// when there is none.
func (e *modelsEye) recipeButton(text string) *widget.Button {
	if b := buttonIn(e.tab, text); b != nil {
		return b
	}
	panic("no button " + text + " in the model's-eye tab")
}

// content is the tab below the recipe row: the controls, the info line
// and the inputs.
func (e *modelsEye) content() fyne.CanvasObject {
	return e.tab.(*fyne.Container).Objects[0]
}

// buttonIn is the button reading text among the objects that o's
// containers hold, hidden or not (widgets are not looked into); nil when
// there is none.
func buttonIn(o fyne.CanvasObject, text string) *widget.Button {
	switch o := o.(type) {
	case *widget.Button:
		if o.Text == text {
			return o
		}
	case *fyne.Container:
		for _, c := range o.Objects {
			if b := buttonIn(c, text); b != nil {
				return b
			}
		}
	case *container.Scroll:
		return buttonIn(o.Content, text)
	}
	return nil
}
