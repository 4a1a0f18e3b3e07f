package viewport

import (
	"image"
	"image/color"
	"math"
)

// The shapes are placed by a View in the original's pixels, drawn in col
// (opaque) with lines width destination pixels wide, and clipped to dst.

// Box outlines the rectangle from the point from to the point to
// (original pixels, to exclusive) on dst, its lines inside the
// rectangle's edge. A rectangle thinner than two lines is filled.
func Box(dst *image.RGBA, v View, from, to [2]float64, width int, col color.RGBA) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	at := func(x, c float64, size int) int { return int(math.Round(v.at(x, c, size))) }
	x0, x1 := at(from[0], v.Center[0], w), at(to[0], v.Center[0], w)
	y0, y1 := at(from[1], v.Center[1], h), at(to[1], v.Center[1], h)
	x1, y1 = max(x1, x0+1), max(y1, y0+1)
	c := color.RGBA{R: col.R, G: col.G, B: col.B, A: 0xff}
	fill := func(r image.Rectangle) {
		r = r.Intersect(dst.Rect)
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				dst.SetRGBA(x, y, c)
			}
		}
	}
	t := min(width, (x1-x0+1)/2, (y1-y0+1)/2)
	fill(image.Rect(x0, y0, x1, y0+t))
	fill(image.Rect(x0, y1-t, x1, y1))
	fill(image.Rect(x0, y0, x0+t, y1))
	fill(image.Rect(x1-t, y0, x1, y1))
}

// Ellipse outlines the ellipse that r (original pixels) bounds on dst.
func Ellipse(dst *image.RGBA, v View, r image.Rectangle, width int, col color.RGBA) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	cx := v.at(float64(r.Min.X+r.Max.X)/2, v.Center[0], w)
	cy := v.at(float64(r.Min.Y+r.Max.Y)/2, v.Center[1], h)
	rx, ry := float64(r.Dx())/2*v.Zoom, float64(r.Dy())/2*v.Zoom
	n := max(16, int(4*(rx+ry)))
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		plot(dst, int(math.Round(cx+rx*math.Cos(a))), int(math.Round(cy+ry*math.Sin(a))), width, col)
	}
}

// Line draws the segment between two points of the original on dst.
func Line(dst *image.RGBA, v View, ends [2][2]float64, width int, col color.RGBA) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	x0, y0 := v.at(ends[0][0], v.Center[0], w), v.at(ends[0][1], v.Center[1], h)
	x1, y1 := v.at(ends[1][0], v.Center[0], w), v.at(ends[1][1], v.Center[1], h)
	n := max(1, int(math.Ceil(math.Hypot(x1-x0, y1-y0))))
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		plot(dst, int(math.Round(x0+(x1-x0)*t)), int(math.Round(y0+(y1-y0)*t)), width, col)
	}
}

// Arrow draws an arrow from ends[0] to the point ends[1] on dst, its head
// two strokes at 25° to the shaft, each about 14 destination pixels long
// (at most a third of the shaft).
func Arrow(dst *image.RGBA, v View, ends [2][2]float64, width int, col color.RGBA) {
	Line(dst, v, ends, width, col)
	dx, dy := ends[0][0]-ends[1][0], ends[0][1]-ends[1][1]
	n := math.Hypot(dx, dy)
	if n == 0 {
		return
	}
	head := math.Min(n/3, 14/v.Zoom)
	for _, a := range []float64{0.44, -0.44} {
		c, s := math.Cos(a), math.Sin(a)
		tip := [2]float64{ends[1][0] + (dx*c-dy*s)/n*head, ends[1][1] + (dx*s+dy*c)/n*head}
		Line(dst, v, [2][2]float64{ends[1], tip}, width, col)
	}
}

// plot sets the width-wide square of dst around (x, y) to col.
func plot(dst *image.RGBA, x, y, width int, col color.RGBA) {
	for j := y - width/2; j < y-width/2+width; j++ {
		for i := x - width/2; i < x-width/2+width; i++ {
			if image.Pt(i, j).In(dst.Rect) {
				dst.SetRGBA(i, j, col)
			}
		}
	}
}
