package evalchart

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// ForestRow is one paired comparison of a forest plot: A's score minus
// B's, its 95% interval, and the Holm-adjusted p-value.
type ForestRow struct {
	Label     string
	Diff      float64
	Low, High float64
	PAdjusted float64
}

// ReliabilityBin is one confidence bin of a reliability diagram: the
// runs whose top probability falls in (Low, High], how many, their mean
// confidence and the fraction of them right.
type ReliabilityBin struct {
	Low, High  float64
	Count      int
	Confidence float64
	Accuracy   float64
}

// ReliabilitySeries is one (prompt, model)'s reliability bins.
type ReliabilitySeries struct {
	Label string
	Bins  []ReliabilityBin
}

// canvas is an image with the drawing helpers the plots share.
type canvas struct{ img *image.RGBA }

const charW = 7 // basicfont.Face7x13's advance

var (
	black = color.RGBA{0, 0, 0, 0xff}
	grey  = color.RGBA{0xdd, 0xdd, 0xdd, 0xff}
	dark  = color.RGBA{0x77, 0x77, 0x77, 0xff}
)

func newCanvas(w, h int) canvas {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	return canvas{img}
}

func (c canvas) text(x, y int, s string, col color.Color) {
	d := font.Drawer{Dst: c.img, Src: image.NewUniform(col), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func (c canvas) rect(x1, y1, x2, y2 int, col color.Color) {
	draw.Draw(c.img, image.Rect(x1, y1, x2, y2), image.NewUniform(col), image.Point{}, draw.Src)
}

// line draws a line w pixels thick from (x1, y1) to (x2, y2), every
// dash pixels on and off when dash > 0.
func (c canvas) line(x1, y1, x2, y2, w, dash int, col color.RGBA) {
	dx, dy := x2-x1, y2-y1
	n := max(abs(dx), abs(dy), 1)
	for i := 0; i <= n; i++ {
		if dash > 0 && (i/dash)%2 == 1 {
			continue
		}
		x := x1 + int(math.Round(float64(dx*i)/float64(n)))
		y := y1 + int(math.Round(float64(dy*i)/float64(n)))
		c.rect(x-w/2, y-w/2, x-w/2+w, y-w/2+w, col)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// clip shortens s to n characters, ending in "..".
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-2]) + ".."
}

// forestRange is the half-width of a forest plot's axis: the largest
// |bound| rounded up to a multiple of 0.1, at least 0.1 and at most 1.
func forestRange(rows []ForestRow) float64 {
	m := 0.0
	for _, r := range rows {
		m = max(m, math.Abs(r.Low), math.Abs(r.High), math.Abs(r.Diff))
	}
	return min(max(math.Ceil(m*10-1e-9)/10, 0.1), 1)
}

// Forest draws paired differences as a forest plot: one row per pair,
// the difference as a square and its 95% interval as a line with end
// caps, a dashed line at zero, and the difference, interval and
// Holm-adjusted p written on the right. The same rows give the same
// pixels.
func Forest(title string, rows []ForestRow) *image.RGBA {
	const (
		margin = 16
		top    = 48
		rowH   = 26
		plotW  = 360
	)
	labelW := 0
	for _, r := range rows {
		labelW = max(labelW, len([]rune(r.Label))*charW)
	}
	labelW = min(labelW, 56*charW)
	x0 := margin + labelW + 12
	w := x0 + plotW + 36*charW
	bottom := top + max(len(rows), 1)*rowH
	c := newCanvas(w, bottom+44)
	c.text(margin, 20, title, black)
	span := forestRange(rows)
	scale := func(v float64) int { return x0 + int(math.Round((v+span)/(2*span)*plotW)) }
	for i := -4; i <= 4; i++ {
		v := span * float64(i) / 4
		x := scale(v)
		c.rect(x, top-8, x+1, bottom, grey)
		s := fmt.Sprintf("%+.2f", v)
		if i == 0 {
			s = "0"
		}
		if i%2 == 0 {
			c.text(x-len(s)*charW/2, bottom+18, s, black)
		}
	}
	c.line(scale(0), top-8, scale(0), bottom, 1, 4, black)
	c.rect(x0, bottom, x0+plotW+1, bottom+1, black)
	c.text(x0, bottom+36, "<- B better     difference A - B (95% CI)     A better ->", dark)
	c.text(x0+plotW+16, top-14, "diff [95% CI]  p (Holm)", dark)
	for i, r := range rows {
		y := top + i*rowH + rowH/2
		c.text(margin, y+4, clip(r.Label, labelW/charW), black)
		lo, hi := scale(max(r.Low, -span)), scale(min(r.High, span))
		c.rect(lo, y, hi+1, y+1, black)
		c.rect(lo, y-4, lo+1, y+5, black)
		c.rect(hi, y-4, hi+1, y+5, black)
		x := scale(r.Diff)
		c.rect(x-4, y-4, x+5, y+5, palette[0])
		c.text(x0+plotW+16, y+4, fmt.Sprintf("%+.3f [%+.3f, %+.3f]  %s", r.Diff, r.Low, r.High, formatP(r.PAdjusted)), black)
	}
	if len(rows) == 0 {
		c.text(x0+4, top+rowH/2+4, "no pairs", black)
	}
	return c.img
}

// formatP writes a p-value with three significant digits, small ones in
// exponent form.
func formatP(p float64) string {
	if p < 0.001 {
		return fmt.Sprintf("%.2e", p)
	}
	return fmt.Sprintf("%.3g", min(p, 1))
}

// Reliability draws reliability diagrams: each series' bins with runs as
// points at (mean confidence, accuracy) joined by a line, in its colour,
// over the dashed diagonal of perfect calibration, with a legend. The
// same series give the same pixels.
func Reliability(title string, series []ReliabilitySeries) *image.RGBA {
	const (
		margin = 16
		top    = 52
		side   = 320
		left   = 64
	)
	legendW := 0
	for _, s := range series {
		legendW = max(legendW, len([]rune(s.Label))*charW+28)
	}
	legendW = min(max(legendW, 26*charW), 60*charW)
	w := max(left+side+24+legendW+margin, len(title)*charW+2*margin)
	c := newCanvas(w, top+side+56)
	c.text(margin, 20, title, black)
	px := func(v float64) int { return left + int(math.Round(v*side)) }
	py := func(v float64) int { return top + side - int(math.Round(v*side)) }
	for i := 0; i <= 10; i++ {
		v := float64(i) / 10
		c.rect(px(v), top, px(v)+1, top+side, grey)
		c.rect(left, py(v), left+side, py(v)+1, grey)
		if i%2 == 0 {
			s := fmt.Sprintf("%.1f", v)
			c.text(px(v)-len(s)*charW/2, top+side+16, s, black)
			c.text(left-len(s)*charW-6, py(v)+4, s, black)
		}
	}
	c.rect(left, top, left+1, top+side+1, black)
	c.rect(left, top+side, left+side+1, top+side+1, black)
	c.line(px(0), py(0), px(1), py(1), 1, 5, dark)
	c.text(left+side/2-10*charW, top+side+36, "confidence (top probability)", black)
	c.text(left-4*charW, top-10, "accuracy", black)
	for k, s := range series {
		col := palette[k%len(palette)]
		var prev *image.Point
		for _, b := range s.Bins {
			if b.Count == 0 {
				continue
			}
			p := image.Pt(px(b.Confidence), py(b.Accuracy))
			if prev != nil {
				c.line(prev.X, prev.Y, p.X, p.Y, 2, 0, col)
			}
			prev = &p
		}
		for _, b := range s.Bins {
			if b.Count == 0 {
				continue
			}
			x, y := px(b.Confidence), py(b.Accuracy)
			r := 3 + min(int(math.Sqrt(float64(b.Count))), 5)
			c.rect(x-r, y-r, x+r+1, y+r+1, col)
		}
		ly := top + 8 + k*20
		c.rect(left+side+24, ly-4, left+side+40, ly+4, col)
		c.text(left+side+46, ly+4, clip(s.Label, (legendW-28)/charW), black)
	}
	c.text(left+side+24, top+8+len(series)*20+12, "marker size: runs in bin", dark)
	return c.img
}

// WriteForestPNG encodes [Forest] as PNG.
func WriteForestPNG(w io.Writer, title string, rows []ForestRow) error {
	return png.Encode(w, Forest(title, rows))
}

// WriteReliabilityPNG encodes [Reliability] as PNG.
func WriteReliabilityPNG(w io.Writer, title string, series []ReliabilitySeries) error {
	return png.Encode(w, Reliability(title, series))
}
