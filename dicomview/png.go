package dicomview

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/adler32"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"sync"

	"github.com/klauspost/compress/flate"
)

// rgbImage is a packed 8-bit RGB image, three bytes a pixel, rows 3·w
// bytes apart, at the origin: the colour model input as PNG stores it,
// without the alpha an *image.RGBA would carry.
type rgbImage struct {
	w, h int
	pix  []byte
}

func newRGBImage(w, h int) *rgbImage { return &rgbImage{w: w, h: h, pix: make([]byte, 3*w*h)} }

// ColorModel, Bounds and At make an rgbImage an image.Image.
func (m *rgbImage) ColorModel() color.Model { return color.RGBAModel }

// Bounds is the image's rectangle, at the origin.
func (m *rgbImage) Bounds() image.Rectangle { return image.Rect(0, 0, m.w, m.h) }

// At is the opaque colour at x, y.
func (m *rgbImage) At(x, y int) color.Color {
	if x < 0 || y < 0 || x >= m.w || y >= m.h {
		return color.RGBA{}
	}
	p := m.pix[3*(y*m.w+x):]
	return color.RGBA{R: p[0], G: p[1], B: p[2], A: 0xff}
}

// EncodePNG encodes img as PNG and returns the bytes and their SHA-256 in
// hex. The same image gives the same bytes. An *image.Gray is written as
// 8-bit grey, an opaque *image.RGBA (and the pipeline's packed RGB) as
// 8-bit RGB, each row with the Up filter and deflate at best speed
// (writePNG); other images go through image/png.
func EncodePNG(img image.Image) ([]byte, string, error) {
	var buf bytes.Buffer
	var err error
	switch m := img.(type) {
	case *rgbImage:
		err = writePNG(&buf, m.w, m.h, 3, m.pix, 3*m.w)
	case *image.RGBA:
		if !m.Opaque() {
			err = png.Encode(&buf, m)
			break
		}
		w, h := m.Rect.Dx(), m.Rect.Dy()
		rgb := newRGBImage(w, h)
		parallelRows(h, func(lo, hi int) {
			for y := lo; y < hi; y++ {
				src := m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y+y):][:4*w]
				dst := rgb.pix[3*w*y : 3*w*(y+1)]
				for x := range w {
					s, d := src[4*x:4*x+3:4*x+3], dst[3*x:3*x+3:3*x+3]
					d[0], d[1], d[2] = s[0], s[1], s[2]
				}
			}
		})
		err = writePNG(&buf, w, h, 3, rgb.pix, 3*w)
	case *image.Gray:
		err = writePNG(&buf, m.Rect.Dx(), m.Rect.Dy(), 1, m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y):], m.Stride)
	default:
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
	}
	if err != nil {
		return nil, "", fmt.Errorf("encode PNG: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), hex.EncodeToString(sum[:]), nil
}

// pngBands is the number of bands of rows writePNG compresses
// independently. It is fixed, not the number of CPUs, so that the bytes do
// not depend on the machine.
const pngBands = 16

// flateWriters are reused best-speed deflaters.
var flateWriters sync.Pool

// writePNG writes a w×h 8-bit PNG (PNG specification, ISO/IEC 15948) of
// ch channels (1 grey, 3 RGB) whose row y is pix[y·stride:][:w·ch]: IHDR,
// one IDAT, IEND. Every row is filtered with Up (filter type 2); the
// filtered rows are cut into pngBands bands, each deflated at best speed
// (github.com/klauspost/compress/flate, level 1) on its own, in parallel,
// and ended with a sync flush, and the bands are joined into one zlib
// stream (RFC 1950/1951) with the Adler-32 of all of them.
func writePNG(out *bytes.Buffer, w, h, ch int, pix []byte, stride int) error {
	chunk := func(typ string, data ...[]byte) {
		n := 0
		for _, d := range data {
			n += len(d)
		}
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(n))
		out.Write(b[:])
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		out.WriteString(typ)
		for _, d := range data {
			crc.Write(d)
			out.Write(d)
		}
		binary.BigEndian.PutUint32(b[:], crc.Sum32())
		out.Write(b[:])
	}
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8] = 8 // bit depth
	if ch == 3 {
		ihdr[9] = 2 // truecolour; 0 is grey
	}
	chunk("IHDR", ihdr)

	// Each band of rows is filtered (1 filter-type byte, then Up
	// differences), summed (Adler-32) and deflated by one goroutine while
	// it is in the CPU's cache; the bands' sums are then combined.
	n := w * ch
	line := 1 + n
	bands := min(pngBands, h)
	parts := make([][]byte, bands)
	sums := make([]uint32, bands)
	errs := make([]error, bands)
	zero := make([]byte, n)
	parallelChunks(bands, 1, func(lo, hi int) {
		var filtered []byte
		for b := lo; b < hi; b++ {
			y0, y1 := b*h/bands, (b+1)*h/bands
			if size := (y1 - y0) * line; cap(filtered) < size {
				filtered = make([]byte, size)
			} else {
				filtered = filtered[:size]
			}
			for y := y0; y < y1; y++ {
				prev := zero
				if y > 0 {
					prev = pix[(y-1)*stride:][:n]
				}
				f := filtered[(y-y0)*line : (y-y0+1)*line]
				f[0] = 2 // Up
				subBytes(f[1:], pix[y*stride:][:n], prev)
			}
			sums[b] = adler32.Checksum(filtered)
			var buf bytes.Buffer
			fw, _ := flateWriters.Get().(*flate.Writer)
			var err error
			if fw == nil {
				fw, err = flate.NewWriter(&buf, flate.BestSpeed)
			} else {
				fw.Reset(&buf)
			}
			if err == nil {
				_, err = fw.Write(filtered)
			}
			if err == nil {
				if b == bands-1 {
					err = fw.Close()
				} else {
					err = fw.Flush()
				}
			}
			parts[b], errs[b] = buf.Bytes(), err
			flateWriters.Put(fw)
		}
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	total := uint32(1) // the Adler-32 of nothing
	for b, s := range sums {
		total = adler32Combine(total, s, (b+1)*h/bands*line-b*h/bands*line)
	}
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], total)
	// zlib header: deflate, 32K window, FLEVEL 0 (fastest), FCHECK.
	chunk("IDAT", append(append([][]byte{{0x78, 0x01}}, parts...), sum[:])...)
	chunk("IEND")
	return nil
}

