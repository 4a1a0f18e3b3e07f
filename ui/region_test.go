package ui

import (
	"image"
	"math"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestRegionAsModelInput: a region dragged on the viewer (Region mode) is
// drawn in source pixels and measured in HU; with "Send region only" the
// model input is that region, byte for byte what dicomview (and so
// `prepare --region`) makes of it; the request image carries its corner.
func TestRegionAsModelInput(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	h.openAndWait(sphereFolder(t))
	p := h.wb.pane
	// Slice 21 of 40 crosses the sphere's centre.
	p.showSeries(p.cur, 20)
	h.waitFor("slice 21", waitTimeout, func() bool { return h.settled() && p.slice == 20 })
	p.viewer.Resize(fyne.NewSize(640, 640)) // 10 screen units a pixel of the 64×64 slice
	p.measureSelect.SetSelected("Rectangle")
	from := fyne.NewPos(260, 320) // pixel 26, row 32
	to := fyne.NewPos(390, 450)   // pixel 39, row 45
	p.viewer.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: from.Add(fyne.NewPos(5, 5))}, Dragged: fyne.NewDelta(5, 5)})
	p.viewer.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: to}, Dragged: fyne.NewDelta(to.X-from.X-5, to.Y-from.Y-5)})
	p.viewer.DragEnd()
	want := image.Rect(26, 32, 39, 45)
	if got := p.viewer.Region(); got != want {
		t.Fatalf("region %v, want %v", got, want)
	}
	h.waitFor("the region's statistics", waitTimeout, func() bool { return strings.Contains(p.regionInfo.Text, "mean") })
	// All inside the sphere: 200 HU throughout.
	for _, part := range []string{"Region 26,32 13×13 px (10.4×10.4 mm)", "mean 200.0 HU", "SD 0.0", "169 pixels"} {
		if !strings.Contains(p.regionInfo.Text, part) {
			t.Errorf("region info %q lacks %q", p.regionInfo.Text, part)
		}
	}
	if p.window.Width == 0 {
		t.Fatal("no window")
	}
	win := p.window

	p.modelInputCheck.SetChecked(true)
	p.sendRegion.SetChecked(true)
	h.waitFor("the region's model input", waitTimeout, func() bool {
		return p.prepared != nil && p.preparedFor == p.inputKey() && !p.prepared.Region.Empty()
	})
	lib, err := p.img.Prepare(dicomview.PrepareOptions{Frame: p.frame, Window: &win, Region: want})
	if err != nil {
		t.Fatal(err)
	}
	if p.prepared.SHA256 != lib.SHA256 {
		t.Errorf("the window's region input %s, dicomview's %s", p.prepared.SHA256, lib.SHA256)
	}
	if !strings.Contains(p.inputInfo.Text, "of the region 26,32 13×13 px") {
		t.Errorf("input info %q", p.inputInfo.Text)
	}
	im := p.prepared.RequestImage()
	if im.SourceX != 26 || im.SourceY != 32 || im.SourceWidth != 13 || im.SourceHeight != 13 || im.Fit != "pad" {
		t.Errorf("request image geometry %d,%d %d×%d %s", im.SourceX, im.SourceY, im.SourceWidth, im.SourceHeight, im.Fit)
	}
	ins, err := p.modelInputs()(t.Context(), nil)
	if err != nil || len(ins.inputs) != 1 || ins.inputs[0].Image.SHA256 != lib.SHA256 {
		t.Errorf("the columns would send %+v, %v; want the region's input", ins.inputs, err)
	}

	// A run made now records the measurement.
	full, err := h.wb.cmp.input()(t.Context(), core.Request{Model: testModel, Prompt: "Describe."}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Measurements) != 1 || full.Measurements[0].Mean != 200 || full.Measurements[0].Units != "HU" ||
		full.Measurements[0].X != 26 || full.Measurements[0].N != 169 {
		t.Errorf("the run would record %+v, want the region's measurement", full.Measurements)
	}

	p.sendRegion.SetChecked(false)
	h.waitFor("the whole frame's input", waitTimeout, func() bool {
		return p.prepared != nil && p.preparedFor == p.inputKey() && p.prepared.Region.Empty()
	})
	// A localization answer about the region's input draws its boxes on
	// the frame, in the frame's pixels.
	box := core.Box{Image: 0, X0: 28, Y0: 34, X1: 36, Y1: 42, Label: "lesion"}
	p.modelInputCheck.SetChecked(false)
	p.showBoxes(core.Request{Images: []core.Image{im}}, []core.Box{box})
	if got := p.viewer.Boxes(); len(got) != 1 || got[0] != box {
		t.Errorf("the viewer draws %+v, want the region's box in frame pixels", got)
	}
}

