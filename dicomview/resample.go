package dicomview

import (
	"image"
	"math"
	"runtime"
	"sync"

	"github.com/medgemma-workbench/medgemma-workbench/internal/rowsum"
)

// This file resamples images for display and for the model input: an
// integer box pre-reduction down to about twice the target size (each
// output pixel of it the exact mean of a k×k block, so no aliasing), then a
// separable Catmull-Rom filter whose support widens with the remaining
// scale factor, as golang.org/x/image/draw's Kernel.Scale does. Rows are
// shared among the CPUs. Products are converted explicitly before they are
// added, so that no platform fuses them into FMA instructions and the same
// input gives the same bytes everywhere.

// plane is a w×h image of ch interleaved float32 channels.
type plane struct {
	w, h, ch int
	pix      []float32
}

// catmullRom is the Catmull-Rom cubic (B=0, C=0.5), support 2.
func catmullRom(t float64) float64 {
	t = math.Abs(t)
	switch {
	case t < 1:
		return (1.5*t-2.5)*t*t + 1
	case t < 2:
		return ((-0.5*t+2.5)*t-4)*t + 2
	}
	return 0
}

// taps are the filter weights of one output coordinate: input indices
// first…first+len(w)-1.
type taps struct {
	first int
	w     []float32
}

// filterTaps returns, for each of dn outputs spanning n inputs, the
// normalised Catmull-Rom weights (support scaled by n/dn when reducing).
func filterTaps(n, dn int) []taps {
	scale := float64(n) / float64(dn)
	support := 2 * math.Max(scale, 1)
	out := make([]taps, dn)
	for i := range out {
		c := (float64(i)+0.5)*scale - 0.5 // centre in input coordinates
		lo := int(math.Ceil(c - support))
		hi := int(math.Floor(c + support))
		ws := make([]float64, 0, hi-lo+1)
		sum := 0.0
		for j := lo; j <= hi; j++ {
			w := catmullRom((float64(j) - c) / math.Max(scale, 1))
			ws = append(ws, w)
			sum += w
		}
		// Clamp indices to the edge, folding weights onto edge pixels.
		first := max(lo, 0)
		last := min(hi, n-1)
		t := taps{first: first, w: make([]float32, last-first+1)}
		for k, w := range ws {
			j := min(max(lo+k, 0), n-1)
			t.w[j-first] += float32(w / sum)
		}
		out[i] = t
	}
	return out
}

// parallelRows runs f over [0, n) rows in contiguous chunks on every CPU,
// at least 16 rows to a chunk.
func parallelRows(n int, f func(lo, hi int)) {
	parallelChunks(n, 16, f)
}

// parallelChunks runs f over [0, n) in contiguous chunks of at least
// grain items, one chunk per CPU.
func parallelChunks(n, grain int, f func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/grain))
	if workers <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			f(lo, hi)
		}(lo, min(lo+chunk, n))
	}
	wg.Wait()
}

// boxReduce averages kx×ky blocks of p (partial blocks at the right and
// bottom edges average what they hold).
func boxReduce(p plane, kx, ky int) plane {
	w, h := (p.w+kx-1)/kx, (p.h+ky-1)/ky
	out := plane{w: w, h: h, ch: p.ch, pix: make([]float32, w*h*p.ch)}
	parallelRows(h, func(lo, hi int) {
		acc := make([]float32, w*p.ch)
		cnt := make([]float32, w)
		for oy := lo; oy < hi; oy++ {
			clear(acc)
			clear(cnt)
			for y := oy * ky; y < min((oy+1)*ky, p.h); y++ {
				row := p.pix[y*p.w*p.ch : (y+1)*p.w*p.ch]
				for x := 0; x < p.w; x++ {
					ox := x / kx
					cnt[ox]++
					for c := 0; c < p.ch; c++ {
						acc[ox*p.ch+c] += row[x*p.ch+c]
					}
				}
			}
			dst := out.pix[oy*w*p.ch : (oy+1)*w*p.ch]
			for ox := 0; ox < w; ox++ {
				for c := 0; c < p.ch; c++ {
					dst[ox*p.ch+c] = acc[ox*p.ch+c] / cnt[ox]
				}
			}
		}
	})
	return out
}

