package ui

import (
	"image"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// Zoom limits, in device pixels per image pixel.
const (
	minZoom = 1.0 / 64
	maxZoom = 32
	// zoomStep is the factor of one +/- key press or one wheel notch.
	zoomStep = 1.25
)

// Overlay is the text shown in the corners of the viewer. It must hold
// no patient name, ID or birth date: the workbench builds it from
// core.StudyInfo and the view only.
type Overlay struct {
	TopLeft, TopRight, BottomLeft, BottomRight []string
}

// Viewer is the image viewport: a raster that shows one image (which may
// be a reduced copy of the original) zoomed and panned, centred on black,
// with an overlay. Pointer positions map to pixels of the original
// image. A primary-button drag reports OnDragged (the workbench changes
// the window); a middle-button drag, or any drag in pan mode, pans; the
// wheel steps through slices (OnStep), or zooms with Ctrl held; keys:
// PageUp/PageDown/Up/Down/Left/Right step, + and - zoom, 0 or F fits,
// 1 shows 1:1, I inverts.
type Viewer struct {
	widget.BaseWidget

	// OnDragged, if set, is called on the UI goroutine with the pointer's
	// movement, in Fyne units, while the primary button drags the image
	// outside pan mode.
	OnDragged func(dx, dy float32)
	// OnStep, if set, is called with -1 or +1 (or ±10 for PageUp and
	// PageDown with Shift) to show the previous or next slice or frame.
	OnStep func(delta int)
	// OnViewChanged, if set, is called after the zoom, pan or inversion
	// changed.
	OnViewChanged func()

	img         image.Image // shown; may be smaller than the original
	nativeW     int         // size of the original image, in pixels
	nativeH     int
	placeholder string
	overlay     Overlay
	invert      bool
	panMode     bool
	zoom        float64 // device pixels per original pixel; 0: fit
	center      [2]float64
	dragButton  desktop.MouseButton
	// keyMods are the modifier keys held: the desktop driver's (Fyne's
	// test driver has none to report).
	keyMods func() fyne.KeyModifier

	boxes          []core.Box // in pixels of a boxesW×boxesH original
	boxesW, boxesH int

	regionTool // what a drag draws, and what it drew (viewer_region.go)
	// OnRegion, if set, is called with the region, in original pixels,
	// when a drag in region mode ends.
	OnRegion func(image.Rectangle)

	// onDrawn, when set, is called where Fyne paints, after the raster
	// drew an image (not the placeholder); the image pane times the first
	// slice of an open with it.
	onDrawn func()
}

// NewViewer returns an empty viewer that shows placeholder until an image
// is set.
func NewViewer(placeholder string) *Viewer {
	v := &Viewer{placeholder: placeholder, keyMods: heldModifiers}
	v.ExtendBaseWidget(v)
	return v
}

// SetImage shows img at its own size, or the placeholder when img is nil.
// A new size resets the zoom to fit.
func (v *Viewer) SetImage(img image.Image) {
	w, h := 0, 0
	if img != nil {
		w, h = img.Bounds().Dx(), img.Bounds().Dy()
	}
	v.SetImageScaled(img, w, h)
}

// SetImageScaled shows img, a copy of an original of w×h pixels (img may
// be smaller, for example a preview). A new original size resets the
// zoom to fit.
func (v *Viewer) SetImageScaled(img image.Image, w, h int) {
	if w != v.nativeW || h != v.nativeH {
		v.zoom = 0
		v.center = [2]float64{float64(w) / 2, float64(h) / 2}
	}
	v.img, v.nativeW, v.nativeH = img, w, h
	v.Refresh()
}

// SetBoxes draws boxes, rectangles in pixels of a w×h original with
// their labels, over the image while the original shown is w×h; nil
// clears them. They follow the zoom and pan.
func (v *Viewer) SetBoxes(boxes []core.Box, w, h int) {
	if len(boxes) == 0 && len(v.boxes) == 0 {
		return
	}
	v.boxes, v.boxesW, v.boxesH = boxes, w, h
	v.Refresh()
}

// Boxes returns the boxes drawn over the image shown.
func (v *Viewer) Boxes() []core.Box {
	if !v.boxesShown() {
		return nil
	}
	return v.boxes
}

// boxesShown reports whether the boxes are about the original shown.
func (v *Viewer) boxesShown() bool {
	return len(v.boxes) > 0 && v.img != nil && v.boxesW == v.nativeW && v.boxesH == v.nativeH
}

// viewPoint maps a point of the original image (in pixels) to a position
// in the viewer: imagePoint's inverse.
func (v *Viewer) viewPoint(x, y float64) fyne.Position {
	z := v.Zoom()
	size := v.Size()
	s := float64(v.scale())
	return fyne.NewPos(float32((x-v.center[0])*z/s+float64(size.Width)/2), float32((y-v.center[1])*z/s+float64(size.Height)/2))
}

// Image returns the image shown, or nil.
func (v *Viewer) Image() image.Image {
	return v.img
}

// SetOverlay sets the text in the corners.
func (v *Viewer) SetOverlay(o Overlay) {
	v.overlay = o
	v.Refresh()
}

// OverlayText returns all overlay text as shown, line by line, the zoom
// line included.
func (v *Viewer) OverlayText() string {
	var lines []string
	for _, c := range v.overlayCorners() {
		lines = append(lines, c...)
	}
	return strings.Join(lines, "\n")
}

// SetInverted shows the image with its grey levels inverted.
func (v *Viewer) SetInverted(on bool) {
	if v.invert != on {
		v.invert = on
		v.viewChanged()
	}
}

// Inverted reports whether the image is shown inverted.
func (v *Viewer) Inverted() bool { return v.invert }

// SetPanMode makes a primary-button drag pan instead of windowing.
func (v *Viewer) SetPanMode(on bool) { v.panMode = on }

// Fit zooms so that the whole image fits, centred.
func (v *Viewer) Fit() {
	v.zoom = 0
	v.center = [2]float64{float64(v.nativeW) / 2, float64(v.nativeH) / 2}
	v.viewChanged()
}

// ZoomTo sets the zoom in device pixels per image pixel (1 is 1:1),
// keeping the image point under the centre of the viewer.
func (v *Viewer) ZoomTo(z float64) {
	v.zoom = min(max(z, minZoom), maxZoom)
	v.viewChanged()
}

// ZoomBy multiplies the zoom by f, keeping the image point at pos (in
// the viewer) where it is.
func (v *Viewer) ZoomBy(f float64, pos fyne.Position) {
	if v.nativeW == 0 {
		return
	}
	before, okBefore := v.imagePoint(pos)
	v.zoom = min(max(v.Zoom()*f, minZoom), maxZoom)
	if okBefore {
		after, _ := v.imagePoint(pos)
		v.center[0] += before[0] - after[0]
		v.center[1] += before[1] - after[1]
	}
	v.viewChanged()
}

// Zoom returns the zoom in device pixels per image pixel, the fit zoom
// while fitting.
func (v *Viewer) Zoom() float64 {
	if v.zoom > 0 {
		return v.zoom
	}
	return v.fitZoom()
}

// Fitting reports whether the viewer fits the image to its size.
func (v *Viewer) Fitting() bool { return v.zoom == 0 }

// Pan moves the image by dx, dy Fyne units.
func (v *Viewer) Pan(dx, dy float32) {
	z := v.Zoom()
	if z == 0 {
		return
	}
	if v.zoom == 0 {
		v.zoom = z
	}
	s := float64(v.scale())
	v.center[0] -= float64(dx) * s / z
	v.center[1] -= float64(dy) * s / z
	v.viewChanged()
}

func (v *Viewer) viewChanged() {
	v.Refresh()
	if v.OnViewChanged != nil {
		v.OnViewChanged()
	}
}

// scale returns device pixels per Fyne unit of the viewer's canvas.
func (v *Viewer) scale() float32 {
	if app := fyne.CurrentApp(); app != nil {
		if c := app.Driver().CanvasForObject(v); c != nil && c.Scale() > 0 {
			return c.Scale()
		}
	}
	return 1
}

// fitZoom is the zoom at which the whole image fits the viewer.
func (v *Viewer) fitZoom() float64 {
	size := v.Size()
	if v.nativeW < 1 || v.nativeH < 1 || size.Width <= 0 || size.Height <= 0 {
		return 0
	}
	s := float64(v.scale())
	return min(float64(size.Width)*s/float64(v.nativeW), float64(size.Height)*s/float64(v.nativeH))
}

// imagePoint maps a position in the viewer to a point of the original
// image (in pixels, possibly outside it).
func (v *Viewer) imagePoint(pos fyne.Position) ([2]float64, bool) {
	z := v.Zoom()
	if z == 0 {
		return [2]float64{}, false
	}
	size := v.Size()
	s := float64(v.scale())
	return [2]float64{
		v.center[0] + (float64(pos.X)-float64(size.Width)/2)*s/z,
		v.center[1] + (float64(pos.Y)-float64(size.Height)/2)*s/z,
	}, true
}
