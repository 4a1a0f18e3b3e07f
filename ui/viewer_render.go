package ui

// The viewer's renderer: the raster (the view and the shapes over it,
// drawn by internal/viewport), the placeholder, the overlay's corners and
// the boxes' labels.

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/viewport"
)

// overlayColor is the colour of the overlay text: light grey, readable
// on black and on most images.
var overlayColor = color.NRGBA{R: 0xe0, G: 0xe0, B: 0x60, A: 0xff}

// boxColor is the colour of localization boxes and their labels: cyan,
// apart from the overlay's yellow.
var boxColor = color.NRGBA{R: 0x30, G: 0xe0, B: 0xff, A: 0xff}

// regionColor is the colour of the region drawn: amber.
var regionColor = color.RGBA{R: 0xff, G: 0xb0, B: 0x00, A: 0xff}

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
	view := viewport.View{Zoom: z, Center: v.center}
	viewport.Draw(r.buf, v.img, v.nativeW, v.nativeH, view, v.invert)
	// Lines two device pixels wide at the canvas's scale.
	line := max(1, int(math.Round(2*float64(w)/float64(max(v.Size().Width, 1)))))
	if v.boxesShown() && z > 0 {
		for _, b := range v.boxes {
			viewport.Box(r.buf, view, [2]float64{b.X0, b.Y0}, [2]float64{b.X1, b.Y1}, line, color.RGBA{R: boxColor.R, G: boxColor.G, B: boxColor.B, A: 0xff})
		}
	}
	if v.regionShown() && z > 0 {
		g := v.region
		switch v.regionKind {
		case core.MeasureEllipse:
			viewport.Ellipse(r.buf, view, g, line, regionColor)
		case core.MeasureLength:
			viewport.Line(r.buf, view, v.line, line, regionColor)
		case core.MeasureArrow:
			viewport.Arrow(r.buf, view, v.line, line, regionColor)
		default:
			viewport.Box(r.buf, view, [2]float64{float64(g.Min.X), float64(g.Min.Y)}, [2]float64{float64(g.Max.X), float64(g.Max.Y)}, line, regionColor)
		}
	}
	if v.img != nil && v.onDrawn != nil {
		v.onDrawn()
	}
	return r.buf
}
