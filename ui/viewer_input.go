package ui

// The viewer's pointer and keys: taps focus it, drags window, pan or
// draw a region, the wheel steps or zooms, keys step, zoom and invert.

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// Tapped implements fyne.Tappable: it takes the keyboard focus.
func (v *Viewer) Tapped(*fyne.PointEvent) { v.focus() }

func (v *Viewer) focus() {
	if app := fyne.CurrentApp(); app != nil {
		if c := app.Driver().CanvasForObject(v); c != nil {
			c.Focus(v)
		}
	}
}

// MouseDown implements desktop.Mouseable: it notes the button that may
// start a drag.
func (v *Viewer) MouseDown(e *desktop.MouseEvent) {
	v.dragButton = e.Button
	if e.Button == desktop.MouseButtonPrimary {
		v.focus()
	}
}

// MouseUp implements desktop.Mouseable.
func (v *Viewer) MouseUp(*desktop.MouseEvent) {}

// Dragged implements fyne.Draggable.
func (v *Viewer) Dragged(e *fyne.DragEvent) {
	if v.panMode || v.dragButton == desktop.MouseButtonTertiary {
		v.Pan(e.Dragged.DX, e.Dragged.DY)
		return
	}
	if v.regionMode && v.img != nil {
		v.dragRegion(e)
		return
	}
	if v.OnDragged != nil {
		v.OnDragged(e.Dragged.DX, e.Dragged.DY)
	}
}

// DragEnd implements fyne.Draggable: a region drawn is reported.
func (v *Viewer) DragEnd() {
	v.dragButton = 0
	v.endRegionDrag()
}

// Scrolled implements fyne.Scrollable: the wheel steps through slices,
// or zooms around the pointer with Ctrl held.
func (v *Viewer) Scrolled(e *fyne.ScrollEvent) {
	d := e.Scrolled.DY
	if d == 0 {
		return
	}
	if v.keyMods()&(fyne.KeyModifierControl|fyne.KeyModifierSuper) != 0 {
		f := zoomStep
		if d < 0 {
			f = 1 / zoomStep
		}
		v.ZoomBy(f, e.Position)
		return
	}
	if v.OnStep != nil {
		if d > 0 {
			v.OnStep(-1) // wheel up: towards the first slice
		} else {
			v.OnStep(1)
		}
	}
}

// heldModifiers are the modifier keys the desktop driver reports held;
// none where it is no desktop driver.
func heldModifiers() fyne.KeyModifier {
	if app := fyne.CurrentApp(); app != nil {
		if d, ok := app.Driver().(desktop.Driver); ok {
			return d.CurrentKeyModifiers()
		}
	}
	return 0
}

// FocusGained implements fyne.Focusable.
func (v *Viewer) FocusGained() {}

// FocusLost implements fyne.Focusable.
func (v *Viewer) FocusLost() {}

// TypedRune implements fyne.Focusable: + and - zoom, 0 and f fit, 1
// shows 1:1, i inverts.
func (v *Viewer) TypedRune(r rune) {
	size := v.Size()
	mid := fyne.NewPos(size.Width/2, size.Height/2)
	switch r {
	case '+', '=':
		v.ZoomBy(zoomStep, mid)
	case '-':
		v.ZoomBy(1/zoomStep, mid)
	case '0', 'f', 'F':
		v.Fit()
	case '1':
		v.ZoomTo(1)
	case 'i', 'I':
		v.SetInverted(!v.invert)
	}
}

// TypedKey implements fyne.Focusable: PageUp, PageDown and the arrow keys
// step through slices.
func (v *Viewer) TypedKey(e *fyne.KeyEvent) {
	if v.OnStep == nil {
		return
	}
	switch e.Name {
	case fyne.KeyPageUp, fyne.KeyUp, fyne.KeyLeft:
		v.OnStep(-1)
	case fyne.KeyPageDown, fyne.KeyDown, fyne.KeyRight:
		v.OnStep(1)
	}
}
