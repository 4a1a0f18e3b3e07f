package ui

// The viewer's region tool: in region mode a primary-button drag draws a
// measurement's shape — a rectangle, an ellipse, a length or an arrow —
// in pixels of the original.

import (
	"image"
	"math"

	"fyne.io/fyne/v2"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// regionTool is what a drag draws in region mode, and what it drew.
type regionTool struct {
	// regionMode is on while a primary-button drag draws regionKind.
	regionMode bool
	// regionKind is what a drag draws: a rectangle, the ellipse region
	// bounds, a length or an arrow (a line from line[0] to line[1]).
	regionKind core.MeasurementKind
	line       [2][2]float64
	// region is the rectangle drawn, in original pixels, clipped to the
	// image (a line's bounds for a length or an arrow).
	region     image.Rectangle
	regionSize [2]int // the original's size the region is about
	regionFrom [2]float64
	regionDrag bool // a drag is drawing; it started at regionFrom
}

// SetRegionMode makes a primary-button drag draw kind, or, for the zero
// kind, change the window; another kind than before clears what was
// drawn.
func (v *Viewer) SetRegionMode(kind core.MeasurementKind) {
	v.regionMode = kind != ""
	if kind != "" && kind != v.regionKind {
		v.regionKind = kind
		v.SetRegion(image.Rectangle{})
	}
}

// RegionKind is what a drag draws (or last drew); the zero kind before
// the first.
func (v *Viewer) RegionKind() core.MeasurementKind { return v.regionKind }

// Line is the length drawn: its two ends, in pixels of the original.
func (v *Viewer) Line() [2][2]float64 { return v.line }

// Region is the region drawn, in pixels of the original; empty for none.
func (v *Viewer) Region() image.Rectangle { return v.region }

// SetRegion draws r (original pixels; empty clears it).
func (v *Viewer) SetRegion(r image.Rectangle) {
	v.region, v.regionSize = r, [2]int{v.nativeW, v.nativeH}
	v.Refresh()
}

// regionShown reports whether the region is about the original shown
// (not, say, the 896×896 model input shown instead).
func (v *Viewer) regionShown() bool {
	return !v.region.Empty() && v.img != nil && v.regionSize == [2]int{v.nativeW, v.nativeH}
}

// dragRegion draws the region from where the drag started to where the
// pointer is now.
func (v *Viewer) dragRegion(e *fyne.DragEvent) {
	to, ok := v.imagePoint(e.Position)
	if !ok {
		return
	}
	if !v.regionDrag {
		from, _ := v.imagePoint(e.Position.Subtract(fyne.NewPos(e.Dragged.DX, e.Dragged.DY)))
		v.regionFrom, v.regionDrag = from, true
	}
	f := v.regionFrom
	v.line = [2][2]float64{f, to}
	r := image.Rect(int(math.Floor(f[0])), int(math.Floor(f[1])), int(math.Ceil(to[0])), int(math.Ceil(to[1]))).Canon()
	v.region, v.regionSize = r.Intersect(image.Rect(0, 0, v.nativeW, v.nativeH)), [2]int{v.nativeW, v.nativeH}
	v.Refresh()
}

// endRegionDrag reports the region a drag drew, if it drew one.
func (v *Viewer) endRegionDrag() {
	if !v.regionDrag {
		return
	}
	v.regionDrag = false
	if v.OnRegion != nil && !v.region.Empty() {
		v.OnRegion(v.region)
	}
}
