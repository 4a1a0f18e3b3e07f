package ui

import (
	"image/color"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// sphereFolder writes dicomtest.Sphere (a 15 mm sphere of 200 HU at
// pixel 32, row 38, slice 20 of a 64×64×40 CT of 0.8 mm pixels and 2 mm
// slices).
func sphereFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := dicomtest.Sphere().Write(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// planesDone reports whether every plane of the Planes tab shows its full
// cut through the cursor.
func planesDone(m *mprView) bool { return m.done() }

// TestPlanesTab: a CT series opens in the Planes tab as three cuts
// through its centre at square pixels, the cross-hairs where the others
// cut; a click in the coronal view moves the axial cut to that height; the
// pane's window draws all three; a series that cannot be reformatted says
// why.
func TestPlanesTab(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	h.openAndWait(sphereFolder(t))
	p := h.wb.pane
	p.tabs.Select(p.mprTab)
	m := p.mpr
	h.waitFor("the three planes", waitTimeout, func() bool { return planesDone(m) })
	if m.message.Visible() {
		t.Errorf("message %q shown for a regular series", m.message.Text)
	}
	want := map[dicomview.Plane]struct {
		label string
		w, h  int
	}{
		dicomview.PlaneAxial:    {"axial 21 of 40", 64, 64},
		dicomview.PlaneCoronal:  {"coronal 33 of 64", 64, 100},
		dicomview.PlaneSagittal: {"sagittal 33 of 64", 64, 100},
	}
	for _, v := range m.views {
		w := want[v.plane]
		b := v.rendered.Bounds()
		if v.label.Text != w.label || b.Dx() != w.w || b.Dy() != w.h {
			t.Errorf("%s: %q, %v; want %q, %d×%d", v.plane, v.label.Text, b.Size(), w.label, w.w, w.h)
		}
		x, y := v.cut.PixelOf(m.cursor)
		cx := int((float64(x) + 0.5) * v.scaleX)
		if got := v.rendered.At(cx, 0); got != color.Color(crossHair) {
			t.Errorf("%s: no cross-hair at column %d (%v)", v.plane, cx, got)
		}
		_ = y
	}

	// A click on the coronal view at the sphere's top (z = 40 + 14 mm:
	// slice 27, 12 rows below the top of the 40 slices, ×2.5 on screen).
	cor := m.views[1]
	cor.area.Resize(fyne.NewSize(64, 100)) // one screen pixel a rendered pixel
	test.Tap(cor.area)                     // the middle: no change of height
	h.waitFor("the planes after the tap", waitTimeout, func() bool { return planesDone(m) })
	cor.tapped(fyne.NewPos(32, float32(12)*2.5+1))
	h.waitFor("the axial cut to move", waitTimeout, func() bool { return planesDone(m) && m.views[0].label.Text == "axial 28 of 40" })

	// The window of the pane draws the cuts: a narrow one around the
	// sphere's HU turns the air black and the sphere white.
	p.setWindow(dicomview.Window{Center: 200, Width: 10})
	ax := m.views[0]
	if r, _, _, _ := ax.rendered.At(2, 2).RGBA(); r != 0 {
		t.Errorf("air drawn %d with window 200/10, want black", r>>8)
	}

	h.openAndWait(dicomtest.File(t, "3.dcm"))
	h.waitFor("the reason", waitTimeout, func() bool { return m.message.Visible() && strings.Contains(m.message.Text, "cannot be shown") })
	if !strings.Contains(m.message.Text, "a reformat needs 3 slices or more; this series has 1") {
		t.Errorf("message %q", m.message.Text)
	}
}

// TestPlanesGolden: the three planes of the sphere, as the tab draws them.
func TestPlanesGolden(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	h.openAndWait(sphereFolder(t))
	p := h.wb.pane
	p.tabs.Select(p.mprTab)
	h.waitFor("the three planes", waitTimeout, func() bool { return planesDone(p.mpr) })
	var imgs []fyne.CanvasObject
	for _, v := range p.mpr.views {
		imgs = append(imgs, v.image)
	}
	assertGoldenImage(t, "planes.png", container.NewGridWithColumns(3, imgs...), fyne.NewSize(480, 160))
}

// TestModelsEyeRecipeOnAPlane: a recipe in the model's eye samples the
// coronal cuts when "from" says coronal: the view shows them, labelled,
// and the request's images carry the plane for the run log.
func TestModelsEyeRecipeOnAPlane(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	h.openAndWait(sphereFolder(t))
	e := h.chooseRecipe("medgemma-1.5-ct")
	if e.planeSelect.Disabled() {
		t.Fatal("a recipe offers no plane")
	}
	e.slicesEntry.SetText("5")
	e.planeSelect.SetSelected(dicomview.PlaneCoronal.String())
	h.waitFor("the coronal cuts", waitTimeout, func() bool {
		spec, err := e.spec()
		return err == nil && spec.plane == dicomview.PlaneCoronal && e.inputsFor == spec && len(e.inputs) == 5 && !e.busy
	})
	for i, in := range e.inputs {
		if in.Image.Plane != dicomview.PlaneCoronal.String() || in.Image.SourceWidth != 64 || in.Image.SourceHeight != 100 {
			t.Errorf("input %d: plane %q, %d×%d; want coronal cuts of 64×100", i+1, in.Image.Plane, in.Image.SourceWidth, in.Image.SourceHeight)
		}
	}
	ins, err := h.wb.pane.modelInputs()(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req := ins.request(core.Request{Model: testModel, Prompt: "Describe."})
	if len(req.Images) != 5 || req.Images[2].Plane != dicomview.PlaneCoronal.String() {
		t.Errorf("the request sends %d images, the third of plane %q", len(req.Images), req.Images[2].Plane)
	}
	e.recipeSelect.SetSelected("plain")
	if !e.planeSelect.Disabled() || e.planeSelect.Selected != storedSlices {
		t.Errorf("plain offers the plane %q (disabled %v)", e.planeSelect.Selected, e.planeSelect.Disabled())
	}
}