// adler32Combine is the Adler-32 of the bytes of a followed by the n
// bytes of b, from their Adler-32 sums (as zlib's adler32_combine): the
// first sum grows by b's, the second by b's and n times a's first.
func adler32Combine(a, b uint32, n int) uint32 {
	const mod = 65521
	rem := uint32(n % mod)
	s1 := a & 0xffff
	s2 := rem * s1 % mod
	s1 += b&0xffff + mod - 1
	s2 += a>>16 + b>>16 + mod - rem
	if s1 >= mod {
		s1 -= mod
	}
	if s1 >= mod {
		s1 -= mod
	}
	if s2 >= 2*mod {
		s2 -= 2 * mod
	}
	if s2 >= mod {
		s2 -= mod
	}
	return s2<<16 | s1
}

// subBytes sets dst[i] = a[i] − b[i] (mod 256) for every byte, eight bytes
// at a time in a 64-bit word: each byte's high bit is set in a and cleared
// in b so that no borrow crosses into the next byte, then put right. (Not
// inlined, so that its loop keeps its values in registers.)
//
//go:noinline
func subBytes(dst, a, b []byte) {
	const hi = 0x8080808080808080
	a, b = a[:len(dst)], b[:len(dst)]
	for len(dst) >= 8 {
		x := binary.LittleEndian.Uint64(a)
		y := binary.LittleEndian.Uint64(b)
		binary.LittleEndian.PutUint64(dst, ((x|hi)-(y&^hi))^((x^^y)&hi))
		dst, a, b = dst[8:], a[8:], b[8:]
	}
	for i := range dst {
		dst[i] = a[i] - b[i]
	}
}

// scratch keeps the pipeline's big byte buffers of the model input's
// sizes (a grey or RGB 896×896 image) between
// uses, so that preparing slice after slice reuses them instead of
// asking the system for fresh pages, and zeroing them, every time.
var scratch = func() map[int]*sync.Pool {
	m := map[int]*sync.Pool{}
	for _, ch := range []int{1, 3} {
		m[ch*ModelInputSize*ModelInputSize] = new(sync.Pool)
	}
	return m
}()

// getScratch returns n bytes of unspecified content: a kept buffer for
// the sizes scratch keeps, else a new one.
func getScratch(n int) []byte {
	if p := scratch[n]; p != nil {
		if b, ok := p.Get().(*[]byte); ok {
			return *b
		}
	}
	return make([]byte, n)
}

// putScratch gives b back for getScratch to return again; b must not be
// used after.
func putScratch(b []byte) {
	if p := scratch[len(b)]; p != nil {
		p.Put(&b)
	}
}
