package dicomview

import (
	"errors"
	"image"
	"math"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// The phantom is dicomtest.Sphere: a CT of 64×64 pixels 0.8 mm apart and
// 40 slices 2 mm apart (z from 0 to 78 mm), air (-800 HU) around a sphere
// of 200 HU and radius 15 mm centred at x 25.6, y 30.4, z 40 mm (pixel 32,
// row 38, slice 20).
const (
	phCols, phRows, phSlices = 64, 64, 40
	phPixel, phSpacing       = 0.8, 2.0
	phRadius                 = 15.0
	phInside, phOutside      = 200, -800
)

var phCentre = [3]float64{25.6, 30.4, 40}

// phantom writes the phantom (with position, when set, for each slice)
// and opens it as one series.
func phantom(t *testing.T, edit func(*dicomtest.Volume)) *Series {
	t.Helper()
	v := dicomtest.Sphere()
	if edit != nil {
		edit(&v)
	}
	dir := t.TempDir()
	if _, err := v.Write(dir); err != nil {
		t.Fatal(err)
	}
	series, _, err := OpenSeries(dir)
	if err != nil || len(series) != 1 {
		t.Fatalf("open phantom: %d series, %v", len(series), err)
	}
	return series[0]
}

// inside is the extent, in pixels, of the values above 0 HU along one
// line of a cut: the first and last pixel and how many.
func inside(r *Reformatted, vertical bool, at int) (first, last, n int) {
	first = -1
	lim := r.W
	if vertical {
		lim = r.H
	}
	for u := range lim {
		x, y := u, at
		if vertical {
			x, y = at, u
		}
		if r.Vals[y*r.W+x] > 0 {
			if first < 0 {
				first = u
			}
			last = u
			n++
		}
	}
	return first, last, n
}

// TestReformatPhantom: the coronal and sagittal cuts through the sphere's
// centre put it where the geometry says (the head at the top, the
// patient's right on the left), with its diameter in mm within one voxel;
// the cut's statistics give the sphere's HU; Render draws it round.
func TestReformatPhantom(t *testing.T) {
	s := phantom(t, nil)
	v, err := NewVolume(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := [3]int{v.Cuts(PlaneAxial), v.Cuts(PlaneCoronal), v.Cuts(PlaneSagittal)}; got != [3]int{phSlices, phRows, phCols} {
		t.Fatalf("cuts %v", got)
	}
	diameter := 2 * phRadius
	for _, c := range []struct {
		plane Plane
		index int // through the centre
		// spacing along the cut's width and height, and the centre's
		// pixel there
		dx, dy   float64
		cx, cy   int
		w, h     int
		renderWH [2]int
	}{
		{PlaneAxial, 20, phPixel, phPixel, 32, 38, phCols, phRows, [2]int{64, 64}},
		// Coronal: x across (patient's right, x = 0, on the left), z up:
		// slice 20 of 40 is row 39 − 20 = 19.
		{PlaneCoronal, 38, phPixel, phSpacing, 32, 19, phCols, phSlices, [2]int{64, 100}},
		// Sagittal: y across (front, y = 0, on the left), z up.
		{PlaneSagittal, 32, phPixel, phSpacing, 38, 19, phRows, phSlices, [2]int{64, 100}},
	} {
		r, err := v.Reformat(c.plane, c.index, 1)
		if err != nil {
			t.Fatalf("%s: %v", c.plane, err)
		}
		if r.W != c.w || r.H != c.h || r.DX != c.dx || r.DY != c.dy {
			t.Fatalf("%s: %d×%d at %.1f×%.1f mm, want %d×%d at %.1f×%.1f", c.plane, r.W, r.H, r.DX, r.DY, c.w, c.h, c.dx, c.dy)
		}
		f, l, n := inside(r, false, c.cy)
		if mm := float64(n) * r.DX; math.Abs(mm-diameter) > r.DX {
			t.Errorf("%s: %.1f mm wide (%d pixels), want %.0f ± %.1f", c.plane, mm, n, diameter, r.DX)
		}
		if mid := float64(f+l) / 2; math.Abs(mid-float64(c.cx)) > 1 {
			t.Errorf("%s: centred at column %.1f, want %d", c.plane, mid, c.cx)
		}
		f, l, n = inside(r, true, c.cx)
		if mm := float64(n) * r.DY; math.Abs(mm-diameter) > r.DY {
			t.Errorf("%s: %.1f mm high (%d pixels), want %.0f ± %.1f", c.plane, mm, n, diameter, r.DY)
		}
		if mid := float64(f+l) / 2; math.Abs(mid-float64(c.cy)) > 1 {
			t.Errorf("%s: centred at row %.1f, want %d", c.plane, mid, c.cy)
		}
		p := r.Voxel(v, c.cx, c.cy)
		for a := range 3 {
			if math.Abs(p[a]-phCentre[a]) > 2 {
				t.Errorf("%s: pixel (%d, %d) at %.1f mm, want the centre %v", c.plane, c.cx, c.cy, p, phCentre)
				break
			}
		}
		st, err := r.Stats(image.Rect(c.cx-3, c.cy-3, c.cx+4, c.cy+4), false)
		if err != nil || math.Abs(st.Mean-phInside) > 1 || st.SD > 1e-3 || st.N != 49 {
			t.Errorf("%s: ROI %+v, %v; want 49 pixels of %d HU", c.plane, st, err, phInside)
		}
		img := r.Render(Window{Center: 0, Width: 2000})
		if b := img.Bounds(); b.Dx() != c.renderWH[0] || b.Dy() != c.renderWH[1] {
			t.Errorf("%s: rendered %v, want %v (square pixels)", c.plane, b.Size(), c.renderWH)
		}
	}

	// A quick first view: every other voxel, half the slices read.
	r, err := v.Reformat(PlaneCoronal, 38, 2)
	if err != nil {
		t.Fatal(err)
	}
	if r.W != 32 || r.H != 20 || r.DX != 2*phPixel || r.DY != 2*phSpacing {
		t.Errorf("decimated coronal: %d×%d at %.1f×%.1f mm", r.W, r.H, r.DX, r.DY)
	}
	if _, err := v.Reformat("oblique", 0, 1); err == nil {
		t.Error("an unknown plane was cut")
	}
	if _, err := v.Reformat(PlaneSagittal, 64, 1); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("cut 65 of 64: %v", err)
	}
}

// TestCannotReformat: each reason a series cannot be cut names itself.
func TestCannotReformat(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*dicomtest.Volume)
		want string
	}{
		{"tilt", func(v *dicomtest.Volume) {
			v.Position = func(z int) [3]float64 { return [3]float64{0, float64(z) * 0.35, float64(z) * phSpacing} }
		}, "gantry tilt of 9.9°"}, // atan(0.35 / 2)
		{"gap", func(v *dicomtest.Volume) {
			v.Position = func(z int) [3]float64 {
				if z >= 10 {
					z++
				}
				return [3]float64{0, 0, float64(z) * phSpacing}
			}
		}, "uneven spacing: 4.00 mm between slices 10 and 11"},
		{"no geometry", func(v *dicomtest.Volume) { v.NoGeometry = true }, "no ImagePositionPatient"},
		{"two slices", func(v *dicomtest.Volume) { v.Slices = 2 }, "a reformat needs 3 slices or more; this series has 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewVolume(phantom(t, c.edit))
			if !errors.Is(err, ErrCannotReformat) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want ErrCannotReformat saying %q", err, c.want)
			}
		})
	}
}

