package dicomview

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"math"
	"path/filepath"
	"slices"
	"sync"
)

// Plane is a plane of a multi-planar reformat. Its value is the name
// printed, stored in the run log and written in recipes.
type Plane string

// Planes of a multi-planar reformat, named by the patient's axes: axial
// (perpendicular to head–foot), coronal (to front–back) and sagittal (to
// left–right), whatever plane the series was acquired in.
const (
	PlaneAxial    Plane = "axial"
	PlaneCoronal  Plane = "coronal"
	PlaneSagittal Plane = "sagittal"
)

// Planes are the planes offered, in the order viewers show them.
var Planes = []Plane{PlaneAxial, PlaneCoronal, PlaneSagittal}

// String is the plane's name: axial, coronal or sagittal ("" for none).
func (p Plane) String() string { return string(p) }

// ParsePlane reads a plane's name, as String writes it.
func ParsePlane(s string) (Plane, error) {
	if p := Plane(s); slices.Contains(Planes, p) {
		return p, nil
	}
	return "", fmt.Errorf("plane %q: want axial, coronal or sagittal", s)
}

// ErrCannotReformat is wrapped by the errors that say why a series cannot
// be reformatted: too few slices, missing or inconsistent geometry, a
// gantry tilt, uneven spacing.
var ErrCannotReformat = errors.New("cannot reformat")

// Tolerances of the geometry checks.
const (
	// spacingTolerance is how far (a fraction of the median gap) a gap
	// between two slices may be from the median.
	spacingTolerance = 0.05
	// tiltTolerance is the largest shift within the image plane per mm
	// along the normal (tan of about 0.6°) still taken as no tilt.
	tiltTolerance = 0.01
	// cosineTolerance is how far two slices' direction cosines or pixel
	// spacings may differ.
	cosineTolerance = 1e-3
)

// Volume is a series whose slices lie on one regular grid, which can be
// cut in any of the three planes. Its voxels are the slices' modality
// values (HU for CT), read slice by slice as a cut needs them: a Volume
// itself holds no pixels.
type Volume struct {
	series *Series
	// n are the grid's sizes along its axes: columns, rows, slices; mm
	// the spacing along each, in mm.
	n  [3]int
	mm [3]float64
	// axis is the patient axis (0 x: right→left, 1 y: front→back, 2 z:
	// foot→head) each grid axis runs nearest to, and sign +1 when the
	// index grows towards that axis' positive end.
	axis, sign [3]int
	// origin is the first voxel's position (the first slice's
	// ImagePositionPatient) and dir the grid axes' direction cosines.
	origin [3]float64
	dir    [3][3]float64
}

// NewVolume checks that s can be reformatted and returns its grid. The
// error, wrapping ErrCannotReformat, names the slice and what is wrong:
// fewer than 3 slices, a slice that is not a greyscale DICOM image or
// lacks ImagePositionPatient, ImageOrientationPatient or PixelSpacing,
// slices of other sizes, orientations or spacings, two at one position, a
// gantry tilt, or gaps more than 5% from the median.
func NewVolume(s *Series) (*Volume, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("series %s: %w: %s", seriesName(s), ErrCannotReformat, fmt.Sprintf(format, args...))
	}
	if len(s.Slices) < 3 {
		return nil, fail("a reformat needs 3 slices or more; this series has %d", len(s.Slices))
	}
	if msg := sameGrid(s); msg != "" {
		return nil, fail("%s", msg)
	}
	first := s.Slices[0].Image
	v := &Volume{series: s, n: [3]int{first.Width, first.Height, len(s.Slices)}}
	o := first.geometry.orient
	row, col := [3]float64{o[0], o[1], o[2]}, [3]float64{o[3], o[4], o[5]}
	normal := cross(row, col)
	if norm(normal) < 0.5 {
		return nil, fail("ImageOrientationPatient's row and column directions are not perpendicular unit vectors")
	}
	normal = scale(normal, 1/norm(normal))
	v.dir = [3][3]float64{row, col, normal}
	sp := first.geometry.spacing // row spacing (between rows), column spacing
	v.mm[0], v.mm[1] = sp[1], sp[0]
	copy(v.origin[:], first.geometry.position)
	spacing, back, msg := sliceSpacing(s, normal)
	if msg != "" {
		return nil, fail("%s", msg)
	}
	if back {
		// The series runs against the normal: the slice axis points back.
		v.dir[2] = scale(normal, -1)
	}
	v.mm[2] = spacing
	v.axis, v.sign = nearestAxes(v.dir)
	return v, nil
}

