package ui

import (
	"image"
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
)

func TestViewerZoomPanPixelAt(t *testing.T) {
	test.NewTempApp(t)
	v := NewViewer("Open an image")
	w := test.NewTempWindow(t, v)
	w.Resize(fyne.NewSize(300, 300))
	v.Resize(fyne.NewSize(400, 400))

	r := test.WidgetRenderer(v).(*viewerRenderer)
	if r.text.Hidden {
		t.Error("empty viewer hides the placeholder")
	}
	// A 200×100 original, shown from a 100×50 copy, fits at 2×.
	img := image.NewGray(image.Rect(0, 0, 100, 50))
	v.SetImageScaled(img, 200, 100)
	if !r.text.Hidden || v.Zoom() != 2 || !v.Fitting() {
		t.Fatalf("placeholder hidden %v, zoom %v fitting %v; want true, 2, true", r.text.Hidden, v.Zoom(), v.Fitting())
	}
	for _, tt := range []struct {
		pos  fyne.Position
		want image.Point
		ok   bool
	}{
		{fyne.NewPos(0, 100), image.Pt(0, 0), true},
		{fyne.NewPos(200, 200), image.Pt(100, 50), true},
		{fyne.NewPos(399.9, 299.9), image.Pt(199, 99), true},
		{fyne.NewPos(200, 99), image.Point{}, false},
		{fyne.NewPos(200, 300), image.Point{}, false},
	} {
		if got, ok := v.PixelAt(tt.pos); got != tt.want || ok != tt.ok {
			t.Errorf("PixelAt(%v) = %v, %v; want %v, %v", tt.pos, got, ok, tt.want, tt.ok)
		}
	}

	// Zoom in around (0,100), the original's top-left: it stays there.
	v.ZoomBy(2, fyne.NewPos(0, 100))
	if p, ok := v.PixelAt(fyne.NewPos(0.5, 100.5)); !ok || p != image.Pt(0, 0) || v.Zoom() != 4 || v.Fitting() {
		t.Errorf("after zooming at the corner: PixelAt = %v, %v, zoom %v", p, ok, v.Zoom())
	}
	v.ZoomTo(1)
	if v.Zoom() != 1 {
		t.Errorf("1:1 zoom = %v", v.Zoom())
	}
	centre, _ := v.PixelAt(fyne.NewPos(200, 200))
	v.Pan(10, 0)
	if p, _ := v.PixelAt(fyne.NewPos(210, 200)); p != centre {
		t.Errorf("after panning 10 right the old centre is at %v, want %v", p, centre)
	}
	v.Fit()
	if v.Zoom() != 2 || !v.Fitting() {
		t.Errorf("fit zoom %v", v.Zoom())
	}

	// Keys: + zooms, 0 fits, i inverts; arrows and PageDown step.
	var steps []int
	v.OnStep = func(d int) { steps = append(steps, d) }
	v.TypedRune('+')
	if v.Zoom() != 2*zoomStep {
		t.Errorf("+ gave zoom %v", v.Zoom())
	}
	v.TypedRune('0')
	v.TypedRune('i')
	if !v.Fitting() || !v.Inverted() {
		t.Errorf("0 and i: fitting %v inverted %v", v.Fitting(), v.Inverted())
	}
	v.TypedKey(&fyne.KeyEvent{Name: fyne.KeyPageDown})
	v.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	v.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.NewDelta(0, -10)})
	if len(steps) != 3 || steps[0] != 1 || steps[1] != -1 || steps[2] != 1 {
		t.Errorf("steps %v, want [1 -1 1]", steps)
	}
	v.holdKeys(fyne.KeyModifierControl)
	v.Scrolled(&fyne.ScrollEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(200, 200)}, Scrolled: fyne.NewDelta(0, 10)})
	if v.Zoom() != 2*zoomStep || len(steps) != 3 {
		t.Errorf("Ctrl+wheel: zoom %v, steps %v", v.Zoom(), steps)
	}

	// Drags: primary windows, middle pans.
	var dx, dy float32
	v.OnDragged = func(x, y float32) { dx, dy = x, y }
	v.MouseDown(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary})
	v.Dragged(&fyne.DragEvent{Dragged: fyne.NewDelta(12, -4)})
	v.DragEnd()
	if dx != 12 || dy != -4 {
		t.Errorf("drag gave (%v, %v), want (12, -4)", dx, dy)
	}
	dx = 0
	before := v.center
	v.MouseDown(&desktop.MouseEvent{Button: desktop.MouseButtonTertiary})
	v.Dragged(&fyne.DragEvent{Dragged: fyne.NewDelta(12, 0)})
	v.DragEnd()
	if dx != 0 || v.center == before {
		t.Errorf("middle drag: windowed %v, centre %v → %v; want a pan", dx, before, v.center)
	}

	// The raster shows the image: white pixels of the copy come out white.
	v.SetInverted(false)
	v.Fit()
	img.Pix[0] = 255
	v.Refresh()
	out := r.draw(400, 400)
	if c := out.At(1, 101); c != (color.RGBA{255, 255, 255, 255}) {
		t.Errorf("raster pixel at the image's corner = %v, want white", c)
	}
}
