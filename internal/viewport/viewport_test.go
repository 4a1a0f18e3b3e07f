package viewport

import (
	"image"
	"image/color"
	"slices"
	"strings"
	"testing"
)

// grey is the opaque pixel of grey level v; black is the viewer's
// background.
func grey(v uint8) color.RGBA { return color.RGBA{R: v, G: v, B: v, A: 0xff} }

var black = grey(0)

// greyImage is a w×h grey image with the given levels, row by row.
func greyImage(w, h int, levels ...uint8) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	copy(g.Pix, levels)
	return g
}

// rows returns dst's pixels row by row.
func rows(dst *image.RGBA) [][]color.RGBA {
	var out [][]color.RGBA
	for y := dst.Rect.Min.Y; y < dst.Rect.Max.Y; y++ {
		var row []color.RGBA
		for x := dst.Rect.Min.X; x < dst.Rect.Max.X; x++ {
			row = append(row, dst.RGBAAt(x, y))
		}
		out = append(out, row)
	}
	return out
}

// repeat is n copies of c.
func repeat(c color.RGBA, n int) []color.RGBA {
	return slices.Repeat([]color.RGBA{c}, n)
}

// TestDraw: the view shows the original's pixels where the zoom and the
// centre put them, from a full or a reduced copy, each kind of image
// alike, inverted on request, and opaque black wherever there is no
// image.
func TestDraw(t *testing.T) {
	rgba := image.NewRGBA(image.Rect(0, 0, 2, 1))
	copy(rgba.Pix, []uint8{200, 10, 0, 0xff, 0, 100, 250, 0xff})
	nrgba := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	copy(nrgba.Pix, []uint8{200, 10, 0, 0xff, 0, 100, 250, 0xff})
	wide := greyImage(4, 1, 0, 60, 120, 180)
	red, blue := color.RGBA{R: 200, G: 10, A: 0xff}, color.RGBA{G: 100, B: 250, A: 0xff}
	for _, tt := range []struct {
		name             string
		src              image.Image
		nativeW, nativeH int
		v                View
		invert           bool
		w, h             int
		want             [][]color.RGBA
	}{
		{
			// A 4×2 original shown from a 2×1 copy: each copy pixel covers
			// 2×2 original pixels, 4×4 at zoom 2; the rows above and below
			// the 2-pixel-high original are black.
			name: "reduced copy, fitted and centred", src: greyImage(2, 1, 10, 200), nativeW: 4, nativeH: 2,
			v: View{Zoom: 2, Center: [2]float64{2, 1}}, w: 8, h: 6,
			want: [][]color.RGBA{
				repeat(black, 8),
				append(repeat(grey(10), 4), repeat(grey(200), 4)...),
				append(repeat(grey(10), 4), repeat(grey(200), 4)...),
				append(repeat(grey(10), 4), repeat(grey(200), 4)...),
				append(repeat(grey(10), 4), repeat(grey(200), 4)...),
				repeat(black, 8),
			},
		},
		{
			name: "inverted", src: greyImage(2, 1, 10, 200), nativeW: 4, nativeH: 2,
			v: View{Zoom: 2, Center: [2]float64{2, 1}}, invert: true, w: 8, h: 6,
			want: [][]color.RGBA{
				repeat(black, 8),
				append(repeat(grey(245), 4), repeat(grey(55), 4)...),
				append(repeat(grey(245), 4), repeat(grey(55), 4)...),
				append(repeat(grey(245), 4), repeat(grey(55), 4)...),
				append(repeat(grey(245), 4), repeat(grey(55), 4)...),
				repeat(black, 8),
			},
		},
		{
			// Zoom 2 around x = 3: the four columns show original columns
			// 2, 2, 3, 3.
			name: "zoomed on the right half", src: wide, nativeW: 4, nativeH: 1,
			v: View{Zoom: 2, Center: [2]float64{3, 0.5}}, w: 4, h: 1,
			want: [][]color.RGBA{{grey(120), grey(120), grey(180), grey(180)}},
		},
		{
			// 1:1 around x = 4, the right edge: columns 2 and 3, then
			// nothing.
			name: "panned past the right edge", src: wide, nativeW: 4, nativeH: 1,
			v: View{Zoom: 1, Center: [2]float64{4, 0.5}}, w: 4, h: 1,
			want: [][]color.RGBA{{grey(120), grey(180), black, black}},
		},
		{
			name: "panned past the left edge", src: wide, nativeW: 4, nativeH: 1,
			v: View{Zoom: 1, Center: [2]float64{0.5, 0.5}}, w: 4, h: 1,
			want: [][]color.RGBA{{black, grey(0), grey(60), grey(120)}},
		},
		{
			// Half size around x = 2: the middle columns show original
			// columns 1 and 3.
			name: "zoomed out, centred", src: wide, nativeW: 4, nativeH: 1,
			v: View{Zoom: 0.5, Center: [2]float64{2, 0.5}}, w: 4, h: 1,
			want: [][]color.RGBA{{black, grey(60), grey(180), black}},
		},
		{
			name: "part of a larger grey image", src: greyImage(4, 1, 0, 60, 120, 180).SubImage(image.Rect(2, 0, 4, 1)),
			nativeW: 2, nativeH: 1, v: View{Zoom: 1, Center: [2]float64{1, 0.5}}, w: 2, h: 1,
			want: [][]color.RGBA{{grey(120), grey(180)}},
		},
		{
			name: "colour", src: rgba, nativeW: 2, nativeH: 1, v: View{Zoom: 1, Center: [2]float64{1, 0.5}}, w: 3, h: 1,
			want: [][]color.RGBA{{red, blue, black}},
		},
		{
			name: "colour inverted", src: rgba, nativeW: 2, nativeH: 1, v: View{Zoom: 1, Center: [2]float64{1, 0.5}}, invert: true, w: 3, h: 1,
			want: [][]color.RGBA{{{R: 55, G: 245, B: 255, A: 0xff}, {R: 255, G: 155, B: 5, A: 0xff}, black}},
		},
		{
			name: "another kind of image", src: nrgba, nativeW: 2, nativeH: 1, v: View{Zoom: 1, Center: [2]float64{1, 0.5}}, w: 3, h: 1,
			want: [][]color.RGBA{{red, blue, black}},
		},
		{
			name: "no image", src: nil, nativeW: 4, nativeH: 1, v: View{Zoom: 1, Center: [2]float64{2, 0.5}}, w: 2, h: 2,
			want: [][]color.RGBA{repeat(black, 2), repeat(black, 2)},
		},
		{
			name: "no zoom yet", src: wide, nativeW: 4, nativeH: 1, v: View{}, w: 2, h: 1,
			want: [][]color.RGBA{repeat(black, 2)},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dst := image.NewRGBA(image.Rect(0, 0, tt.w, tt.h))
			for i := range dst.Pix {
				dst.Pix[i] = 0x77 // what was drawn before
			}
			Draw(dst, tt.src, tt.nativeW, tt.nativeH, tt.v, tt.invert)
			if got := rows(dst); !slices.EqualFunc(got, tt.want, slices.Equal) {
				t.Errorf("drew\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

// TestDrawLargeInBands: a view large enough to be drawn in bands at once
// comes out as drawn in one.
func TestDrawLargeInBands(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 300, 700))
	for i := range src.Pix {
		src.Pix[i] = uint8(i * 7)
	}
	dst := image.NewRGBA(image.Rect(0, 0, 600, 600))
	Draw(dst, src, 600, 1400, View{Zoom: 0.9, Center: [2]float64{310, 650}}, false)
	for _, p := range []image.Point{{0, 0}, {299, 17}, {300, 300}, {599, 599}, {17, 580}} {
		nx := 310 + (float64(p.X)+0.5-300)/0.9
		ny := 650 + (float64(p.Y)+0.5-300)/0.9
		want := black
		if nx >= 0 && nx < 600 && ny >= 0 && ny < 1400 {
			want = grey(src.GrayAt(int(nx/2), int(ny/2)).Y)
		}
		if got := dst.RGBAAt(p.X, p.Y); got != want {
			t.Errorf("pixel %v = %v, want %v", p, got, want)
		}
	}
}

// cyan is the colour the shapes are drawn in.
var cyan = color.RGBA{R: 0x30, G: 0xe0, B: 0xff, A: 0xff}

// picture draws dst as text, a line a row: '#' where it is cyan, '.'
// elsewhere.
func picture(dst *image.RGBA) string {
	var b strings.Builder
	for y := dst.Rect.Min.Y; y < dst.Rect.Max.Y; y++ {
		b.WriteByte('\n')
		for x := dst.Rect.Min.X; x < dst.Rect.Max.X; x++ {
			if dst.RGBAAt(x, y) == cyan {
				b.WriteByte('#')
			} else {
				b.WriteByte('.')
			}
		}
	}
	return b.String()
}

// TestShapes: a box, a line and an arrow in the original's pixels land
// where the view puts them, in their colour and width, cut off at the
// edges of the view.
func TestShapes(t *testing.T) {
	// Zoom 2 around (2, 2) on 8×8: original pixel x covers 2x-4 and 2x-3.
	zoom2 := View{Zoom: 2, Center: [2]float64{2, 2}}
	// Zoom 1 around (4, 4) on 8×8: original pixel x is pixel x.
	same := View{Zoom: 1, Center: [2]float64{4, 4}}
	for _, tt := range []struct {
		name string
		draw func(dst *image.RGBA)
		want string
	}{
		{
			name: "box (1,1)-(3,3) at zoom 2",
			draw: func(dst *image.RGBA) { Box(dst, zoom2, [2]float64{1, 1}, [2]float64{3, 3}, 1, cyan) },
			want: `
........
........
..####..
..#..#..
..#..#..
..####..
........
........`,
		},
		{
			name: "box with lines two wide, filled",
			draw: func(dst *image.RGBA) { Box(dst, zoom2, [2]float64{1, 1}, [2]float64{3, 3}, 2, cyan) },
			want: `
........
........
..####..
..####..
..####..
..####..
........
........`,
		},
		{
			name: "box of no size, one pixel",
			draw: func(dst *image.RGBA) { Box(dst, zoom2, [2]float64{1, 1}, [2]float64{1, 1}, 1, cyan) },
			want: `
........
........
..#.....
........
........
........
........
........`,
		},
		{
			name: "box over the top-left corner, cut off",
			draw: func(dst *image.RGBA) { Box(dst, zoom2, [2]float64{-1, -1}, [2]float64{2, 2}, 1, cyan) },
			want: `
...#....
...#....
...#....
####....
........
........
........
........`,
		},
		{
			name: "box translucent colour drawn opaque",
			draw: func(dst *image.RGBA) {
				Box(dst, same, [2]float64{6, 6}, [2]float64{8, 8}, 1, color.RGBA{R: cyan.R, G: cyan.G, B: cyan.B, A: 0x40})
			},
			want: `
........
........
........
........
........
........
......##
......##`,
		},
		{
			name: "line across",
			draw: func(dst *image.RGBA) { Line(dst, same, [2][2]float64{{1, 2}, {6, 2}}, 1, cyan) },
			want: `
........
........
.######.
........
........
........
........
........`,
		},
		{
			name: "line diagonal",
			draw: func(dst *image.RGBA) { Line(dst, same, [2][2]float64{{1, 1}, {5, 5}}, 1, cyan) },
			want: `
........
.#......
..#.....
...#....
....#...
.....#..
........
........`,
		},
		{
			name: "line three wide, cut off at the left",
			draw: func(dst *image.RGBA) { Line(dst, same, [2][2]float64{{0, 6}, {3, 6}}, 3, cyan) },
			want: `
........
........
........
........
........
#####...
#####...
#####...`,
		},
		{
			name: "arrow pointing right",
			draw: func(dst *image.RGBA) { Arrow(dst, same, [2][2]float64{{1, 4}, {6, 4}}, 1, cyan) },
			want: `
........
........
........
....#...
.######.
....#...
........
........`,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dst := image.NewRGBA(image.Rect(0, 0, 8, 8))
			tt.draw(dst)
			if got := picture(dst); got != tt.want {
				t.Errorf("drew%s\nwant%s", got, tt.want)
			}
		})
	}
}

// TestEllipse: the ellipse a region bounds touches the middle of each of
// its sides, leaves its centre, and stays within it.
func TestEllipse(t *testing.T) {
	for _, tt := range []struct {
		name  string
		v     View
		r     image.Rectangle
		sides []image.Point // where it touches the region's sides, in dst
		in    image.Rectangle
	}{
		{
			name: "1:1", v: View{Zoom: 1, Center: [2]float64{6, 6}}, r: image.Rect(2, 4, 10, 8),
			sides: []image.Point{{10, 6}, {6, 8}, {2, 6}, {6, 4}}, in: image.Rect(2, 4, 11, 9),
		},
		{
			name: "zoom 2, moved", v: View{Zoom: 2, Center: [2]float64{3, 3}}, r: image.Rect(1, 2, 5, 4),
			sides: []image.Point{{10, 6}, {6, 8}, {2, 6}, {6, 4}}, in: image.Rect(2, 4, 11, 9),
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dst := image.NewRGBA(image.Rect(0, 0, 12, 12))
			Ellipse(dst, tt.v, tt.r, 1, cyan)
			for _, p := range tt.sides {
				if dst.RGBAAt(p.X, p.Y) != cyan {
					t.Errorf("no outline at %v:%s", p, picture(dst))
				}
			}
			if c := dst.RGBAAt(6, 6); c == cyan {
				t.Errorf("the centre is drawn:%s", picture(dst))
			}
			for y := range 12 {
				for x := range 12 {
					if dst.RGBAAt(x, y) == cyan && !image.Pt(x, y).In(tt.in) {
						t.Errorf("drawn at (%d, %d), outside %v:%s", x, y, tt.in, picture(dst))
					}
				}
			}
		})
	}
}
