package dicomview

import "github.com/medgemma-workbench/medgemma-workbench/internal/rowsum"

// This file resamples an image row by row (resizeStream): each source row
// is filtered horizontally once into a small ring of rows, and each output
// row is summed from the ring as soon as the rows it needs are there, so
// that neither the source nor the horizontally filtered image is ever
// whole in memory. The arithmetic is resize's, in the same order, so the
// values are the same float32 values to the bit.

// rowFilter is a horizontal Catmull-Rom filter (filterTaps) whose outputs
// all have n taps: each output's own taps, then zero weights. A zero
// product added after the last tap leaves a sum of finite values as it
// was, so the result is filterTaps' to the bit, and the loop over taps has
// one length for every output, which is what rowsum's kernels need.
type rowFilter struct {
	n     int       // taps of every output
	first []int     // first input pixel of each output
	w     []float32 // n weights for each output, output after output
}

// newRowFilter is the filter of filterTaps(n, dn) padded to one tap count.
func newRowFilter(n, dn int) rowFilter {
	ts := filterTaps(n, dn)
	f := rowFilter{first: make([]int, dn)}
	for _, t := range ts {
		f.n = max(f.n, len(t.w))
	}
	f.w = make([]float32, dn*f.n)
	for i, t := range ts {
		f.first[i] = t.first
		copy(f.w[i*f.n:], t.w)
	}
	return f
}

// resizeStream resamples a w×h image of ch channels (1 or 3) to dw×dh
// without a box pre-reduction (callers check boxFactor): src(y, dst,
// stride) writes source row y's w·ch values into dst, value i at
// dst[i·stride] (stride 1 for three channels), and put(y, vals) receives
// output row y's dw·ch values (vals is reused after put returns), or,
// when out is not nil, each value rounded by toByte goes straight into
// out(y), dw·ch bytes (rowsum's vector kernel). Bands of
// output rows run in parallel, each with its own ring of filtered rows; a
// band computes the few source rows it shares with the band before it
// again, which changes no value. Same-size images are not filtered, as in
// resize: put receives the source values.
func resizeStream(w, h, ch, dw, dh int, src func(y int, dst []float32, stride int), put func(y int, vals []float32), out func(y int) []byte) {
	if out != nil {
		put = func(y int, vals []float32) {
			o := out(y)
			for i, v := range vals[:len(o)] {
				o[i] = toByte(v)
			}
		}
	}
	if w == dw && h == dh {
		parallelRows(h, func(lo, hi int) {
			row := make([]float32, w*ch)
			for y := lo; y < hi; y++ {
				src(y, row, 1)
				put(y, row)
			}
		})
		return
	}
	fx := newRowFilter(w, dw)
	// Three channels: a pixel's R, G, B in the kernel's lanes; one channel:
	// four source rows side by side.
	lanes := 4
	if ch == 3 {
		lanes = 3
	}
	hf := rowsum.NewFilter(fx.first, fx.w, fx.n, lanes)
	ty := filterTaps(h, dh)
	ringRows := 1
	for _, t := range ty {
		ringRows = max(ringRows, len(t.w))
	}
	if ch == 1 {
		ringRows += 3 // source rows are filtered four at a time
	}
	parallelRows(dh, func(lo, hi int) {
		b := newBand(w, h, ch, dw, ringRows, fx.n, hf, src)
		rows := make([][]float32, 0, ringRows)
		acc := make([]float32, dw*ch)
		for y := lo; y < hi; y++ {
			t := ty[y]
			b.fill(t.first, t.first+len(t.w))
			rows = rows[:0]
			for k := range t.w {
				rows = append(rows, b.ring[(t.first+k)%ringRows])
			}
			if out != nil {
				rowsum.Bytes(out(y), rows, t.w)
				continue
			}
			vsum(acc, rows, t.w)
			put(y, acc)
		}
	})
}

// band is one goroutine's share of resizeStream: a ring of horizontally
// filtered source rows, filled in order as its output rows need them.
type band struct {
	w, h, ch int
	hf       *rowsum.Filter // the horizontal pass: 3 lanes (ch 3) or 4 rows (ch 1)
	src      func(y int, dst []float32, stride int)
	ring     [][]float32
	next     int       // the next source row to filter into the ring
	in, out  []float32 // the kernel's source (zeros after the pixels) and result
	spare    []float32 // where the lanes past a grey image's last row go
}

// newBand makes a band whose ring holds ringRows rows of dw pixels; n is
// the filter's taps (the zeros the kernel may read past a row).
func newBand(w, h, ch, dw, ringRows, n int, hf *rowsum.Filter, src func(int, []float32, int)) *band {
	b := &band{w: w, h: h, ch: ch, hf: hf, src: src, ring: make([][]float32, ringRows),
		in: make([]float32, 4*(w+n)), out: make([]float32, hf.DstLen()), spare: make([]float32, dw)}
	row := dw
	if ch == 3 {
		row = hf.DstLen() // 3·dw and the kernel's fourth value of the last pixel
	}
	for i := range b.ring {
		b.ring[i] = make([]float32, row)
	}
	return b
}

// fill makes sure source rows first…last-1 are in the ring, filtering
// those not yet there (rows before first that were never needed are
// skipped).
func (b *band) fill(first, last int) {
	b.next = max(b.next, first)
	for b.next < last {
		if b.ch == 3 {
			b.src(b.next, b.in[:3*b.w], 1)
			b.hf.Apply(b.ring[b.next%len(b.ring)], b.in)
			b.next++
			continue
		}
		// Four rows side by side, each pixel's four values together.
		m := min(4, b.h-b.next)
		four := [4][]float32{b.spare, b.spare, b.spare, b.spare}
		for r := range m {
			b.src(b.next+r, b.in[r:r+4*(b.w-1)+1], 4)
			four[r] = b.ring[(b.next+r)%len(b.ring)]
		}
		b.hf.Apply(b.out, b.in)
		rowsum.Deinterleave4(four, b.out)
		b.next += m
	}
}

// vsum sets dst to the weighted sum of rows (w[k] times rows[k]), adding
// the products in the order of the rows, as vpassRow does into a zeroed
// row; four rows a pass, each product still added on its own in turn.
func vsum(dst []float32, rows [][]float32, w []float32) {
	clear(dst)
	k := 0
	for ; k+4 <= len(rows); k += 4 {
		w0, w1, w2, w3 := w[k], w[k+1], w[k+2], w[k+3]
		r0 := rows[k][:len(dst)]
		r1 := rows[k+1][:len(dst)]
		r2 := rows[k+2][:len(dst)]
		r3 := rows[k+3][:len(dst)]
		for i, d := range dst {
			d += float32(w0 * r0[i])
			d += float32(w1 * r1[i])
			d += float32(w2 * r2[i])
			d += float32(w3 * r3[i])
			dst[i] = d
		}
	}
	for ; k < len(rows); k++ {
		wk := w[k]
		r := rows[k][:len(dst)]
		for i, v := range r {
			dst[i] += float32(wk * v)
		}
	}
}
