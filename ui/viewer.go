package ui

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"math"
	"runtime"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// viewerBackground is the colour around the image: black, as on a
// radiology display.
var viewerBackground = color.Black

// overlayColor is the colour of the overlay text: light grey, readable
// on black and on most images.
var overlayColor = color.NRGBA{R: 0xe0, G: 0xe0, B: 0x60, A: 0xff}

// boxColor is the colour of localization boxes and their labels: cyan,
// apart from the overlay's yellow.
var boxColor = color.NRGBA{R: 0x30, G: 0xe0, B: 0xff, A: 0xff}

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

	img          image.Image // shown; may be smaller than the original
	nativeW      int         // size of the original image, in pixels
	nativeH      int
	placeholder  string
	overlay      Overlay
	invert       bool
	panMode      bool
	zoom         float64 // device pixels per original pixel; 0: fit
	center       [2]float64
	dragButton   desktop.MouseButton
	ctrlOverride *bool // for tests: whether Ctrl is held

	boxes          []core.Box // in pixels of a boxesW×boxesH original
	boxesW, boxesH int

	// In region mode a primary-button drag draws a rectangle, region, in
	// original pixels (clipped to the image); OnRegion, if set, is called
	// with it when the drag ends. regionFrom is where the drag started.
	regionMode bool
	// regionShape is what a drag draws: "rectangle", "ellipse" (the one
	// region bounds) or "length" (a line from line[0] to line[1]).
	regionShape string
	line        [2][2]float64
	region      image.Rectangle
	regionSize  [2]int // the original's size the region is about
	regionFrom  [2]float64
	regionDrag  bool
	OnRegion    func(image.Rectangle)

	// onDrawn, when set, is called where Fyne paints, after the raster
	// drew an image (not the placeholder); the image pane times the first
	// slice of an open with it.
	onDrawn func()
}

// regionColor is the colour of the region drawn: amber.
var regionColor = color.RGBA{R: 0xff, G: 0xb0, B: 0x00, A: 0xff}

// SetRegionMode makes a primary-button drag draw shape — "rectangle",
// "ellipse" or "length" — or, for "", change the window; a new shape
// clears what was drawn.
func (v *Viewer) SetRegionMode(shape string) {
	v.regionMode = shape != ""
	if shape != "" && shape != v.regionShape {
		v.regionShape = shape
		v.SetRegion(image.Rectangle{})
	}
}

// RegionShape is the shape a drag draws (or last drew).
func (v *Viewer) RegionShape() string { return v.regionShape }

// Line is the length drawn: its two ends, in pixels of the original.
func (v *Viewer) Line() [2][2]float64 { return v.line }

// Region is the region drawn, in pixels of the original; empty for none.
func (v *Viewer) Region() image.Rectangle { return v.region }

// SetRegion draws r (original pixels; empty clears it).
func (v *Viewer) SetRegion(r image.Rectangle) {
	v.region, v.regionSize = r, [2]int{v.nativeW, v.nativeH}
	v.Refresh()
}

// regionShown reports whether the region is about the original shown
// (not, say, the 896×896 model input shown instead).
func (v *Viewer) regionShown() bool {
	return !v.region.Empty() && v.img != nil && v.regionSize == [2]int{v.nativeW, v.nativeH}
}

// NewViewer returns an empty viewer that shows placeholder until an image
// is set.
func NewViewer(placeholder string) *Viewer {
	v := &Viewer{placeholder: placeholder}
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
		to, ok := v.imagePoint(e.Position)
		if !ok {
			return
		}
		if !v.regionDrag {
			from, _ := v.imagePoint(e.Position.Subtract(fyne.NewPos(e.Dragged.DX, e.Dragged.DY)))
			v.regionFrom, v.regionDrag = from, true
		}
		f := v.regionFrom
		v.line = [2][2]float64{f, to}
		r := image.Rect(int(math.Floor(f[0])), int(math.Floor(f[1])), int(math.Ceil(to[0])), int(math.Ceil(to[1]))).Canon()
		v.region, v.regionSize = r.Intersect(image.Rect(0, 0, v.nativeW, v.nativeH)), [2]int{v.nativeW, v.nativeH}
		v.Refresh()
		return
	}
	if v.OnDragged != nil {
		v.OnDragged(e.Dragged.DX, e.Dragged.DY)
	}
}

