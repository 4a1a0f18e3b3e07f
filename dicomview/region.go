package dicomview

import (
	"fmt"
	"image"
	"math"
	"path/filepath"
)

// RegionStats are the modality values inside a region: their count,
// mean, standard deviation (of the population), least and greatest, and
// the region's area in mm² (0 when the spacing is unknown).
type RegionStats struct {
	N              int
	Mean, SD       float64
	Min, Max       float64
	AreaMM2        float64
	Ellipse        bool
	Rect           image.Rectangle
	PixelMM        [2]float64 // the spacing used: x, y
	UnitsAreHU     bool       // a CT's values
	ValuesAreExact bool       // no interpolation: stored values through the rescale
}

// regionStats measures vals (w×h, row by row) inside r, or inside the
// ellipse r bounds when ellipse is set; dx, dy are the spacing in mm.
func regionStats(vals []float32, w, h int, r image.Rectangle, ellipse bool, dx, dy float64) (RegionStats, error) {
	r = r.Canon().Intersect(image.Rect(0, 0, w, h))
	if r.Empty() {
		return RegionStats{}, fmt.Errorf("region: outside the image (%d×%d)", w, h)
	}
	st := RegionStats{Rect: r, Ellipse: ellipse, PixelMM: [2]float64{dx, dy}, ValuesAreExact: true,
		Min: math.Inf(1), Max: math.Inf(-1)}
	cx, cy := float64(r.Min.X+r.Max.X)/2, float64(r.Min.Y+r.Max.Y)/2
	rx, ry := float64(r.Dx())/2, float64(r.Dy())/2
	var sum, sum2 float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if ellipse {
				ex, ey := (float64(x)+0.5-cx)/rx, (float64(y)+0.5-cy)/ry
				if ex*ex+ey*ey > 1 {
					continue
				}
			}
			f := float64(vals[y*w+x])
			sum += f
			sum2 += f * f
			st.Min, st.Max = math.Min(st.Min, f), math.Max(st.Max, f)
			st.N++
		}
	}
	if st.N == 0 {
		return RegionStats{}, fmt.Errorf("region: no pixel inside %v", r)
	}
	st.Mean = sum / float64(st.N)
	st.SD = math.Sqrt(math.Max(sum2/float64(st.N)-st.Mean*st.Mean, 0))
	st.AreaMM2 = float64(st.N) * dx * dy
	return st, nil
}

// Stats measures the cut's values inside r (pixels of the cut, not of
// Render's image), or inside the ellipse r bounds.
func (r *Reformatted) Stats(rect image.Rectangle, ellipse bool) (RegionStats, error) {
	return regionStats(r.Vals, r.W, r.H, rect, ellipse, r.DX, r.DY)
}

// RegionStats measures a greyscale frame's modality values (HU for CT)
// inside rect (source pixels), or inside the ellipse rect bounds. The
// area is in mm² when the image has a PixelSpacing.
func (im *Image) RegionStats(frame int, rect image.Rectangle, ellipse bool) (RegionStats, error) {
	if err := im.checkFrame(frame); err != nil {
		return RegionStats{}, err
	}
	if im.layout.samples != 1 || im.palette != nil {
		return RegionStats{}, fmt.Errorf("%s: region statistics need a greyscale image", filepath.Base(im.Path))
	}
	vals, err := im.modality(frame)
	if err != nil {
		return RegionStats{}, err
	}
	dx, dy := 0.0, 0.0
	if sp := im.geometry.spacing; sp != nil {
		dx, dy = sp[1], sp[0]
	}
	st, err := regionStats(vals, im.Width, im.Height, rect, ellipse, dx, dy)
	st.UnitsAreHU = im.Modality == "CT"
	return st, err
}

// PixelSpacing is the distance between the centres of two columns (x)
// and two rows (y), in mm, from PixelSpacing; ok is false when the file
// has none.
func (im *Image) PixelSpacing() (x, y float64, ok bool) {
	if sp := im.geometry.spacing; sp != nil {
		return sp[1], sp[0], true
	}
	return 0, 0, false
}

// Length is the distance in mm between two points given in pixels of a
// grid dx by dy mm.
func Length(x0, y0, x1, y1, dx, dy float64) float64 {
	return math.Hypot((x1-x0)*dx, (y1-y0)*dy)
}
