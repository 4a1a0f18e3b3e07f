package dicomview

import (
	"image"
	"math"
	"testing"
)

// TestRegionStatsTable: regionStats on a 4×3 grid whose values are
// 0…11 row by row, each expectation counted by hand.
func TestRegionStatsTable(t *testing.T) {
	const w, h = 4, 3
	vals := make([]float32, w*h)
	for i := range vals {
		vals[i] = float32(i)
	}
	for _, c := range []struct {
		name          string
		r             image.Rectangle
		ellipse       bool
		dx, dy        float64
		wantErr       bool
		rect          image.Rectangle
		n             int
		mean, sd      float64
		min, max, mm2 float64
	}{
		{name: "whole grid", r: image.Rect(0, 0, 4, 3), dx: 1, dy: 1,
			rect: image.Rect(0, 0, 4, 3), n: 12, mean: 5.5, sd: math.Sqrt(143.0 / 12), min: 0, max: 11, mm2: 12},
		{name: "corners given backwards", r: image.Rectangle{Min: image.Pt(2, 2), Max: image.Pt(0, 0)}, dx: 1, dy: 1,
			rect: image.Rect(0, 0, 2, 2), n: 4, mean: 2.5, sd: math.Sqrt(4.25), min: 0, max: 5, mm2: 4},
		{name: "clipped to the grid, anisotropic spacing", r: image.Rect(2, 1, 10, 10), dx: 0.5, dy: 2,
			rect: image.Rect(2, 1, 4, 3), n: 4, mean: 8.5, sd: math.Sqrt(4.25), min: 6, max: 11, mm2: 4},
		{name: "ellipse leaves the corners out", r: image.Rect(0, 0, 4, 3), ellipse: true, dx: 1, dy: 1,
			// rows 0 and 2 keep columns 1 and 2; row 1 keeps all four: 1 2 4 5 6 7 9 10
			rect: image.Rect(0, 0, 4, 3), n: 8, mean: 5.5, sd: math.Sqrt(312.0/8 - 5.5*5.5), min: 1, max: 10, mm2: 8},
		{name: "spacing unknown: no area", r: image.Rect(1, 1, 2, 2),
			rect: image.Rect(1, 1, 2, 2), n: 1, mean: 5, sd: 0, min: 5, max: 5, mm2: 0},
		{name: "outside the grid", r: image.Rect(5, 5, 8, 8), dx: 1, dy: 1, wantErr: true},
		{name: "empty", r: image.Rect(1, 1, 1, 3), dx: 1, dy: 1, wantErr: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, err := regionStats(vals, w, h, c.r, c.ellipse, c.dx, c.dy)
			if c.wantErr {
				if err == nil {
					t.Fatalf("measured %+v, want an error", st)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := []float64{st.Mean, st.SD, st.Min, st.Max, st.AreaMM2}
			if st.Rect != c.rect || st.N != c.n || !close(got, []float64{c.mean, c.sd, c.min, c.max, c.mm2}, 1e-9) {
				t.Errorf("got rect %v n %d mean %g sd %g min %g max %g area %g; want rect %v n %d mean %g sd %g min %g max %g area %g",
					st.Rect, st.N, st.Mean, st.SD, st.Min, st.Max, st.AreaMM2, c.rect, c.n, c.mean, c.sd, c.min, c.max, c.mm2)
			}
			if st.Ellipse != c.ellipse || st.PixelMM != [2]float64{c.dx, c.dy} || !st.ValuesAreExact {
				t.Errorf("flags: ellipse %v, spacing %v, exact %v", st.Ellipse, st.PixelMM, st.ValuesAreExact)
			}
		})
	}
}

// TestLength: a distance in pixels scaled by each axis's spacing.
func TestLength(t *testing.T) {
	for _, c := range []struct {
		name                   string
		x0, y0, x1, y1, dx, dy float64
		want                   float64
	}{
		{"3-4-5", 0, 0, 3, 4, 1, 1, 5},
		{"backwards", 3, 4, 0, 0, 1, 1, 5},
		{"anisotropic", 0, 0, 3, 4, 2, 1, math.Hypot(6, 4)},
		{"sub-pixel", 0.5, 0.5, 1.5, 0.5, 0.7, 0.7, 0.7},
		{"one point", 2, 2, 2, 2, 1, 1, 0},
		{"spacing unknown", 0, 0, 3, 4, 0, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Length(c.x0, c.y0, c.x1, c.y1, c.dx, c.dy); math.Abs(got-c.want) > 1e-12 {
				t.Errorf("Length = %g, want %g", got, c.want)
			}
		})
	}
}

// TestRegionStatsOnASlice: an ellipse inside the sphere's cross-section
// reads its HU exactly; a rectangle across its edge mixes both values as
// counted by hand; the area is in mm²; a length is in mm.
func TestRegionStatsOnASlice(t *testing.T) {
	s := phantom(t, nil)
	im := s.Slices[20].Image
	st, err := im.RegionStats(1, image.Rect(26, 32, 39, 45), true)
	if err != nil || st.Mean != phInside || st.Min != phInside || st.Max != phInside || !st.UnitsAreHU {
		t.Errorf("ellipse inside the sphere: %+v, %v", st, err)
	}
	if want := float64(st.N) * phPixel * phPixel; math.Abs(st.AreaMM2-want) > 1e-9 {
		t.Errorf("area %.3f mm², want %.3f", st.AreaMM2, want)
	}
	// Row 38, columns 0..63: inside where |x·0.8 − 25.6| ≤ 15.
	rect := image.Rect(0, 38, 64, 39)
	st, err = im.RegionStats(1, rect, false)
	if err != nil {
		t.Fatal(err)
	}
	in := 0
	for x := range 64 {
		if math.Abs(float64(x)*phPixel-phCentre[0]) <= phRadius {
			in++
		}
	}
	mean := (float64(in)*phInside + float64(64-in)*phOutside) / 64
	sd := math.Sqrt(float64(in)*float64(64-in)) / 64 * (phInside - phOutside)
	if st.N != 64 || math.Abs(st.Mean-mean) > 1e-6 || math.Abs(st.SD-sd) > 1e-6 || st.Min != phOutside || st.Max != phInside {
		t.Errorf("row 38: %+v; want mean %.4f, SD %.4f over 64", st, mean, sd)
	}
	if _, err := im.RegionStats(1, image.Rect(100, 100, 110, 110), false); err == nil {
		t.Error("a region outside the image was measured")
	}
	if got := Length(0, 0, 3, 4, phPixel, phPixel); math.Abs(got-5*phPixel) > 1e-12 {
		t.Errorf("length %.3f mm, want 4", got)
	}
}