// DragEnd implements fyne.Draggable: a region drawn is reported.
func (v *Viewer) DragEnd() {
	v.dragButton = 0
	if v.regionDrag {
		v.regionDrag = false
		if v.OnRegion != nil && !v.region.Empty() {
			v.OnRegion(v.region)
		}
	}
}

// Scrolled implements fyne.Scrollable: the wheel steps through slices,
// or zooms around the pointer with Ctrl held.
func (v *Viewer) Scrolled(e *fyne.ScrollEvent) {
	d := e.Scrolled.DY
	if d == 0 {
		return
	}
	if v.ctrlHeld() {
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

func (v *Viewer) ctrlHeld() bool {
	if v.ctrlOverride != nil {
		return *v.ctrlOverride
	}
	if app := fyne.CurrentApp(); app != nil {
		if d, ok := app.Driver().(desktop.Driver); ok {
			m := d.CurrentKeyModifiers()
			return m&(fyne.KeyModifierControl|fyne.KeyModifierSuper) != 0
		}
	}
	return false
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

// overlayCorners returns the overlay's corners, with the zoom added to
// the bottom right while an image is shown.
func (v *Viewer) overlayCorners() [4][]string {
	c := [4][]string{v.overlay.TopLeft, v.overlay.TopRight, v.overlay.BottomLeft, v.overlay.BottomRight}
	if v.img != nil {
		z := "Zoom " + formatPercent(v.Zoom())
		if v.zoom == 0 {
			z += " (fit)"
		}
		if v.invert {
			z += " · inverted"
		}
		c[3] = append(append([]string(nil), c[3]...), z)
	}
	return c
}

func formatPercent(z float64) string {
	return fmt.Sprintf("%.0f%%", math.Round(z*100))
}

// CreateRenderer implements fyne.Widget.
func (v *Viewer) CreateRenderer() fyne.WidgetRenderer {
	r := &viewerRenderer{v: v}
	r.raster = canvas.NewRaster(r.draw)
	r.raster.ScaleMode = canvas.ImageScalePixels
	r.text = canvas.NewText(v.placeholder, theme.Color(theme.ColorNamePlaceHolder))
	r.text.Alignment = fyne.TextAlignCenter
	r.Refresh()
	return r
}

type viewerRenderer struct {
	v         *Viewer
	raster    *canvas.Raster
	text      *canvas.Text
	corners   [4][]*canvas.Text
	boxLabels []*canvas.Text // one a box shown
	buf       *image.RGBA
	size      fyne.Size
}

func (r *viewerRenderer) Layout(size fyne.Size) {
	if size != r.size && r.v.img != nil && r.v.zoom == 0 {
		r.size = size
		r.Refresh() // the fit zoom in the overlay follows the size
		return
	}
	r.size = size
	r.layoutObjects()
}

// layoutObjects places the raster, the placeholder and the overlay in
// r.size.
func (r *viewerRenderer) layoutObjects() {
	size := r.size
	r.raster.Resize(size)
	ts := r.text.MinSize()
	r.text.Move(fyne.NewPos(0, (size.Height-ts.Height)/2))
	r.text.Resize(fyne.NewSize(size.Width, ts.Height))
	r.layoutOverlay()
	r.layoutBoxLabels()
}

// layoutBoxLabels puts each box's label above its top-left corner (inside
// the box when there is no room above), hidden when outside the viewer.
func (r *viewerRenderer) layoutBoxLabels() {
	v := r.v
	for i, t := range r.boxLabels {
		if i >= len(v.boxes) {
			break
		}
		b := v.boxes[i]
		ts := t.MinSize()
		pos := v.viewPoint(b.X0, b.Y0)
		if pos.Y-ts.Height >= 0 {
			pos.Y -= ts.Height
		}
		t.Move(pos)
		t.Resize(ts)
		t.Hidden = pos.X < 0 || pos.Y < 0 || pos.X+ts.Width > r.size.Width || pos.Y+ts.Height > r.size.Height
	}
}

func (r *viewerRenderer) layoutOverlay() {
	const pad = 6
	size := r.size
	for i, lines := range r.corners {
		h := float32(0)
		for _, t := range lines {
			h += t.MinSize().Height
		}
		y := float32(pad)
		if i >= 2 {
			y = size.Height - pad - h
		}
		for _, t := range lines {
			ts := t.MinSize()
			x := float32(pad)
			if i%2 == 1 {
				x = size.Width - pad - ts.Width
			}
			t.Move(fyne.NewPos(x, y))
			t.Resize(ts)
			y += ts.Height
		}
	}
}

func (r *viewerRenderer) MinSize() fyne.Size {
	return fyne.NewSize(240, 240)
}

// Refresh copies the viewer's state onto the canvas objects.
func (r *viewerRenderer) Refresh() {
	r.text.Text = r.v.placeholder
	r.text.Color = theme.Color(theme.ColorNamePlaceHolder)
	r.text.Hidden = r.v.img != nil
	corners := r.v.overlayCorners()
	for i, lines := range corners {
		for len(r.corners[i]) < len(lines) {
			t := canvas.NewText("", overlayColor)
			t.TextSize = theme.CaptionTextSize()
			t.TextStyle = fyne.TextStyle{Monospace: true}
			if i%2 == 1 {
				t.Alignment = fyne.TextAlignTrailing
			}
			r.corners[i] = append(r.corners[i], t)
		}
		r.corners[i] = r.corners[i][:len(lines)]
		for j, l := range lines {
			r.corners[i][j].Text = l
		}
	}
	n := 0
	if r.v.boxesShown() {
		n = len(r.v.boxes)
	}
	for len(r.boxLabels) < n {
		t := canvas.NewText("", boxColor)
		t.TextSize = theme.CaptionTextSize()
		t.TextStyle = fyne.TextStyle{Bold: true}
		r.boxLabels = append(r.boxLabels, t)
	}
	r.boxLabels = r.boxLabels[:n]
	for i, t := range r.boxLabels {
		t.Text = r.v.boxes[i].Label
	}
	r.layoutObjects()
	r.raster.Refresh()
	r.text.Refresh()
	for _, c := range r.corners {
		for _, t := range c {
			t.Refresh()
		}
	}
	for _, t := range r.boxLabels {
		t.Refresh()
	}
}

func (r *viewerRenderer) Objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{r.raster, r.text}
	for _, c := range r.corners {
		for _, t := range c {
			objs = append(objs, t)
		}
	}
	for _, t := range r.boxLabels {
		objs = append(objs, t)
	}
	return objs
}

func (r *viewerRenderer) Destroy() {}

// draw is the raster's generator: it samples the image for a w×h device
// pixel viewport. It runs where Fyne paints, so it only maps pixels.
func (r *viewerRenderer) draw(w, h int) image.Image {
	if r.buf == nil || r.buf.Rect.Dx() != w || r.buf.Rect.Dy() != h {
		r.buf = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	v := r.v
	z := v.Zoom()
	if v.img != nil && z > 0 && v.Size().Width > 0 {
		// The raster may be drawn at another scale than the canvas's.
		z *= float64(w) / (float64(v.Size().Width) * float64(v.scale()))
	}
	drawView(r.buf, v.img, v.nativeW, v.nativeH, z, v.center, v.invert)
	if v.boxesShown() && z > 0 {
		// Lines two device pixels wide at the canvas's scale.
		line := max(1, int(math.Round(2*float64(w)/float64(max(v.Size().Width, 1)))))
		for _, b := range v.boxes {
			drawBox(r.buf, b, z, v.center, line, color.RGBA{R: boxColor.R, G: boxColor.G, B: boxColor.B, A: 0xff})
		}
	}
	if v.regionShown() && z > 0 {
		line := max(1, int(math.Round(2*float64(w)/float64(max(v.Size().Width, 1)))))
		g := v.region
		switch v.regionShape {
		case "ellipse":
			drawEllipse(r.buf, g, z, v.center, line, regionColor)
		case "length":
			drawLine(r.buf, v.line, z, v.center, line, regionColor)
		case "arrow":
			drawArrow(r.buf, v.line, z, v.center, line, regionColor)
		default:
			drawBox(r.buf, core.Box{X0: float64(g.Min.X), Y0: float64(g.Min.Y), X1: float64(g.Max.X), Y1: float64(g.Max.Y)}, z, v.center, line, regionColor)
		}
	}
	if v.img != nil && v.onDrawn != nil {
		v.onDrawn()
	}
	return r.buf
}

// drawBox outlines b (in original pixels, X1 and Y1 exclusive) on dst, the
// view at zoom z around the original's point center, with lines line
// pixels wide inside the box's edge, clipped to dst.
func drawBox(dst *image.RGBA, b core.Box, z float64, center [2]float64, line int, col color.RGBA) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	at := func(v, c float64, size int) int { return int(math.Round((v-c)*z + float64(size)/2)) }
	x0, x1 := at(b.X0, center[0], w), at(b.X1, center[0], w)
	y0, y1 := at(b.Y0, center[1], h), at(b.Y1, center[1], h)
	x1, y1 = max(x1, x0+1), max(y1, y0+1)
	fill := func(r image.Rectangle) {
		r = r.Intersect(dst.Rect)
		c := color.RGBA{R: col.R, G: col.G, B: col.B, A: 0xff}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				dst.SetRGBA(x, y, c)
			}
		}
	}
	t := min(line, (x1-x0+1)/2, (y1-y0+1)/2)
	fill(image.Rect(x0, y0, x1, y0+t))
	fill(image.Rect(x0, y1-t, x1, y1))
	fill(image.Rect(x0, y0, x0+t, y1))
	fill(image.Rect(x1-t, y0, x1, y1))
}

