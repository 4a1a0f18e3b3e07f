package ui

import (
	"image"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
)

func TestPixelAt(t *testing.T) {
	// A 200×100 image in a 400×400 viewer is shown at 2× from y=100 to 300.
	b := image.Rect(0, 0, 200, 100)
	size := fyne.NewSize(400, 400)
	tests := []struct {
		name string
		pos  fyne.Position
		want image.Point
		ok   bool
	}{
		{"top-left", fyne.NewPos(0, 100), image.Pt(0, 0), true},
		{"centre", fyne.NewPos(200, 200), image.Pt(100, 50), true},
		{"bottom-right", fyne.NewPos(399.9, 299.9), image.Pt(199, 99), true},
		{"above", fyne.NewPos(200, 99), image.Point{}, false},
		{"below", fyne.NewPos(200, 300), image.Point{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := pixelAt(tt.pos, size, b)
			if got != tt.want || ok != tt.ok {
				t.Errorf("pixelAt(%v) = %v, %v; want %v, %v", tt.pos, got, ok, tt.want, tt.ok)
			}
		})
	}
	if _, ok := pixelAt(fyne.NewPos(1, 1), fyne.NewSize(0, 0), b); ok {
		t.Error("pixelAt in an empty viewer reports a pixel")
	}
}

func TestViewerShowsImageOrPlaceholder(t *testing.T) {
	test.NewTempApp(t)
	v := NewViewer("Open an image")
	w := test.NewTempWindow(t, v)
	w.Resize(fyne.NewSize(300, 300))

	r := test.WidgetRenderer(v).(*viewerRenderer)
	if r.text.Hidden || !r.img.Hidden {
		t.Errorf("empty viewer: placeholder hidden %v, image hidden %v", r.text.Hidden, r.img.Hidden)
	}
	img := image.NewGray(image.Rect(0, 0, 30, 10))
	v.SetImage(img)
	if !r.text.Hidden || r.img.Hidden || r.img.Image != img || r.img.FillMode != canvas.ImageFillContain {
		t.Errorf("viewer with image: placeholder hidden %v, image hidden %v, fill %v", r.text.Hidden, r.img.Hidden, r.img.FillMode)
	}
	if p, ok := v.PixelAt(fyne.NewPos(v.Size().Width/2, v.Size().Height/2)); !ok || p != image.Pt(15, 5) {
		t.Errorf("PixelAt(centre) = %v, %v; want (15,5), true", p, ok)
	}

	var dx, dy float32
	v.OnDragged = func(x, y float32) { dx, dy = x, y }
	test.Drag(w.Canvas(), fyne.NewPos(150, 150), 12, -4)
	if dx != 12 || dy != -4 {
		t.Errorf("drag gave (%v, %v), want (12, -4)", dx, dy)
	}
}
