package dicomview

import (
	"fmt"
	"math"

	"github.com/medgemma-workbench/medgemma-workbench/internal/rowsum"
)

// pillowPrecision is the fixed-point precision of Pillow's 8-bit
// resampler: 32 − 8 − 2 bits (PRECISION_BITS in libImaging/Resample.c).
const pillowPrecision = rowsum.FixedBits // 32 − 8 − 2

// pillowTaps are one axis's weights, as Pillow's precompute_coeffs and
// normalize_coeffs_8bpc make them: output pixel i reads first[i] and the
// n[i] inputs after it, with weights k[i·size:][:n[i]].
type pillowTaps struct {
	first, n []int
	k        []int32
	size     int
}

// bilinearTaps computes the triangle filter's taps for resizing in source
// pixels to out, in float64 in Pillow's order of operations, the support
// widened by the scale on a reduction, each pixel's weights normalised to
// sum 1, then rounded to pillowPrecision bits.
func bilinearTaps(in, out int) pillowTaps {
	scale := float64(in) / float64(out)
	filterscale := max(scale, 1.0)
	support := 1.0 * filterscale // the bilinear filter's support is 1
	size := int(math.Ceil(support))*2 + 1
	t := pillowTaps{first: make([]int, out), n: make([]int, out), k: make([]int32, out*size), size: size}
	w := make([]float64, size)
	for xx := range out {
		center := float64(float64(xx)+0.5) * scale
		ss := 1.0 / filterscale
		xmin := max(int(center-support+0.5), 0)
		xmax := min(int(center+support+0.5), in) - xmin
		ww := 0.0
		for x := range xmax {
			v := math.Abs(float64(float64(x+xmin)-center+0.5) * ss)
			if v < 1 {
				v = 1 - v
			} else {
				v = 0
			}
			w[x] = v
			ww += v
		}
		for x := range xmax {
			if ww != 0 {
				w[x] /= ww
			}
			// (int)(±0.5 + w·2^p), truncated toward zero as C does.
			if w[x] < 0 {
				t.k[xx*size+x] = int32(-0.5 + w[x]*(1<<pillowPrecision))
			} else {
				t.k[xx*size+x] = int32(0.5 + w[x]*(1<<pillowPrecision))
			}
		}
		t.first[xx], t.n[xx] = xmin, xmax
	}
	return t
}

// clip8 is Pillow's clip8: a fixed-point sum back to a byte.
func clip8(v int32) uint8 {
	switch {
	case v >= 255<<pillowPrecision:
		return 255
	case v <= 0:
		return 0
	}
	return uint8(v >> pillowPrecision)
}

// ResizeBilinear resizes p to w×h as Pillow's Image.resize((w, h),
// Image.BILINEAR) does (the resize of Hugging Face's Gemma3ImageProcessor):
// a horizontal pass over the source rows the vertical pass needs, rounded
// to bytes, then a vertical pass, each in 22-bit fixed point. The same
// size returns a copy, as Pillow does.
func ResizeBilinear(p Pixels, w, h int) (Pixels, error) {
	if err := p.check(); err != nil {
		return Pixels{}, fmt.Errorf("resize: %w", err)
	}
	if w < 1 || h < 1 {
		return Pixels{}, fmt.Errorf("resize to %d×%d", w, h)
	}
	out := Pixels{W: w, H: h, Channels: p.Channels}
	if w == p.W && h == p.H {
		out.Pix = append([]byte(nil), p.Pix...)
		return out, nil
	}
	ch := p.Channels
	src := p
	vert := bilinearTaps(p.H, h)
	if w != p.W {
		// Only the rows the vertical pass reads are filtered horizontally.
		lo := vert.first[0]
		hi := vert.first[h-1] + vert.n[h-1]
		horiz := bilinearTaps(p.W, w)
		tmp := Pixels{W: w, H: hi - lo, Channels: ch, Pix: pooledBytes(w * ch * (hi - lo))}
		two, ok := horiz.two()
		parallelRows(hi-lo, func(y0, y1 int) {
			for y := y0; y < y1; y++ {
				dst, src := tmp.Pix[y*w*ch:(y+1)*w*ch], p.Pix[(y+lo)*p.W*ch:(y+lo+1)*p.W*ch]
				if ok && ch == 3 {
					horizontalRGB2(dst, src, two)
				} else {
					horizontalRow(dst, src, horiz, ch)
				}
			}
		})
		for i := range vert.first {
			vert.first[i] -= lo
		}
		src = tmp
	}
	if h == p.H { // no vertical pass: the horizontal one read every row
		out.Pix = src.Pix
		return out, nil
	}
	out.Pix = pooledBytes(w * h * ch)
	stride := w * ch
	parallelRows(h, func(y0, y1 int) {
		for y := y0; y < y1; y++ {
			verticalRow(out.Pix[y*stride:(y+1)*stride], src.Pix, stride, vert.first[y], vert.k[y*vert.size:y*vert.size+vert.n[y]])
		}
	})
	if w != p.W {
		src.Release() // the horizontal pass's rows, ours alone
	}
	return out, nil
}

