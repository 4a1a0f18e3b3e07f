package ui

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

// mprDecimation is the step of a plane's first, quick cut: every second
// voxel, half the slices read; the full cut follows.
const mprDecimation = 2

// crossHair is the colour of the lines that mark where the other planes
// cut.
var crossHair = color.RGBA{R: 255, G: 200, B: 0, A: 255}

// mprView is the Planes tab: the series shown, reformatted, in its axial,
// coronal and sagittal planes side by side. The three share the image
// pane's window and one cursor, a voxel of the grid: each view shows the
// cut through it and cross-hairs where the other two cut; clicking a view
// moves the cursor there, its slider steps through its cuts, dragging
// changes the window as on the Image tab. A series that cannot be
// reformatted says why. It is used only on the UI goroutine.
type mprView struct {
	p       *imagePane
	content fyne.CanvasObject
	message *widget.Label

	vol     *dicomview.Volume
	volFor  *dicomview.Series // the series vol (or volErr) is of
	volErr  error
	loading bool // NewVolume is running
	cursor  [3]int
	views   []*mprPlane
}

// mprPlane is one plane's view: its image, slider and label, and the
// last cut made for it.
type mprPlane struct {
	m      *mprView
	plane  dicomview.Plane
	image  *canvas.Image
	area   *mprArea
	slider *widget.Slider
	label  *widget.Label

	cut      *dicomview.Reformatted // the last cut made, of cutFor
	cutFor   mprCutKey
	busy     bool // a cut is being made
	rendered image.Image
	scaleX   float64 // rendered pixels per cut pixel
	scaleY   float64
	syncing  bool // the slider is being set, not moved by the user
}

// mprCutKey names a cut: its volume, its index and its decimation.
type mprCutKey struct {
	vol   *dicomview.Volume
	index int
	step  int
}

func newMPRView(p *imagePane) *mprView {
	m := &mprView{p: p, message: widget.NewLabel("Open a CT or MR series to see it in three planes.")}
	m.message.Wrapping = fyne.TextWrapWord
	var cells []fyne.CanvasObject
	for _, plane := range dicomview.Planes {
		v := &mprPlane{m: m, plane: plane, label: widget.NewLabel(plane.String())}
		v.image = &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScaleFastest}
		v.image.SetMinSize(fyne.NewSize(120, 120)) // the image side stays narrow enough for two columns beside it
		v.area = newMPRArea(v)
		v.slider = widget.NewSlider(1, 2)
		v.slider.Step = 1
		v.slider.OnChanged = func(f float64) { v.sliderMoved(int(f) - 1) }
		m.views = append(m.views, v)
		cells = append(cells, container.NewBorder(v.label, v.slider, nil, nil, v.area))
	}
	m.content = container.NewBorder(m.message, nil, nil, nil, container.NewGridWithColumns(3, cells...))
	return m
}

// update brings the tab up to date with the series and window shown:
// it checks the series' geometry once, then cuts each plane through the
// cursor (a quick decimated cut first) and draws the cuts.
func (m *mprView) update() {
	p := m.p
	if p.tabs.Selected() != p.mprTab {
		return
	}
	s := p.cur
	if s == nil {
		return
	}
	if m.volFor != s {
		if m.loading {
			return
		}
		m.loading = true
		m.message.SetText("Checking the series' geometry…")
		m.message.Show()
		go func() {
			v, err := dicomview.NewVolume(s)
			p.env.do(func() { m.volumeMade(s, v, err) })
		}()
		return
	}
	if m.volErr != nil {
		return
	}
	for _, v := range m.views {
		v.update()
	}
}

// done reports whether every plane shows its full cut through the cursor.
func (m *mprView) done() bool {
	if m.vol == nil || m.volFor != m.p.cur {
		return false
	}
	for _, v := range m.views {
		if v.busy || v.cut == nil || v.cut.Step != 1 || v.cut.Index != m.vol.CutOf(v.plane, m.cursor) || v.rendered == nil {
			return false
		}
	}
	return true
}

// volumeMade keeps the volume of series s (or why there is none) and
// starts its cuts at the volume's centre.
func (m *mprView) volumeMade(s *dicomview.Series, v *dicomview.Volume, err error) {
	m.loading = false
	m.volFor, m.vol, m.volErr = s, v, err
	for _, pv := range m.views {
		pv.cut, pv.cutFor, pv.rendered = nil, mprCutKey{}, nil
		pv.image.Image = nil
		pv.image.Refresh()
	}
	if err != nil {
		m.message.SetText("This series cannot be shown in three planes: " + err.Error())
		m.message.Show()
		return
	}
	m.message.Hide()
	m.cursor = v.Centre()
	for _, pv := range m.views {
		n := v.Cuts(pv.plane)
		pv.syncing = true
		pv.slider.Max = float64(max(n, 2))
		pv.slider.Refresh()
		pv.syncing = false
	}
	m.update()
}

// windowChanged draws the cuts again with the pane's new window.
func (m *mprView) windowChanged() {
	if m.p.tabs.Selected() != m.p.mprTab || m.vol == nil || m.volFor != m.p.cur {
		return
	}
	for _, v := range m.views {
		v.draw()
	}
}

// moveCursor moves the cursor to grid voxel g and redraws the planes.
func (m *mprView) moveCursor(g [3]int) {
	if m.vol == nil {
		return
	}
	n := m.vol.Size()
	for a := range 3 {
		g[a] = min(max(g[a], 0), n[a]-1)
	}
	m.cursor = g
	for _, v := range m.views {
		v.update()
	}
}