// sameGrid says what keeps s's slices off one grid ("" for nothing): a
// slice that is not a greyscale DICOM image, lacks its geometry, or has
// another size, orientation or pixel spacing than slice 1, or is a frame
// of a multi-frame image.
func sameGrid(s *Series) string {
	first := s.Slices[0].Image
	for i, sl := range s.Slices {
		im := sl.Image
		g := im.geometry
		name := fmt.Sprintf("slice %d (%s)", i+1, filepath.Base(im.Path))
		switch {
		case im.Format != "dicom" || im.layout.samples != 1 || im.palette != nil:
			return name + " is not a greyscale DICOM image"
		case g.position == nil || g.orient == nil || g.spacing == nil:
			return name + " has no ImagePositionPatient, ImageOrientationPatient or PixelSpacing"
		case im.Width != first.Width || im.Height != first.Height:
			return fmt.Sprintf("%s is %d×%d, slice 1 %d×%d", name, im.Width, im.Height, first.Width, first.Height)
		case !close(g.orient, first.geometry.orient, cosineTolerance):
			return name + " has another ImageOrientationPatient than slice 1"
		case !close(g.spacing, first.geometry.spacing, cosineTolerance*g.spacing[0]):
			return name + " has another PixelSpacing than slice 1"
		case im.Frames > 1 && sl.Frame > 1:
			return name + " is a frame of a multi-frame image, whose frames share one position"
		}
	}
	return ""
}

// sliceSpacing is the mean gap between s's slices along normal, whether
// they run against it (back), or what is wrong ("" for nothing): two
// slices at one position, a gantry tilt (a shift within the plane), or a
// gap more than spacingTolerance from the median.
func sliceSpacing(s *Series, normal [3]float64) (spacing float64, back bool, problem string) {
	gaps := make([]float64, 0, len(s.Slices)-1)
	for i := 1; i < len(s.Slices); i++ {
		a, b := s.Slices[i-1].Image.geometry.position, s.Slices[i].Image.geometry.position
		d := [3]float64{b[0] - a[0], b[1] - a[1], b[2] - a[2]}
		along := dot(d, normal)
		if math.Abs(along) < 1e-3 {
			return 0, false, fmt.Sprintf("slices %d and %d are at one position", i, i+1)
		}
		if shift := norm(sub(d, scale(normal, along))); shift > tiltTolerance*math.Abs(along) {
			return 0, false, fmt.Sprintf("a gantry tilt of %.1f° between slices %d and %d (each slice shifts %.2f mm within its plane): reformat the tilt-corrected series",
				math.Atan2(shift, math.Abs(along))*180/math.Pi, i, i+1, shift)
		}
		gaps = append(gaps, along)
	}
	sorted := slices.Clone(gaps)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	back = median < 0
	if back {
		for i := range gaps {
			gaps[i] = -gaps[i]
		}
		median = -median
	}
	var sum float64
	for i, g := range gaps {
		if math.Abs(g-median) > spacingTolerance*median {
			return 0, false, fmt.Sprintf("uneven spacing: %.2f mm between slices %d and %d, %.2f mm elsewhere (a missing slice?)", g, i+1, i+2, median)
		}
		sum += g
	}
	return sum / float64(len(gaps)), back, ""
}

// nearestAxes are, for each grid axis of direction dir[a], the patient
// axis it runs nearest to (each taken once) and whether the index grows
// towards that axis' positive end (+1) or not (-1).
func nearestAxes(dir [3][3]float64) (axis, sign [3]int) {
	used := [3]bool{}
	for a := range 3 {
		best := -1
		for p := range 3 {
			if !used[p] && (best < 0 || math.Abs(dir[a][p]) > math.Abs(dir[a][best])) {
				best = p
			}
		}
		used[best] = true
		axis[a], sign[a] = best, 1
		if dir[a][best] < 0 {
			sign[a] = -1
		}
	}
	return axis, sign
}

