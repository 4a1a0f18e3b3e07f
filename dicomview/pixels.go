package dicomview

import (
	"encoding/binary"
	"math"
)

// This file holds the pixel pipeline as plain functions on plain data:
// stored values → modality values → 8-bit display values. Products are
// converted explicitly before additions so that no platform fuses them into
// an FMA instruction: the same file gives the same bytes on amd64 and arm64.

// layout describes how the samples of one frame are stored (DICOM PS3.3
// C.7.6.3, Image Pixel module).
type layout struct {
	rows, cols    int
	samples       int  // samples per pixel: 1 (grey) or 3 (RGB)
	planar        bool // colour-by-plane (PlanarConfiguration 1)
	ybr422        bool // native YBR_FULL_422: Y1 Y2 Cb Cr for each pixel pair
	bitsAllocated int  // 8, 16 or 32
	bitsStored    int  // 1…bitsAllocated
	highBit       int  // bitsStored-1…bitsAllocated-1
	signed        bool // two's complement (PixelRepresentation 1)
	// packed: the file stores BitsAllocated 1; the decoded frames hold one
	// byte (0 or 1) per pixel, as bitsAllocated 8 and bitsStored 1 say.
	packed bool
	order  binary.ByteOrder
}

// pixels returns the number of pixels in a frame.
func (l layout) pixels() int { return l.rows * l.cols }

// frameBytes returns the number of bytes one frame occupies.
func (l layout) frameBytes() int {
	if l.ybr422 {
		return l.pixels() * 2 * l.bitsAllocated / 8
	}
	return l.pixels() * l.samples * l.bitsAllocated / 8
}

// storedValue extracts a stored value from its sample container: the
// bitsStored bits ending at highBit, sign-extended when signed. Bits outside
// that range (overlays, garbage) are ignored.
func storedValue(container uint32, bitsStored, highBit int, signed bool) int64 {
	shift := highBit + 1 - bitsStored
	v := uint64(container) >> uint(shift) & (1<<uint(bitsStored) - 1)
	if signed && v>>(uint(bitsStored)-1) != 0 {
		return int64(v) - 1<<uint(bitsStored)
	}
	return int64(v)
}

// containers returns a function reading the i-th sample container of a
// frame.
func containers(raw []byte, l layout) func(i int) uint32 {
	switch l.bitsAllocated {
	case 8:
		return func(i int) uint32 { return uint32(raw[i]) }
	case 16:
		return func(i int) uint32 { return uint32(l.order.Uint16(raw[2*i:])) }
	default:
		return func(i int) uint32 { return l.order.Uint32(raw[4*i:]) }
	}
}

// modalityValues decodes one greyscale frame (exactly l.frameBytes() bytes)
// and applies the modality rescale, value*slope + intercept (PS3.3
// C.11.1.1.2).
func modalityValues(raw []byte, l layout, slope, intercept float64) []float32 {
	at := containers(raw, l)
	out := make([]float32, l.pixels())
	for i := range out {
		v := float64(storedValue(at(i), l.bitsStored, l.highBit, l.signed))
		out[i] = float32(float64(v*slope) + intercept)
	}
	return out
}

// rgbValues decodes one colour frame into interleaved 8-bit R, G, B
// samples, scaling stored values of other depths to 0…255. YBR_FULL and
// YBR_FULL_422 are converted to RGB with the equations of PS3.3 C.7.6.3.1.2.
func rgbValues(raw []byte, l layout, photometric string) []uint8 {
	at := containers(raw, l)
	n := l.pixels()
	out := make([]uint8, 3*n)
	maxStored := float64(uint64(1)<<uint(l.bitsStored) - 1)
	sample := func(i int) uint8 {
		v := storedValue(at(i), l.bitsStored, l.highBit, false)
		if l.bitsStored != 8 {
			v = int64(math.Round(float64(float64(v)*255) / maxStored))
		}
		return uint8(v)
	}
	for p := 0; p < n; p++ {
		for c := 0; c < 3; c++ {
			i := 3*p + c
			switch {
			case l.ybr422:
				// Pixels 2k and 2k+1 are stored as Y(2k) Y(2k+1) Cb Cr.
				pair := p / 2 * 4
				if c == 0 {
					i = pair + p%2
				} else {
					i = pair + 1 + c
				}
			case l.planar:
				i = c*n + p
			}
			out[3*p+c] = sample(i)
		}
	}
	if photometric == "YBR_FULL" || photometric == "YBR_FULL_422" {
		ybrToRGB(out)
	}
	return out
}

