// Package viewport draws what the image viewer shows, as plain image
// maths with no window: the view of an image zoomed and panned onto an
// RGBA buffer, opaque black around it and its grey levels inverted on
// request (Draw), and the shapes drawn over it, placed in the pixels of
// the original image (Box, Ellipse, Line, Arrow).
package viewport

import (
	"encoding/binary"
	"image"
	"runtime"
	"sync"
)

// View places an original image on a destination buffer: Zoom
// destination pixels per original pixel, with the original's point
// Center (in original pixels) at the middle of the destination.
type View struct {
	Zoom   float64
	Center [2]float64
}

// at maps a coordinate of the original (c is its Center's on that axis)
// to one of a destination size pixels long.
func (v View) at(x, c float64, size int) float64 {
	return (x-c)*v.Zoom + float64(size)/2
}

// Draw fills dst with the view v of src, a copy of a nativeW×nativeH
// original that may be reduced (a preview): nearest neighbour, opaque
// black outside the image, grey levels inverted if invert. Without an
// image or a zoom all of dst is black. Rows are drawn in parallel.
func Draw(dst *image.RGBA, src image.Image, nativeW, nativeH int, v View, invert bool) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	z := v.Zoom
	if src == nil || z <= 0 || nativeW < 1 || nativeH < 1 {
		fillBlack(dst.Pix)
		return
	}
	sb := src.Bounds()
	sy := float64(sb.Dy()) / float64(nativeH) // source rows per original row
	cols := sourceColumns(w, sb.Dx(), nativeW, z, v.Center[0])
	var flip uint8
	if invert {
		flip = 0xff
	}
	drawRow := rowDrawer(src, cols, flip)
	inParallel(h, min(runtime.GOMAXPROCS(0), max(1, w*h/(256*256))), func(y int) {
		out := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		ny := v.Center[1] + (float64(y)+0.5-float64(h)/2)/z
		if ny < 0 || ny >= float64(nativeH) {
			fillBlack(out)
			return
		}
		drawRow(out, min(int(ny*sy), sb.Dy()-1))
	})
}

// sourceColumns maps each of w destination columns to its column of a
// source srcW pixels wide (a copy of an original nativeW wide) at zoom z
// around the original's column center; -1 outside the image.
func sourceColumns(w, srcW, nativeW int, z, center float64) []int {
	sx := float64(srcW) / float64(nativeW) // source pixels per original pixel
	cols := make([]int, w)
	for x := range cols {
		nx := center + (float64(x)+0.5-float64(w)/2)/z
		if nx < 0 || nx >= float64(nativeW) {
			cols[x] = -1
			continue
		}
		cols[x] = min(int(nx*sx), srcW-1)
	}
	return cols
}

// rowDrawer returns the function that draws source row row of src into
// the destination row out through cols, its levels xor flip: a fast path
// for grey and RGBA images, image.Image's At for the others.
func rowDrawer(src image.Image, cols []int, flip uint8) func(out []uint8, row int) {
	sb := src.Bounds()
	switch src := src.(type) {
	case *image.Gray:
		return func(out []uint8, row int) {
			in := src.Pix[(row+sb.Min.Y-src.Rect.Min.Y)*src.Stride+(sb.Min.X-src.Rect.Min.X):]
			for x, c := range cols {
				v := uint32(0xff000000)
				if c >= 0 {
					v = greyRGBA[in[c]^flip]
				}
				binary.LittleEndian.PutUint32(out[4*x:], v)
			}
		}
	case *image.RGBA:
		return func(out []uint8, row int) {
			in := src.Pix[(row+sb.Min.Y-src.Rect.Min.Y)*src.Stride+4*(sb.Min.X-src.Rect.Min.X):]
			for x, c := range cols {
				px := out[4*x : 4*x+4 : 4*x+4]
				if c < 0 {
					px[0], px[1], px[2], px[3] = 0, 0, 0, 0xff
					continue
				}
				q := in[4*c : 4*c+3 : 4*c+3]
				px[0], px[1], px[2], px[3] = q[0]^flip, q[1]^flip, q[2]^flip, 0xff
			}
		}
	}
	return func(out []uint8, row int) {
		for x, c := range cols {
			px := out[4*x : 4*x+4 : 4*x+4]
			if c < 0 {
				px[0], px[1], px[2], px[3] = 0, 0, 0, 0xff
				continue
			}
			cr, cg, cb, _ := src.At(sb.Min.X+c, sb.Min.Y+row).RGBA()
			px[0], px[1], px[2], px[3] = uint8(cr>>8)^flip, uint8(cg>>8)^flip, uint8(cb>>8)^flip, 0xff
		}
	}
}

// inParallel calls row for each y in [0, h), the rows split into n bands
// drawn at once.
func inParallel(h, n int, row func(y int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for y := i * h / n; y < (i+1)*h/n; y++ {
				row(y)
			}
		}()
	}
	wg.Wait()
}

// greyRGBA maps a grey level to its opaque RGBA pixel, little endian.
var greyRGBA = func() (t [256]uint32) {
	for g := range t {
		v := uint32(g)
		t[g] = 0xff000000 | v<<16 | v<<8 | v
	}
	return t
}()

// fillBlack sets RGBA pixels to opaque black.
func fillBlack(pix []uint8) {
	for i := 0; i+3 < len(pix); i += 4 {
		pix[i], pix[i+1], pix[i+2], pix[i+3] = 0, 0, 0, 0xff
	}
}