// resize resamples p to dw×dh.
func resize(p plane, dw, dh int) plane {
	if p.w == dw && p.h == dh {
		return p
	}
	kx, ky := boxFactor(p.w, dw), boxFactor(p.h, dh)
	if kx > 1 || ky > 1 {
		p = boxReduce(p, kx, ky)
	}
	ch := p.ch
	// Horizontal pass: p.h rows of dw pixels.
	tx := filterTaps(p.w, dw)
	tmp := make([]float32, dw*p.h*ch)
	parallelRows(p.h, func(lo, hi int) {
		hpass(p.pix, p.w*ch, ch, ch, tx, tmp, lo, hi)
	})
	// Vertical pass.
	ty := filterTaps(p.h, dh)
	out := plane{w: dw, h: dh, ch: ch, pix: make([]float32, dw*dh*ch)}
	parallelRows(dh, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			vpassRow(out.pix[y*dw*ch:(y+1)*dw*ch], tmp, ty[y])
		}
	})
	return out
}

// hpass filters rows lo…hi-1 of src horizontally with tx into tmp
// (len(tx)×ch values a row). A row of src starts stride samples after the
// previous one and holds a pixel every step samples, whose first ch are
// its channels: a float plane (step = ch), grey bytes (step 1) or RGBA
// bytes read as RGB (step 4, ch 3). Bytes are converted to float32 as
// they are read, the same values planeOf would have made, so the result
// does not depend on the source type.
func hpass[T uint8 | float32](src []T, stride, step, ch int, tx []taps, tmp []float32, lo, hi int) {
	dw := len(tx)
	for y := lo; y < hi; y++ {
		row := src[y*stride:]
		dst := tmp[y*dw*ch : (y+1)*dw*ch]
		switch ch {
		case 1:
			for x, t := range tx {
				s := row[t.first*step:]
				var acc float32
				if step == 1 {
					s = s[:len(t.w)]
					for k, w := range t.w {
						acc += float32(w * float32(s[k]))
					}
				} else {
					for k, w := range t.w {
						acc += float32(w * float32(s[k*step]))
					}
				}
				dst[x] = acc
			}
		case 3:
			for x, t := range tx {
				s := row[t.first*step:]
				var a0, a1, a2 float32
				for k, w := range t.w {
					px := s[k*step : k*step+3 : k*step+3]
					a0 += float32(w * float32(px[0]))
					a1 += float32(w * float32(px[1]))
					a2 += float32(w * float32(px[2]))
				}
				d := dst[3*x : 3*x+3 : 3*x+3]
				d[0], d[1], d[2] = a0, a1, a2
			}
		default:
			for x, t := range tx {
				for c := 0; c < ch; c++ {
					var acc float32
					for k, w := range t.w {
						acc += float32(w * float32(row[(t.first+k)*step+c]))
					}
					dst[x*ch+c] = acc
				}
			}
		}
	}
}

// vpassRow sums the rows of tmp (each len(dst) values) that t selects,
// weighted, into dst, which must be zero.
func vpassRow(dst, tmp []float32, t taps) {
	n := len(dst)
	for k, w := range t.w {
		src := tmp[(t.first+k)*n : (t.first+k+1)*n]
		d := dst[:len(src)]
		for i, v := range src {
			d[i] += float32(w * v)
		}
	}
}