// drawView fills dst with the view of src (a copy of a nativeW×nativeH
// original, possibly reduced) at zoom z (dst pixels per original pixel)
// with the original's point center in the middle of dst: nearest
// neighbour, opaque black outside the image, grey levels inverted if
// invert. Rows are drawn in parallel.
func drawView(dst *image.RGBA, src image.Image, nativeW, nativeH int, z float64, center [2]float64, invert bool) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	if src == nil || z <= 0 || nativeW < 1 || nativeH < 1 {
		fillBlack(dst.Pix)
		return
	}
	sb := src.Bounds()
	sy := float64(sb.Dy()) / float64(nativeH) // source rows per original row
	cols := sourceColumns(w, sb.Dx(), nativeW, z, center[0])
	var flip uint8
	if invert {
		flip = 0xff
	}
	drawRow := rowDrawer(src, cols, flip)
	inParallel(h, min(runtime.GOMAXPROCS(0), max(1, w*h/(256*256))), func(y int) {
		out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		ny := center[1] + (float64(y)+0.5-float64(h)/2)/z
		if ny < 0 || ny >= float64(nativeH) {
			fillBlack(out)
			return
		}
		drawRow(out, min(int(ny*sy), sb.Dy()-1))
	})
}

// sourceColumns maps each of w destination columns to its column of a
// source srcW pixels wide (a copy of an original nativeW wide) at zoom z
// around the original's column center; -1 outside the image.
func sourceColumns(w, srcW, nativeW int, z, center float64) []int {
	sx := float64(srcW) / float64(nativeW) // source pixels per original pixel
	cols := make([]int, w)
	for x := range cols {
		nx := center + (float64(x)+0.5-float64(w)/2)/z
		if nx < 0 || nx >= float64(nativeW) {
			cols[x] = -1
			continue
		}
		cols[x] = min(int(nx*sx), srcW-1)
	}
	return cols
}