// twoTaps are an enlargement's taps in the shape its loop wants: each
// output pixel reads source pixels a and b (b = a at an edge) with
// weights ka and kb. ok is false when some pixel has more than two taps.
type twoTaps struct {
	a, b   []int
	ka, kb []int32
}

func (t pillowTaps) two() (twoTaps, bool) {
	n := len(t.first)
	tt := twoTaps{a: make([]int, n), b: make([]int, n), ka: make([]int32, n), kb: make([]int32, n)}
	for x := range n {
		switch t.n[x] {
		case 1:
			tt.a[x], tt.b[x], tt.ka[x] = t.first[x], t.first[x], t.k[x*t.size]
		case 2:
			tt.a[x], tt.b[x], tt.ka[x], tt.kb[x] = t.first[x], t.first[x]+1, t.k[x*t.size], t.k[x*t.size+1]
		default:
			return tt, false
		}
	}
	return tt, true
}

// horizontalRGB2 filters one RGB row with at most two taps a pixel.
func horizontalRGB2(dst, src []byte, t twoTaps) {
	const half = 1 << (pillowPrecision - 1)
	for x := range t.a {
		a, b := src[3*t.a[x]:3*t.a[x]+3:3*t.a[x]+3], src[3*t.b[x]:3*t.b[x]+3:3*t.b[x]+3]
		ka, kb := t.ka[x], t.kb[x]
		d := dst[3*x : 3*x+3 : 3*x+3]
		d[0] = clip8(half + int32(a[0])*ka + int32(b[0])*kb)
		d[1] = clip8(half + int32(a[1])*ka + int32(b[1])*kb)
		d[2] = clip8(half + int32(a[2])*ka + int32(b[2])*kb)
	}
}

// horizontalRow filters one row of ch-channel pixels.
func horizontalRow(dst, src []byte, t pillowTaps, ch int) {
	const half = 1 << (pillowPrecision - 1)
	for x := range len(dst) / ch {
		k := t.k[x*t.size : x*t.size+t.n[x]]
		s := src[t.first[x]*ch:]
		switch ch {
		case 1:
			acc := int32(half)
			for i, kv := range k {
				acc += int32(s[i]) * kv
			}
			dst[x] = clip8(acc)
		default:
			r, g, b := int32(half), int32(half), int32(half)
			for i, kv := range k {
				r += int32(s[3*i]) * kv
				g += int32(s[3*i+1]) * kv
				b += int32(s[3*i+2]) * kv
			}
			dst[3*x], dst[3*x+1], dst[3*x+2] = clip8(r), clip8(g), clip8(b)
		}
	}
}

// verticalRow makes one output row from the rows first, first+1, … of src
// (rows stride bytes apart) with weights k.
func verticalRow(dst, src []byte, stride, first int, k []int32) {
	const half = 1 << (pillowPrecision - 1)
	switch len(k) {
	case 2: // every row of an enlargement but the edges
		rowsum.Blend2(dst, src[first*stride:], src[(first+1)*stride:], k[0], k[1])
	default:
		for i := range dst {
			acc := int32(half)
			for j, kv := range k {
				acc += int32(src[(first+j)*stride+i]) * kv
			}
			dst[i] = clip8(acc)
		}
	}
}

// PadSquare centres p on a black square whose side is its longer side,
// as Google's CXR notebooks pad a radiograph before the model's resize.
func PadSquare(p Pixels) Pixels {
	side := max(p.W, p.H)
	if p.W == p.H {
		return p
	}
	out := Pixels{W: side, H: side, Channels: p.Channels, Pix: make([]byte, side*side*p.Channels)}
	x0, y0 := (side-p.W)/2, (side-p.H)/2
	row := p.W * p.Channels
	for y := range p.H {
		copy(out.Pix[((y0+y)*side+x0)*p.Channels:], p.Pix[y*row:(y+1)*row])
	}
	return out
}
