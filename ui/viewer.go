package ui

import (
	"image"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// viewerBackground is the colour around the image: black, as on a
// radiology display.
var viewerBackground = color.Black

// Viewer is the image viewport. It shows one image scaled to fit, keeping
// its aspect ratio, centred on black, and reports mouse drags so that the
// workbench can adjust the window.
type Viewer struct {
	widget.BaseWidget

	// OnDragged, if set, is called on the UI goroutine with the pointer's
	// movement, in Fyne units, while the mouse is dragged over the viewer.
	OnDragged func(dx, dy float32)

	img         image.Image
	placeholder string
}

// NewViewer returns an empty viewer that shows placeholder until an image
// is set.
func NewViewer(placeholder string) *Viewer {
	v := &Viewer{placeholder: placeholder}
	v.ExtendBaseWidget(v)
	return v
}

// SetImage shows img, or the placeholder when img is nil.
func (v *Viewer) SetImage(img image.Image) {
	v.img = img
	v.Refresh()
}

// Image returns the image shown, or nil.
func (v *Viewer) Image() image.Image {
	return v.img
}

// PixelAt maps a position in the viewer to the pixel of the image shown
// there. It reports false when no image is shown or pos lies outside it.
func (v *Viewer) PixelAt(pos fyne.Position) (image.Point, bool) {
	if v.img == nil {
		return image.Point{}, false
	}
	return pixelAt(pos, v.Size(), v.img.Bounds())
}

// Dragged implements fyne.Draggable.
func (v *Viewer) Dragged(e *fyne.DragEvent) {
	if v.OnDragged != nil {
		v.OnDragged(e.Dragged.DX, e.Dragged.DY)
	}
}

// DragEnd implements fyne.Draggable.
func (v *Viewer) DragEnd() {}

// CreateRenderer implements fyne.Widget.
func (v *Viewer) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(viewerBackground)
	img := &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScaleSmooth}
	text := canvas.NewText(v.placeholder, theme.Color(theme.ColorNamePlaceHolder))
	text.Alignment = fyne.TextAlignCenter
	r := &viewerRenderer{v: v, bg: bg, img: img, text: text}
	r.Refresh()
	return r
}

// containRect returns where an image of size w×h lies when it is scaled to
// fit into size, keeping its aspect ratio, and centred: its top-left corner
// and the scale from image pixels to Fyne units.
func containRect(size fyne.Size, w, h int) (origin fyne.Position, scale float32) {
	if w < 1 || h < 1 || size.Width <= 0 || size.Height <= 0 {
		return fyne.Position{}, 0
	}
	scale = min(size.Width/float32(w), size.Height/float32(h))
	origin = fyne.NewPos((size.Width-float32(w)*scale)/2, (size.Height-float32(h)*scale)/2)
	return origin, scale
}

// pixelAt maps pos in a viewer of the given size to a pixel of an image
// with bounds b shown with contain fit.
func pixelAt(pos fyne.Position, size fyne.Size, b image.Rectangle) (image.Point, bool) {
	origin, scale := containRect(size, b.Dx(), b.Dy())
	if scale == 0 {
		return image.Point{}, false
	}
	fx := (pos.X - origin.X) / scale
	fy := (pos.Y - origin.Y) / scale
	if fx < 0 || fy < 0 || fx >= float32(b.Dx()) || fy >= float32(b.Dy()) {
		return image.Point{}, false
	}
	return image.Pt(b.Min.X+int(fx), b.Min.Y+int(fy)), true
}

type viewerRenderer struct {
	v    *Viewer
	bg   *canvas.Rectangle
	img  *canvas.Image
	text *canvas.Text
}

func (r *viewerRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	r.img.Resize(size)
	ts := r.text.MinSize()
	r.text.Move(fyne.NewPos(0, (size.Height-ts.Height)/2))
	r.text.Resize(fyne.NewSize(size.Width, ts.Height))
}

func (r *viewerRenderer) MinSize() fyne.Size {
	return fyne.NewSize(240, 240)
}

// Refresh copies the viewer's state onto the canvas objects.
func (r *viewerRenderer) Refresh() {
	r.text.Text = r.v.placeholder
	r.text.Color = theme.Color(theme.ColorNamePlaceHolder)
	r.text.Hidden = r.v.img != nil
	r.img.Image = r.v.img
	r.img.Hidden = r.v.img == nil
	r.bg.Refresh()
	r.text.Refresh()
	r.img.Refresh()
}

func (r *viewerRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.bg, r.img, r.text}
}

func (r *viewerRenderer) Destroy() {}