// rowDrawer returns the function that draws source row row of src into
// the destination row out through cols, its levels xor flip: a fast path
// for grey and RGBA images, image.Image's At for the others.
func rowDrawer(src image.Image, cols []int, flip uint8) func(out []uint8, row int) {
	sb := src.Bounds()
	switch src := src.(type) {
	case *image.Gray:
		return func(out []uint8, row int) {
			in := src.Pix[(row+sb.Min.Y-src.Rect.Min.Y)*src.Stride+(sb.Min.X-src.Rect.Min.X):]
			for x, c := range cols {
				v := uint32(0xff000000)
				if c >= 0 {
					v = greyRGBA[in[c]^flip]
				}
				binary.LittleEndian.PutUint32(out[4*x:], v)
			}
		}
	case *image.RGBA:
		return func(out []uint8, row int) {
			in := src.Pix[(row+sb.Min.Y-src.Rect.Min.Y)*src.Stride+4*(sb.Min.X-src.Rect.Min.X):]
			for x, c := range cols {
				px := out[4*x : 4*x+4 : 4*x+4]
				if c < 0 {
					px[0], px[1], px[2], px[3] = 0, 0, 0, 0xff
					continue
				}
				q := in[4*c : 4*c+3 : 4*c+3]
				px[0], px[1], px[2], px[3] = q[0]^flip, q[1]^flip, q[2]^flip, 0xff
			}
		}
	}
	return func(out []uint8, row int) {
		for x, c := range cols {
			px := out[4*x : 4*x+4 : 4*x+4]
			if c < 0 {
				px[0], px[1], px[2], px[3] = 0, 0, 0, 0xff
				continue
			}
			cr, cg, cb, _ := src.At(sb.Min.X+c, sb.Min.Y+row).RGBA()
			px[0], px[1], px[2], px[3] = uint8(cr>>8)^flip, uint8(cg>>8)^flip, uint8(cb>>8)^flip, 0xff
		}
	}
}