// update cuts the plane through the cursor when its cut is not that one,
// decimated first, and draws the cut it has.
func (v *mprPlane) update() {
	m := v.m
	if m.vol == nil {
		return
	}
	index := m.vol.CutOf(v.plane, m.cursor)
	n := m.vol.Cuts(v.plane)
	v.label.SetText(fmt.Sprintf("%s %d of %d", v.plane, index+1, n))
	v.syncing = true
	v.slider.SetValue(float64(index + 1))
	v.syncing = false
	want := mprCutKey{vol: m.vol, index: index, step: 1}
	if v.cutFor != want && !v.busy {
		step := 1
		if v.cutFor.vol != m.vol || v.cutFor.index != index {
			step = mprDecimation // a new cut: a quick one first
		}
		v.busy = true
		key := mprCutKey{vol: m.vol, index: index, step: step}
		go func() {
			cut, err := key.vol.Reformat(v.plane, key.index, key.step)
			if err == nil {
				cut.Squared() // the resampling to square pixels, off the UI goroutine; draw only windows it
			}
			m.p.env.do(func() { v.cutMade(key, cut, err) })
		}()
	}
	v.draw()
}

// cutMade keeps a cut made for key and goes on to the full one.
func (v *mprPlane) cutMade(key mprCutKey, cut *dicomview.Reformatted, err error) {
	v.busy = false
	if err != nil {
		v.m.message.SetText(err.Error())
		v.m.message.Show()
		return
	}
	if key.vol == v.m.vol {
		v.cut, v.cutFor = cut, key
	}
	v.update()
}

// draw windows the cut with the pane's window at square pixels and marks
// the other planes' cuts through the cursor.
func (v *mprPlane) draw() {
	if v.cut == nil {
		return
	}
	gray := v.cut.Render(v.m.p.window)
	b := gray.Bounds()
	rgba, ok := v.rendered.(*image.RGBA)
	if !ok || rgba.Bounds() != b {
		rgba = image.NewRGBA(b)
	}
	for i, g := range gray.Pix {
		o := 4 * i
		rgba.Pix[o], rgba.Pix[o+1], rgba.Pix[o+2], rgba.Pix[o+3] = g, g, g, 255
	}
	v.scaleX, v.scaleY = float64(b.Dx())/float64(v.cut.W), float64(b.Dy())/float64(v.cut.H)
	x, y := v.cut.PixelOf(v.m.cursor)
	cx, cy := int((float64(x)+0.5)*v.scaleX), int((float64(y)+0.5)*v.scaleY)
	for i := b.Min.X; i < b.Max.X; i++ {
		rgba.SetRGBA(i, cy, crossHair)
	}
	for j := b.Min.Y; j < b.Max.Y; j++ {
		rgba.SetRGBA(cx, j, crossHair)
	}
	v.rendered = rgba
	v.image.Image = rgba
	v.image.Refresh()
}

// sliderMoved shows cut index of the plane: the cursor moves along the
// plane's normal.
func (v *mprPlane) sliderMoved(index int) {
	m := v.m
	if v.syncing || m.vol == nil || v.cut == nil {
		return
	}
	g := m.cursor
	// The cut through the cursor's neighbour along the normal is index:
	// find the grid axis the plane's index counts.
	for a := range 3 {
		h := g
		h[a] = index
		if m.vol.CutOf(v.plane, h) == index && m.vol.CutOf(v.plane, g) != index {
			g = h
			break
		}
	}
	m.moveCursor(g)
}

// tapped moves the cursor to the voxel under pos (in the area's
// coordinates): the other planes cut through it.
func (v *mprPlane) tapped(pos fyne.Position) {
	if v.cut == nil || v.rendered == nil {
		return
	}
	b := v.rendered.Bounds()
	size := v.area.Size()
	scale := math.Min(float64(size.Width)/float64(b.Dx()), float64(size.Height)/float64(b.Dy()))
	if scale <= 0 {
		return
	}
	ox := (float64(size.Width) - scale*float64(b.Dx())) / 2
	oy := (float64(size.Height) - scale*float64(b.Dy())) / 2
	rx, ry := (float64(pos.X)-ox)/scale, (float64(pos.Y)-oy)/scale
	if rx < 0 || ry < 0 || rx >= float64(b.Dx()) || ry >= float64(b.Dy()) {
		return
	}
	v.m.moveCursor(v.cut.GridAt(int(rx/v.scaleX), int(ry/v.scaleY)))
}

// mprArea is a plane's image, which takes taps (move the cursor) and
// drags (change the window).
type mprArea struct {
	widget.BaseWidget
	v *mprPlane
}

func newMPRArea(v *mprPlane) *mprArea {
	a := &mprArea{v: v}
	a.ExtendBaseWidget(a)
	return a
}

func (a *mprArea) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(a.v.image)
}

// Tapped moves the cursor.
func (a *mprArea) Tapped(e *fyne.PointEvent) { a.v.tapped(e.Position) }

// Dragged changes the window, as on the Image tab.
func (a *mprArea) Dragged(e *fyne.DragEvent) { a.v.m.p.dragWindow(e.Dragged.DX, e.Dragged.DY) }

// DragEnd ends a drag.
func (a *mprArea) DragEnd() {}