// resizeBytes resamples a grey (ch 1, step 1) or RGBA (ch 3, step 4)
// byte image src of w×h pixels, rows stride bytes apart, to the rectangle
// dr of dst (an *image.RGBA, grey replicated into R, G and B, or, for
// grey, an *image.Gray), each value rounded by toByte: the bytes resize of
// its float plane followed by that rounding would give, without either
// float image. It reports false, doing nothing, when the resize needs a
// box pre-reduction.
func resizeBytes(dst image.Image, dr image.Rectangle, src []uint8, w, h, stride, step, ch int) bool {
	if boxFactor(w, dr.Dx()) > 1 || boxFactor(h, dr.Dy()) > 1 || (ch != 1 && ch != 3) {
		return false
	}
	return resizeInto(dst, dr, w, h, ch, func(y int, row []float32, step4 int) {
		sr := src[y*stride:]
		if ch == 1 {
			for x, v := range sr[:w] {
				row[x*step4] = byteFloat[v]
			}
			return
		}
		for x := 0; x < w; x++ {
			px, d := sr[x*step:x*step+3:x*step+3], row[3*x:3*x+3:3*x+3]
			d[0], d[1], d[2] = byteFloat[px[0]], byteFloat[px[1]], byteFloat[px[2]]
		}
	})
}

// byteFloat is float32(b) for every byte b. Looking it up is several
// times faster than converting: amd64's conversion instruction waits for
// the previous write of its destination register, so a row of conversions
// runs one after another.
var byteFloat = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i)
	}
	return t
}()

// resizeInto resamples the w×h image of ch channels whose rows src gives
// (as float32 values of bytes, as resizeStream asks for them) into the rectangle dr of dst, an
// *image.RGBA (grey replicated into R, G and B) or, for one channel, an
// *image.Gray, with resizeStream and toByte. It reports false for another
// destination; callers check boxFactor.
func resizeInto(dst image.Image, dr image.Rectangle, w, h, ch int, src func(y int, row []float32, stride int)) bool {
	dw := dr.Dx()
	var (
		put func(y int, vals []float32)
		out func(y int) []byte
	)
	switch d := dst.(type) {
	case *image.Gray:
		if ch != 1 {
			return false
		}
		out = func(y int) []byte { return d.Pix[d.PixOffset(dr.Min.X, dr.Min.Y+y):][:dw] }
	case *image.RGBA:
		put = func(y int, vals []float32) {
			row := d.Pix[d.PixOffset(dr.Min.X, dr.Min.Y+y):][:4*dw]
			if ch == 1 {
				for x, v := range vals[:dw] {
					b := toByte(v)
					px := row[4*x : 4*x+3 : 4*x+3]
					px[0], px[1], px[2] = b, b, b
				}
				return
			}
			for x := 0; x < dw; x++ {
				px, v := row[4*x:4*x+3:4*x+3], vals[3*x:3*x+3:3*x+3]
				px[0], px[1], px[2] = toByte(v[0]), toByte(v[1]), toByte(v[2])
			}
		}
	case *rgbImage:
		if ch == 3 {
			out = func(y int) []byte { return d.pix[3*((dr.Min.Y+y)*d.w+dr.Min.X):][:3*dw] }
			break
		}
		put = func(y int, vals []float32) {
			row := d.pix[3*((dr.Min.Y+y)*d.w+dr.Min.X):][:3*dw]
			for x, v := range vals[:dw] {
				b := toByte(v)
				px := row[3*x : 3*x+3 : 3*x+3]
				px[0], px[1], px[2] = b, b, b
			}
		}
	default:
		return false
	}
	resizeStream(w, h, ch, dw, dr.Dy(), src, put, out)
	return true
}

// toByte rounds v, a weighted sum of byte values, to the nearest of
// 0…255 (rowsum.Round: 0 for v ≤ 0, 255 for v ≥ 255, else ⌊v + ½⌋).
func toByte(v float32) uint8 { return rowsum.Round(v) }

// boxFactor is the integer box pre-reduction for n → dn: the largest k
// that leaves Catmull-Rom a reduction of at least 2, so that the
// filter, not the box, shapes the result.
func boxFactor(n, dn int) int {
	return max(1, n/(2*dn))
}