// seriesName is a series' description, or its UID, for errors.
func seriesName(s *Series) string {
	if s.Description != "" {
		return fmt.Sprintf("%q", s.Description)
	}
	if s.UID != "" {
		return s.UID
	}
	return "(unnamed)"
}

// planeAxes are, for a plane, the patient axis it is perpendicular to,
// the one running left to right on screen and whether it grows to the
// right, and the one running top to bottom and whether it grows
// downwards: radiological convention (the patient's right on the left of
// an axial or coronal view, the front on the left of a sagittal one, the
// head at the top).
var planeAxes = map[Plane]struct {
	fixed, h, v int
	hRight      bool // the patient coordinate grows to the right
	vDown       bool // the patient coordinate grows downwards
}{
	PlaneAxial:    {fixed: 2, h: 0, v: 1, hRight: true, vDown: true},
	PlaneCoronal:  {fixed: 1, h: 0, v: 2, hRight: true, vDown: false},
	PlaneSagittal: {fixed: 0, h: 1, v: 2, hRight: true, vDown: false},
}

// gridAxis is the grid axis nearest to patient axis p.
func (v *Volume) gridAxis(p int) int {
	for a := range 3 {
		if v.axis[a] == p {
			return a
		}
	}
	return -1
}

// Cuts is the number of cuts of plane (its positions, from 0); 0 for an
// unknown plane.
func (v *Volume) Cuts(plane Plane) int {
	pa, ok := planeAxes[plane]
	if !ok {
		return 0
	}
	return v.n[v.gridAxis(pa.fixed)]
}

// Reformatted is one cut through a volume: modality values on a grid of
// W×H pixels, DX and DY mm apart, row by row from the top left; Plane and
// Index say which cut, and Step the decimation (every Step-th voxel).
type Reformatted struct {
	Plane  Plane
	Index  int
	W, H   int
	DX, DY float64
	Step   int
	Vals   []float32
	// at maps a pixel back to the voxel it shows: column, row and slice
	// of the series (slice from 0 in the series' order).
	at func(x, y int) (i, j, k int)

	squareOnce sync.Once
	square     *Reformatted // Squared's
}

// Reformat cuts the volume in plane at index (from 0, in the order of the
// grid axis nearest the plane's normal; Cuts says how many), keeping every
// step-th voxel along both of the cut's axes (1: all; more reads fewer
// slices, a quick first view). It reads the slices the cut crosses.
func (v *Volume) Reformat(plane Plane, index, step int) (*Reformatted, error) {
	pa, ok := planeAxes[plane]
	if !ok {
		return nil, fmt.Errorf("plane %q: want axial, coronal or sagittal", plane)
	}
	step = max(step, 1)
	af, ah, av := v.gridAxis(pa.fixed), v.gridAxis(pa.h), v.gridAxis(pa.v)
	if index < 0 || index >= v.n[af] {
		return nil, fmt.Errorf("%s cut %d out of range: the series has %d", plane, index+1, v.n[af])
	}
	w, h := (v.n[ah]+step-1)/step, (v.n[av]+step-1)/step
	r := &Reformatted{Plane: plane, Index: index, W: w, H: h, Step: step,
		DX: v.mm[ah] * float64(step), DY: v.mm[av] * float64(step), Vals: make([]float32, w*h)}
	// idx is the grid index along axis a of screen position u (in
	// decimated pixels), given whether the patient coordinate grows with u.
	idx := func(a, u int, grows bool) int {
		i := u * step
		if (v.sign[a] > 0) != grows {
			i = v.n[a] - 1 - i
		}
		return i
	}
	r.at = func(x, y int) (int, int, int) {
		var g [3]int
		g[af], g[ah], g[av] = index, idx(ah, x, pa.hRight), idx(av, y, pa.vDown)
		return g[0], g[1], g[2]
	}
	cols := v.n[0]
	if af == 2 {
		// A stored slice: one read.
		vals, err := v.slice(index)
		if err != nil {
			return nil, err
		}
		for y := range h {
			for x := range w {
				i, j, _ := r.at(x, y)
				r.Vals[y*w+x] = vals[j*cols+i]
			}
		}
		return r, nil
	}
	// Every step-th slice along the cut's slice axis, each read once.
	sliceAxisIsH := ah == 2
	n := h
	if sliceAxisIsH {
		n = w
	}
	for u := range n {
		var k int
		if sliceAxisIsH {
			_, _, k = r.at(u, 0)
		} else {
			_, _, k = r.at(0, u)
		}
		vals, err := v.slice(k)
		if err != nil {
			return nil, err
		}
		for t := range max(w, h) {
			x, y := t, u
			if sliceAxisIsH {
				x, y = u, t
			}
			if x >= w || y >= h {
				break
			}
			i, j, _ := r.at(x, y)
			r.Vals[y*w+x] = vals[j*cols+i]
		}
	}
	return r, nil
}

