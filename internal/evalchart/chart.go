// Package evalchart draws a batch evaluation: its scores as a bar chart,
// paired differences as a forest plot and calibration as a reliability
// diagram: plain drawing on plain data, for the CLI's PNGs, the evaluation
// report and the Batch tab alike.
package evalchart

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// palette colours bars by model.
var palette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff},
	{0xd6, 0x27, 0x28, 0xff}, {0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff},
}

// Draw draws the report as a horizontal bar chart: one bar per group
// (score from 0 to 1), its 95% interval as a whisker, coloured by model.
func Draw(rep core.EvalReport) *image.RGBA {
	face := basicfont.Face7x13
	const (
		margin = 16
		rowH   = 26
		barH   = 14
		plotW  = 400
		charW  = 7
		top    = 44
	)
	labelW := 0
	for _, g := range rep.Groups {
		labelW = max(labelW, len([]rune(g.Label()))*charW)
	}
	labelW = min(labelW, 60*charW)
	x0 := margin + labelW + 10
	w := x0 + plotW + 110
	h := top + max(len(rep.Groups), 1)*rowH + 40
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)

	text := func(x, y int, s string, c color.Color) {
		d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: face, Dot: fixed.P(x, y)}
		d.DrawString(s)
	}
	rect := func(x1, y1, x2, y2 int, c color.Color) {
		draw.Draw(img, image.Rect(x1, y1, x2, y2), image.NewUniform(c), image.Point{}, draw.Src)
	}
	grey := color.RGBA{0xdd, 0xdd, 0xdd, 0xff}
	black := color.Black
	text(margin, 20, fmt.Sprintf("Score per prompt / model / metric, with 95%% bootstrap intervals (%d resamples, seed %d)", rep.Resamples, rep.Seed), black)

	bottom := top + len(rep.Groups)*rowH
	scale := func(v float64) int { return x0 + int(v*plotW+0.5) }
	for _, t := range []float64{0, 0.25, 0.5, 0.75, 1} {
		x := scale(t)
		rect(x, top-6, x+1, bottom+4, grey)
		s := fmt.Sprintf("%.2g", t)
		text(x-len(s)*charW/2, bottom+18, s, black)
	}
	models := map[string]int{}
	for i, g := range rep.Groups {
		c, ok := models[g.Model]
		if !ok {
			c = len(models)
			models[g.Model] = c
		}
		y := top + i*rowH
		label := []rune(g.Label())
		if len(label)*charW > labelW {
			label = append(label[:labelW/charW-2], '.', '.')
		}
		text(margin, y+barH-2, string(label), black)
		if g.N == 0 {
			text(x0+4, y+barH-2, "no scored items", black)
			continue
		}
		rect(x0, y, scale(g.Score), y+barH, palette[c%len(palette)])
		// The interval: a line with end caps.
		lo, hi, mid := scale(g.Low), scale(g.High), y+barH/2
		rect(lo, mid, hi+1, mid+1, black)
		rect(lo, mid-4, lo+1, mid+5, black)
		rect(hi, mid-4, hi+1, mid+5, black)
		text(scale(1)+8, y+barH-2, fmt.Sprintf("%.3f n=%d", g.Score, g.N), black)
	}
	rect(x0, bottom+4, x0+plotW+1, bottom+5, black)
	return img
}

// WritePNG encodes the chart as PNG.
func WritePNG(w io.Writer, rep core.EvalReport) error {
	return png.Encode(w, Draw(rep))
}
