package dicomview

import (
	"math"
	"runtime"
	"sync"
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
		for y := lo; y < hi; y++ {
			row := p.pix[y*p.w*ch:]
			dst := tmp[y*dw*ch:]
			if ch == 1 {
				for x, t := range tx {
					src := row[t.first : t.first+len(t.w)]
					var acc float32
					for k, w := range t.w {
						acc += float32(w * src[k])
					}
					dst[x] = acc
				}
				continue
			}
			for x, t := range tx {
				for c := 0; c < ch; c++ {
					var acc float32
					for k, w := range t.w {
						acc += float32(w * row[(t.first+k)*ch+c])
					}
					dst[x*ch+c] = acc
				}
			}
		}
	})
	// Vertical pass.
	ty := filterTaps(p.h, dh)
	out := plane{w: dw, h: dh, ch: ch, pix: make([]float32, dw*dh*ch)}
	parallelRows(dh, func(lo, hi int) {
		for y := lo; y < hi; y++ {
			t := ty[y]
			dst := out.pix[y*dw*ch : (y+1)*dw*ch]
			for k, w := range t.w {
				src := tmp[(t.first+k)*dw*ch : (t.first+k+1)*dw*ch]
				for i, v := range src {
					dst[i] += float32(w * v)
				}
			}
		}
	})
	return out
}

// toByte rounds v to the nearest of 0…255.
func toByte(v float32) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}

// boxFactor is the integer box pre-reduction for n → dn: the largest k
// that leaves Catmull-Rom a reduction of at least 2, so that the
// filter, not the box, shapes the result.
func boxFactor(n, dn int) int {
	return max(1, n/(2*dn))
}