// slice reads the modality values of slice k.
func (v *Volume) slice(k int) ([]float32, error) {
	sl := v.series.Slices[k]
	vals, err := sl.Image.modality(sl.Frame)
	if err != nil {
		return nil, fmt.Errorf("slice %d (%s): %w", k+1, filepath.Base(sl.Image.Path), err)
	}
	return vals, nil
}

// Voxel is the patient position (mm, DICOM's LPS axes) of pixel (x, y)
// of the cut: where the geometry puts it.
func (r *Reformatted) Voxel(v *Volume, x, y int) [3]float64 {
	i, j, k := r.at(x, y)
	p := v.origin
	for a, n := range [3]int{i, j, k} {
		p = add(p, scale(v.dir[a], float64(n)*v.mm[a]))
	}
	return p
}

// Render windows the cut into an 8-bit image at square pixels (Squared),
// so a sphere looks round however thick the slices are.
func (r *Reformatted) Render(w Window) *image.Gray {
	sq := r.Squared()
	dst := image.NewGray(image.Rect(0, 0, sq.W, sq.H))
	applyWindow(dst.Pix, sq.Vals, w, false)
	return dst
}

// Squared is the cut resampled to square pixels: the shorter spacing is
// kept and the values along the other axis interpolated linearly (pixel
// centres aligned, edges clamped). It is made once and then kept; r
// itself when its pixels are square already.
func (r *Reformatted) Squared() *Reformatted {
	r.squareOnce.Do(func() {
		px := math.Min(r.DX, r.DY)
		dw, dh := int(math.Round(float64(r.W)*r.DX/px)), int(math.Round(float64(r.H)*r.DY/px))
		if dw == r.W && dh == r.H {
			r.square = r
			return
		}
		sq := &Reformatted{Plane: r.Plane, Index: r.Index, W: dw, H: dh, DX: r.DX * float64(r.W) / float64(dw),
			DY: r.DY * float64(r.H) / float64(dh), Step: r.Step, Vals: make([]float32, dw*dh)}
		sq.at = func(x, y int) (int, int, int) {
			return r.at(min(x*r.W/dw, r.W-1), min(y*r.H/dh, r.H-1))
		}
		sq.squareOnce.Do(func() { sq.square = sq })
		// taps are, along one axis of n source pixels resampled to m, each
		// output pixel's two sources and the weight of the second.
		taps := func(n, m int) ([]int, []float32) {
			idx, wt := make([]int, m), make([]float32, m)
			for o := range m {
				s := (float64(o)+0.5)*float64(n)/float64(m) - 0.5
				s = math.Min(math.Max(s, 0), float64(n-1))
				i := int(s)
				if i >= n-1 {
					i = max(n-2, 0)
				}
				idx[o], wt[o] = i, float32(s-float64(i))
			}
			return idx, wt
		}
		xi, xw := taps(r.W, dw)
		yi, yw := taps(r.H, dh)
		at := func(x, y int) float32 { return r.Vals[min(y, r.H-1)*r.W+min(x, r.W-1)] }
		parallelRows(dh, func(lo, hi int) {
			for y := lo; y < hi; y++ {
				j, fy := yi[y], yw[y]
				row := sq.Vals[y*dw : (y+1)*dw]
				for x := range row {
					i, fx := xi[x], xw[x]
					top := at(i, j)*(1-fx) + at(i+1, j)*fx
					bot := at(i, j+1)*(1-fx) + at(i+1, j+1)*fx
					row[x] = top*(1-fy) + bot*fy
				}
			}
		})
		r.square = sq
	})
	return r.square
}