// ybrTables are the chroma terms of ybrToRGB, indexed by Cb or Cr.
var ybrTables = func() (t [4][256]int) {
	for i := range 256 {
		x := float64(i)
		t[0][i] = int(1.402*x - 0.701*255)   // R from Cr
		t[1][i] = int(0.3441 * x)            // G from Cb
		t[2][i] = int(0.7141*x - 0.5291*255) // G from Cr
		t[3][i] = int(1.772*x - 0.8859*255)  // B from Cb
	}
	return t
}()

// ybrToRGB converts interleaved 8-bit Y, Cb, Cr samples to R, G, B in place
// with the full-range equations of PS3.3 C.7.6.3.1.2, computed as dcmtk
// computes them (chroma centred at 127.5, each chroma term truncated
// towards zero) so that colour renders match dcmtk's exactly; the
// difference from centring at 128 is under one grey level.
func ybrToRGB(px []uint8) {
	clamp := func(v int) uint8 { return uint8(min(255, max(0, v))) }
	t := &ybrTables
	for i := 0; i+2 < len(px); i += 3 {
		y, cb, cr := int(px[i]), px[i+1], px[i+2]
		px[i] = clamp(y + t[0][cr])
		px[i+1] = clamp(y - t[1][cb] - t[2][cr])
		px[i+2] = clamp(y + t[3][cb])
	}
}

// minMax returns the smallest and largest of vals (0, 0 when empty).
func minMax(vals []float32) (lo, hi float64) {
	if len(vals) == 0 {
		return 0, 0
	}
	l, h := vals[0], vals[0]
	for _, v := range vals[1:] {
		if v < l {
			l = v
		}
		if v > h {
			h = v
		}
	}
	return float64(l), float64(h)
}

// minMaxWindow returns the window that maps lo to 0 and hi to 255 under
// voiLinear (the same choice as dcmtk's min-max window).
func minMaxWindow(lo, hi float64) Window {
	return Window{Center: (lo + hi + 1) / 2, Width: hi - lo + 1}
}

// fullRangeWindow returns the window that maps the whole range of unsigned
// bits-bit values linearly onto 0…255; for 8 bits it is the identity.
func fullRangeWindow(bits int) Window {
	n := math.Ldexp(1, bits)
	return Window{Center: n / 2, Width: n}
}

// voiLinear applies the linear VOI LUT function of DICOM PS3.3 C.11.2.1.2.1
// to the modality value x, for the output range 0…255:
//
//	x <= c - 0.5 - (w-1)/2      → 0
//	x >  c - 0.5 + (w-1)/2      → 255
//	else ((x - (c-0.5)) / (w-1) + 0.5) * 255, rounded to nearest
//
// A width of 1 or less is a threshold at c - 0.5.
func voiLinear(x float64, w Window) uint8 {
	lo := w.Center - 0.5 - (w.Width-1)/2
	hi := w.Center - 0.5 + (w.Width-1)/2
	switch {
	case x <= lo:
		return 0
	case x > hi:
		return 255
	}
	// Here lo < x <= hi, so w.Width > 1. (x-lo)/(w-1) equals
	// (x-(c-0.5))/(w-1) + 0.5.
	t := float64((x - lo) / (w.Width - 1))
	y := float64(t * 255)
	return uint8(y + 0.5)
}

// applyWindow writes the windowed display value of every modality value to
// dst (len(dst) >= len(vals)), inverting it for MONOCHROME1.
func applyWindow(dst []uint8, vals []float32, w Window, invert bool) {
	applyWindowFunc(dst, vals, w, VOILinear, invert)
}

// applyWindowFunc is applyWindow with a VOI LUT Function ("" is LINEAR).
// Rows are shared among the CPUs.
func applyWindowFunc(dst []uint8, vals []float32, w Window, function string, invert bool) {
	var flip uint8
	if invert {
		flip = 255
	}
	parallelRows(len(vals)/4096+1, func(lo, hi int) {
		vs := vals[lo*4096 : min(hi*4096, len(vals))]
		d := dst[lo*4096:]
		switch function {
		case VOILinearExact:
			for i, v := range vs {
				d[i] = voiExact(float64(v), w) ^ flip
			}
		case VOISigmoid:
			for i, v := range vs {
				d[i] = voiSigmoid(float64(v), w) ^ flip
			}
		default:
			for i, v := range vs {
				d[i] = voiLinear(float64(v), w) ^ flip
			}
		}
	})
}