// TestCutCrossHairs: a voxel's cuts and pixels agree across the planes
// (the cross-hair of one view is where the others cut).
func TestCutCrossHairs(t *testing.T) {
	v, err := NewVolume(phantom(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	g := [3]int{10, 45, 7}
	for _, plane := range Planes {
		r, err := v.Reformat(plane, v.CutOf(plane, g), 1)
		if err != nil {
			t.Fatal(err)
		}
		x, y := r.PixelOf(g)
		if got := r.GridAt(x, y); got != g {
			t.Errorf("%s: pixel (%d, %d) shows %v, want %v", plane, x, y, got, g)
		}
	}
}

// TestParsePlane: each plane's name reads back as the plane, spelled as
// recipes, the run log and --plane have always spelled it.
func TestParsePlane(t *testing.T) {
	for _, c := range []struct {
		plane Plane
		name  string
	}{
		{PlaneAxial, "axial"},
		{PlaneCoronal, "coronal"},
		{PlaneSagittal, "sagittal"},
	} {
		if got := c.plane.String(); got != c.name {
			t.Errorf("String() = %q, want %q", got, c.name)
		}
		if got, err := ParsePlane(c.name); err != nil || got != c.plane {
			t.Errorf("ParsePlane(%q) = %q, %v", c.name, got, err)
		}
	}
	for _, bad := range []string{"", "Axial", "transverse", "oblique"} {
		if p, err := ParsePlane(bad); err == nil {
			t.Errorf("ParsePlane(%q) = %q, want an error", bad, p)
		}
	}
}