// close reports whether a and b differ by at most tol in every value.
func close(a, b []float64, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol {
			return false
		}
	}
	return true
}

func cross(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func norm(a [3]float64) float64 { return math.Sqrt(dot(a, a)) }

func scale(a [3]float64, f float64) [3]float64 { return [3]float64{a[0] * f, a[1] * f, a[2] * f} }

func add(a, b [3]float64) [3]float64 { return [3]float64{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }

func sub(a, b [3]float64) [3]float64 { return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }

// Prepare makes the model input from cut index of plane as Image.Prepare
// makes it from the cut's image (CutImages): windowed (opts.Window, or
// the first slice's default window), cut to opts.Region (pixels of the
// square-pixel cut) when set, fitted to the square and PNG-encoded; the
// encoding may be display or ct3. Source names the first slice's file
// and the cut ("coronal 39 of 64").
func (v *Volume) Prepare(plane Plane, index int, opts PrepareOptions) (*Prepared, error) {
	ims, err := v.CutImages(plane, []int{index})
	if err != nil {
		return nil, err
	}
	first := v.series.Slices[0]
	if opts.Window == nil && opts.Encoding != EncodingCT3 {
		w := first.Image.DefaultWindow(first.Frame)
		opts.Window = &w
	}
	opts.Frame = 1
	p, err := ims[0].prepare(opts)
	if err != nil {
		return nil, fmt.Errorf("%s cut %d: %w", plane, index+1, err)
	}
	p.Source = fmt.Sprintf("%s (%s %d of %d)", filepath.Base(first.Image.Path), plane, index+1, v.Cuts(plane))
	p.Frame = index + 1
	p.Plane = plane
	return p, nil
}

// CutOf is the cut of plane through grid voxel g (column, row, slice).
func (v *Volume) CutOf(plane Plane, g [3]int) int {
	pa, ok := planeAxes[plane]
	if !ok {
		return 0
	}
	return g[v.gridAxis(pa.fixed)]
}

// Centre is the grid voxel in the middle of the volume.
func (v *Volume) Centre() [3]int { return [3]int{v.n[0] / 2, v.n[1] / 2, v.n[2] / 2} }

// Size is the grid's size: columns, rows, slices.
func (v *Volume) Size() [3]int { return v.n }

// GridAt is the grid voxel (column, row, slice) that pixel (x, y) of the
// cut shows.
func (r *Reformatted) GridAt(x, y int) [3]int {
	x, y = min(max(x, 0), r.W-1), min(max(y, 0), r.H-1)
	i, j, k := r.at(x, y)
	return [3]int{i, j, k}
}

// PixelOf is the pixel of the cut nearest grid voxel g's projection onto
// it: where a cross-hair through g crosses the cut.
func (r *Reformatted) PixelOf(g [3]int) (x, y int) {
	// at is affine in x and y: invert it from three points.
	o := r.GridAt(0, 0)
	var ax, ay [3]int
	if r.W > 1 {
		ax = r.GridAt(1, 0)
	}
	if r.H > 1 {
		ay = r.GridAt(0, 1)
	}
	solve := func(d [3]int, n int) int {
		for a := range 3 {
			if step := d[a] - o[a]; step != 0 && n > 1 {
				return min(max((g[a]-o[a])/step, 0), n-1)
			}
		}
		return 0
	}
	return solve(ax, r.W), solve(ay, r.H)
}

// CutImages makes the cuts idx of plane, each an Image of its own that
// every encoding, recipe and measurement takes like a stored slice: the
// cut at square pixels (Squared), its modality values (rounded to whole
// units when they fit 16 bits, else through a rescale that fits them),
// the first slice's study facts, windows and modality, and the square
// spacing as its PixelSpacing. Each slice of the series is read once for
// all the cuts.
func (v *Volume) CutImages(plane Plane, idx []int) ([]*Image, error) {
	pa, ok := planeAxes[plane]
	if !ok {
		return nil, fmt.Errorf("plane %q: want axial, coronal or sagittal", plane)
	}
	af := v.gridAxis(pa.fixed)
	cuts := make([]*Reformatted, len(idx))
	for c, index := range idx {
		if index < 0 || index >= v.n[af] {
			return nil, fmt.Errorf("%s cut %d out of range: the series has %d", plane, index+1, v.n[af])
		}
		if af == 2 {
			r, err := v.Reformat(plane, index, 1)
			if err != nil {
				return nil, err
			}
			cuts[c] = r
			continue
		}
		r, err := v.emptyCut(plane, index)
		if err != nil {
			return nil, err
		}
		cuts[c] = r
	}
	if af != 2 {
		// One pass over the slices: each fills its line of every cut.
		for k := range v.n[2] {
			vals, err := v.slice(k)
			if err != nil {
				return nil, err
			}
			for _, r := range cuts {
				r.fillSlice(k, vals, v.n[0])
			}
		}
	}
	out := make([]*Image, len(cuts))
	for c, r := range cuts {
		out[c] = v.cutImage(r.Squared())
	}
	return out, nil
}

// emptyCut is Reformat's cut, step 1, with no values read yet.
func (v *Volume) emptyCut(plane Plane, index int) (*Reformatted, error) {
	pa := planeAxes[plane]
	af, ah, av := v.gridAxis(pa.fixed), v.gridAxis(pa.h), v.gridAxis(pa.v)
	w, h := v.n[ah], v.n[av]
	r := &Reformatted{Plane: plane, Index: index, W: w, H: h, Step: 1, DX: v.mm[ah], DY: v.mm[av], Vals: make([]float32, w*h)}
	idx := func(a, u int, grows bool) int {
		if (v.sign[a] > 0) != grows {
			return v.n[a] - 1 - u
		}
		return u
	}
	r.at = func(x, y int) (int, int, int) {
		var g [3]int
		g[af], g[ah], g[av] = index, idx(ah, x, pa.hRight), idx(av, y, pa.vDown)
		return g[0], g[1], g[2]
	}
	return r, nil
}

// fillSlice copies into the cut its pixels that lie on slice k, whose
// modality values are vals (cols wide).
func (r *Reformatted) fillSlice(k int, vals []float32, cols int) {
	// The slice axis runs along x or y of the cut: find the line.
	_, _, k00 := r.at(0, 0)
	_, _, k10 := r.at(min(1, r.W-1), 0)
	if r.W > 1 && k10 != k00 {
		x := k - k00
		if k10 < k00 {
			x = k00 - k
		}
		for y := range r.H {
			i, j, _ := r.at(x, y)
			r.Vals[y*r.W+x] = vals[j*cols+i]
		}
		return
	}
	_, _, k01 := r.at(0, min(1, r.H-1))
	y := k - k00
	if k01 < k00 {
		y = k00 - k
	}
	for x := range r.W {
		i, j, _ := r.at(x, y)
		r.Vals[y*r.W+x] = vals[j*cols+i]
	}
}

// cutImage makes an Image of a square-pixel cut.
func (v *Volume) cutImage(r *Reformatted) *Image {
	first := v.series.Slices[0].Image
	lo, hi := minMax(r.Vals)
	slope := 1.0
	if m := math.Max(math.Abs(lo), math.Abs(hi)); m > 32767 {
		slope = m / 32767
	}
	raw := make([]byte, 2*len(r.Vals))
	for i, f := range r.Vals {
		s := int16(math.Round(float64(f) / slope))
		raw[2*i], raw[2*i+1] = byte(uint16(s)), byte(uint16(s)>>8)
	}
	im := &Image{
		Path: first.Path, Format: "dicom", Width: r.W, Height: r.H, Frames: 1,
		Modality: first.Modality, Photometric: "MONOCHROME2", TransferSyntax: first.TransferSyntax,
		Windows: first.Windows, Info: first.Info,
		layout: layout{rows: r.H, cols: r.W, samples: 1, bitsAllocated: 16, bitsStored: 16, highBit: 15, signed: true,
			order: binary.LittleEndian},
		raw:    raw,
		frames: []frameParams{{slope: slope, windows: first.Windows}},
		geometry: geometry{series: first.geometry.series + "." + r.Plane.String(),
			spacing: []float64{r.DY, r.DX}},
		Plane: r.Plane,
	}
	return im
}