// TestEllipseAndLength: an ellipse measures the pixels inside the ellipse
// its rectangle bounds; a length says its millimetres from PixelSpacing;
// either is what a run made then records.
func TestEllipseAndLength(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	h.openAndWait(sphereFolder(t))
	p := h.wb.pane
	p.showSeries(p.cur, 20)
	h.waitFor("slice 21", waitTimeout, func() bool { return h.settled() && p.slice == 20 })
	p.viewer.Resize(fyne.NewSize(640, 640)) // 10 screen units a pixel
	drag := func(from, to fyne.Position) {
		p.viewer.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: from.Add(fyne.NewPos(5, 5))}, Dragged: fyne.NewDelta(5, 5)})
		p.viewer.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: to}, Dragged: fyne.NewDelta(to.X-from.X-5, to.Y-from.Y-5)})
		p.viewer.DragEnd()
	}

	p.measureSelect.SetSelected("Ellipse")
	drag(fyne.NewPos(200, 260), fyne.NewPos(450, 510)) // pixels 20..45, rows 26..51
	h.waitFor("the ellipse's statistics", waitTimeout, func() bool { return p.measured != nil })
	// By hand: pixel centres inside the ellipse of the 25×25 square.
	n := 0
	for y := 26; y < 51; y++ {
		for x := 20; x < 45; x++ {
			ex, ey := (float64(x)+0.5-32.5)/12.5, (float64(y)+0.5-38.5)/12.5
			if ex*ex+ey*ey <= 1 {
				n++
			}
		}
	}
	if m := p.measured; m.Kind != core.MeasureEllipse || m.N != n || m.Mean != 200 {
		t.Errorf("ellipse measured %+v, want %d pixels of 200 HU", *m, n)
	}

	p.measureSelect.SetSelected("Length")
	if !p.viewer.Region().Empty() || p.measured != nil {
		t.Error("a new tool kept the ellipse")
	}
	drag(fyne.NewPos(260, 320), fyne.NewPos(390, 450)) // (26, 32) to (39, 45)
	want := math.Hypot(13, 13) * 0.8
	if m := p.measured; m == nil || m.Kind != core.MeasureLength || math.Abs(m.LengthMM-want) > 1e-9 || m.X != 26 || m.Y2 != 45 {
		t.Fatalf("length measured %+v, want %.3f mm", m, want)
	}
	if !strings.Contains(p.regionInfo.Text, "Length 14.7 mm (18.4 px)") || !p.sendRegion.Disabled() {
		t.Errorf("info %q, send region disabled %v", p.regionInfo.Text, p.sendRegion.Disabled())
	}
	full, err := h.wb.cmp.input()(t.Context(), core.Request{Model: testModel, Prompt: "Describe."}, nil)
	if err != nil || len(full.Measurements) != 1 || full.Measurements[0].Kind != core.MeasureLength {
		t.Errorf("a run would record %+v (%v)", full.Measurements, err)
	}
}

// TestArrowAnnotation: an arrow asks for its text and is kept, pointing
// where the drag ended, for the runs made then; a cancelled text keeps
// nothing.
func TestArrowAnnotation(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	h.openAndWait(sphereFolder(t))
	p := h.wb.pane
	h.waitFor("the slice", waitTimeout, h.settled)
	p.viewer.Resize(fyne.NewSize(640, 640)) // 10 screen units a pixel
	p.measureSelect.SetSelected("Arrow (text)")
	draw := func() {
		from, to := fyne.NewPos(100, 100), fyne.NewPos(320, 380) // (10, 10) to (32, 38)
		p.viewer.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: from.Add(fyne.NewPos(5, 5))}, Dragged: fyne.NewDelta(5, 5)})
		p.viewer.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: to}, Dragged: fyne.NewDelta(to.X-from.X-5, to.Y-from.Y-5)})
		p.viewer.DragEnd()
	}
	draw()
	entry, keep, _ := p.annotation()
	if entry == nil {
		t.Fatal("an arrow asks no text")
	}
	entry.SetText("lesion")
	test.Tap(keep)
	m := p.measured
	if m == nil || m.Kind != core.MeasureArrow || m.Text != "lesion" || m.X != 10 || m.Y != 10 || m.X2 != 32 || m.Y2 != 38 {
		t.Fatalf("arrow kept %+v", m)
	}
	full, err := h.wb.cmp.input()(t.Context(), core.Request{Model: testModel, Prompt: "Describe."}, nil)
	if err != nil || len(full.Measurements) != 1 || full.Measurements[0].Text != "lesion" {
		t.Errorf("a run would record %+v (%v)", full.Measurements, err)
	}
	if got := full.Measurements[0].String(); got != `arrow 10,10 → 32,38 px of frame 1: "lesion"` {
		t.Errorf("the log says %q", got)
	}

	draw()
	_, _, cancel := p.annotation()
	if cancel == nil {
		t.Fatal("a second arrow asks no text")
	}
	test.Tap(cancel)
	if p.measured != nil || !p.viewer.Region().Empty() {
		t.Errorf("a cancelled arrow kept %+v", p.measured)
	}
}