// inParallel calls row for each y in [0, h), the rows split into n bands
// drawn at once.
func inParallel(h, n int, row func(y int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for y := i * h / n; y < (i+1)*h/n; y++ {
				row(y)
			}
		}()
	}
	wg.Wait()
}

// greyRGBA maps a grey level to its opaque RGBA pixel, little endian.
var greyRGBA = func() (t [256]uint32) {
	for g := range t {
		v := uint32(g)
		t[g] = 0xff000000 | v<<16 | v<<8 | v
	}
	return t
}()

// fillBlack sets RGBA pixels to opaque black.
func fillBlack(pix []uint8) {
	for i := 0; i+3 < len(pix); i += 4 {
		pix[i], pix[i+1], pix[i+2], pix[i+3] = 0, 0, 0, 0xff
	}
}

// plot sets the line-wide square of dst around (x, y) to col.
func plot(dst *image.RGBA, x, y, line int, col color.RGBA) {
	for j := y - line/2; j < y-line/2+line; j++ {
		for i := x - line/2; i < x-line/2+line; i++ {
			if image.Pt(i, j).In(dst.Rect) {
				dst.SetRGBA(i, j, col)
			}
		}
	}
}

// drawEllipse outlines the ellipse r bounds (original pixels) on dst, the
// view at zoom z around center.
func drawEllipse(dst *image.RGBA, r image.Rectangle, z float64, center [2]float64, line int, col color.RGBA) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	cx := (float64(r.Min.X+r.Max.X)/2-center[0])*z + float64(w)/2
	cy := (float64(r.Min.Y+r.Max.Y)/2-center[1])*z + float64(h)/2
	rx, ry := float64(r.Dx())/2*z, float64(r.Dy())/2*z
	n := max(16, int(4*(rx+ry)))
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		plot(dst, int(math.Round(cx+rx*math.Cos(a))), int(math.Round(cy+ry*math.Sin(a))), line, col)
	}
}

// drawLine draws the segment between two points of the original on dst,
// the view at zoom z around center.
func drawLine(dst *image.RGBA, ends [2][2]float64, z float64, center [2]float64, line int, col color.RGBA) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	at := func(p [2]float64) (float64, float64) {
		return (p[0]-center[0])*z + float64(w)/2, (p[1]-center[1])*z + float64(h)/2
	}
	x0, y0 := at(ends[0])
	x1, y1 := at(ends[1])
	n := max(1, int(math.Ceil(math.Hypot(x1-x0, y1-y0))))
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		plot(dst, int(math.Round(x0+(x1-x0)*t)), int(math.Round(y0+(y1-y0)*t)), line, col)
	}
}

// drawArrow draws an arrow from ends[0] to the point ends[1], its head
// two short strokes at 25° to the shaft.
func drawArrow(dst *image.RGBA, ends [2][2]float64, z float64, center [2]float64, line int, col color.RGBA) {
	drawLine(dst, ends, z, center, line, col)
	dx, dy := ends[0][0]-ends[1][0], ends[0][1]-ends[1][1]
	n := math.Hypot(dx, dy)
	if n == 0 {
		return
	}
	head := math.Min(n/3, 14/z) // about 14 screen pixels
	for _, a := range []float64{0.44, -0.44} {
		c, s := math.Cos(a), math.Sin(a)
		tip := [2]float64{ends[1][0] + (dx*c-dy*s)/n*head, ends[1][1] + (dx*s+dy*c)/n*head}
		drawLine(dst, [2][2]float64{ends[1], tip}, z, center, line, col)
	}
}