// modalityTable returns, for a greyscale layout of at most 16 stored
// bits, the modality value of every stored value (indexed by value − the
// lowest stored value), computed exactly as modalityValues and lutValues
// compute them pixel by pixel; nil when the layout has more bits.
func modalityTable(l layout, p frameParams) (vals []float32, lowest int64) {
	if l.bitsStored > 16 || l.samples != 1 {
		return nil, 0
	}
	n := 1 << uint(l.bitsStored)
	if l.signed {
		lowest = -int64(n / 2)
	}
	vals = make([]float32, n)
	for i := range vals {
		v := lowest + int64(i)
		if p.modLUT != nil {
			vals[i] = float32(p.modLUT.at(v))
		} else {
			vals[i] = float32(float64(float64(v)*p.slope) + p.intercept)
		}
	}
	return vals, lowest
}

// displayTable returns, for a greyscale layout of at most 16 stored bits,
// the display value of every stored value (indexed by value − the lowest
// stored value), computed exactly as modalityValues and applyWindowFunc
// compute them pixel by pixel; nil when the layout has more bits.
func displayTable(l layout, p frameParams, w Window, invert bool) (table []uint8, lowest int64) {
	vals, lowest := modalityTable(l, p)
	if vals == nil {
		return nil, 0
	}
	table = make([]uint8, len(vals))
	applyWindowFunc(table, vals, w, p.voiFunc, invert)
	return table, lowest
}

// applyTable writes the display value of every stored value of one
// greyscale frame (raw) to dst through a displayTable.
func applyTable(dst []uint8, raw []byte, l layout, table []uint8, lowest int64) {
	applyTableN(dst, 1, raw, l, table, lowest)
}

// applyTableN writes, for every stored value of one greyscale frame
// (raw), the n bytes of table at n × (value − lowest) to dst, n bytes a
// pixel: one for a grey display table, four for RGBA.
func applyTableN(dst []uint8, n int, raw []byte, l layout, table []uint8, lowest int64) {
	pixels := len(dst) / n
	if k, ok := tableIndex(l, lowest); ok && (n == 1 || n == 4) {
		var t32 []uint32
		if n == 4 {
			t32 = make([]uint32, len(table)/4)
			for i := range t32 {
				t32[i] = binary.LittleEndian.Uint32(table[4*i:])
			}
		}
		parallelRows(pixels/4096+1, func(lo, hi int) {
			i0, i1 := lo*4096, min(hi*4096, pixels)
			if i0 >= i1 {
				return
			}
			src := raw[i0*k.bytes : i1*k.bytes]
			if n == 1 {
				k.lookup(dst[i0:i1], src, table)
			} else {
				k.lookup4(dst[4*i0:4*i1], src, t32)
			}
		})
		return
	}
	at := containers(raw, l)
	put := func(i int, k int64) {
		if n == 1 {
			dst[i] = table[k]
			return
		}
		copy(dst[n*i:n*i+n], table[n*int(k):n*int(k)+n])
	}
	parallelRows(pixels/4096+1, func(lo, hi int) {
		for i := lo * 4096; i < min(hi*4096, pixels); i++ {
			put(i, storedValue(at(i), l.bitsStored, l.highBit, l.signed)-lowest)
		}
	})
}

// tableKey turns a little-endian 8- or 16-bit sample container into its
// index in a table of every stored value (modalityTable's order): the
// stored bits (container >> shift & mask), with the sign bit flipped for
// signed values, which puts the lowest value, −2^(bits−1), first.
type tableKey struct {
	bytes             int // container size
	shift, mask, flip uint32
}

// tableIndex is the tableKey of l for a table starting at lowest, and
// false for a layout it cannot index (big-endian or 32-bit containers, or
// a lowest that is not modalityTable's).
func tableIndex(l layout, lowest int64) (tableKey, bool) {
	if l.bitsStored < 1 || l.bitsStored > 16 || (l.bitsAllocated != 8 && l.bitsAllocated != 16) ||
		(l.bitsAllocated == 16 && l.order != binary.LittleEndian) {
		return tableKey{}, false
	}
	k := tableKey{bytes: l.bitsAllocated / 8, shift: uint32(l.highBit + 1 - l.bitsStored), mask: 1<<uint(l.bitsStored) - 1}
	switch {
	case l.signed && lowest == -(1<<uint(l.bitsStored-1)):
		k.flip = 1 << uint(l.bitsStored-1)
	case l.signed || lowest != 0:
		return tableKey{}, false
	}
	return k, true
}

// lookup writes table's entry for every container of raw to dst.
//
//go:noinline
func (k tableKey) lookup(dst []uint8, raw []byte, table []uint8) {
	shift, mask, flip := k.shift, k.mask, k.flip
	if k.bytes == 1 {
		raw = raw[:len(dst)]
		for i, c := range raw {
			dst[i] = table[(uint32(c)>>shift&mask)^flip]
		}
		return
	}
	raw = raw[:2*len(dst)]
	for i := range dst {
		c := raw[2*i : 2*i+2 : 2*i+2]
		dst[i] = table[((uint32(c[0])|uint32(c[1])<<8)>>shift&mask)^flip]
	}
}

// lookupFloat is lookup into a table of float32 values, the value of
// container i going to dst[i·stride].
//
//go:noinline
func (k tableKey) lookupFloat(dst []float32, stride int, raw []byte, table []float32) {
	shift, mask, flip := k.shift&31, k.mask, k.flip
	n := len(raw) / k.bytes
	if n == 0 {
		return
	}
	dst = dst[:(n-1)*stride+1]
	switch {
	case k.bytes == 1:
		for i, c := range raw[:n] {
			dst[i*stride] = table[(uint32(c)>>shift&mask)^flip]
		}
	case shift == 0: // the usual 16-bit layout: the stored bits at the bottom
		raw = raw[:2*n]
		i, j := 0, 0
		for ; i+2 <= n; i += 2 { // two containers a 32-bit load
			c := binary.LittleEndian.Uint32(raw[2*i:])
			a, b := table[(c&mask)^flip], table[(c>>16&mask)^flip]
			dst[j], dst[j+stride] = a, b
			j += 2 * stride
		}
		if i < n {
			dst[j] = table[(uint32(binary.LittleEndian.Uint16(raw[2*i:]))&mask)^flip]
		}
	default:
		raw = raw[:2*n]
		for i := range n {
			c := raw[2*i : 2*i+2 : 2*i+2]
			dst[i*stride] = table[((uint32(c[0])|uint32(c[1])<<8)>>shift&mask)^flip]
		}
	}
}

// lookupFloat3 is lookupFloat for a table of three float32 values an
// entry (three channels a pixel): dst holds 3·len(raw)/k.bytes values.
//
//go:noinline
func (k tableKey) lookupFloat3(dst []float32, raw []byte, table []float32) {
	shift, mask, flip := k.shift&31, k.mask, k.flip
	n := len(dst) / 3
	put := func(i int, key uint32) {
		j := 3 * key
		t := table[j : j+3 : j+3]
		d := dst[3*i : 3*i+3 : 3*i+3]
		d[0], d[1], d[2] = t[0], t[1], t[2]
	}
	switch {
	case k.bytes == 1:
		raw = raw[:n]
		for i, c := range raw {
			put(i, (uint32(c)>>shift&mask)^flip)
		}
	case shift == 0:
		raw = raw[:2*n]
		for i := range n {
			c := raw[2*i : 2*i+2 : 2*i+2]
			put(i, ((uint32(c[0])|uint32(c[1])<<8)&mask)^flip)
		}
	default:
		raw = raw[:2*n]
		for i := range n {
			c := raw[2*i : 2*i+2 : 2*i+2]
			put(i, ((uint32(c[0])|uint32(c[1])<<8)>>shift&mask)^flip)
		}
	}
}

// lookup4 is lookup for a table of four bytes an entry (RGBA), read as
// little-endian words.
//
//go:noinline
func (k tableKey) lookup4(dst []uint8, raw []byte, table []uint32) {
	shift, mask, flip := k.shift, k.mask, k.flip
	n := len(dst) / 4
	for i := range n {
		var c uint32
		if k.bytes == 1 {
			c = uint32(raw[i])
		} else {
			c = uint32(raw[2*i]) | uint32(raw[2*i+1])<<8
		}
		binary.LittleEndian.PutUint32(dst[4*i:], table[(c>>shift&mask)^flip])
	}
}

// lutValues decodes one greyscale frame and maps its stored values through
// the Modality LUT (PS3.3 C.11.1).
func lutValues(raw []byte, l layout, m *lut) []float32 {
	at := containers(raw, l)
	out := make([]float32, l.pixels())
	for i := range out {
		out[i] = float32(m.at(storedValue(at(i), l.bitsStored, l.highBit, l.signed)))
	}
	return out
}
