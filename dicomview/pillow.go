package dicomview

/*
#cgo pkg-config: libjpeg
#include <stdlib.h>
#include "jpeg_turbo.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"image"
	"sync"
	"unsafe"
)

// The codec and resize stages of Google's published MedGemma code, done as
// the Python libraries it calls do them, so that a recipe named after that
// code gives the model the same pixels:
//
//   - the CT notebook saves each windowed slice with Pillow,
//     PIL.Image.fromarray(slice).save(buf, format="jpeg"), and the model's
//     processor opens it again with Pillow: PillowJPEG and DecodePillowJPEG
//     run the same library Debian's Pillow links (libjpeg-turbo), set up as
//     Pillow sets it up, so the bytes are Pillow's bytes;
//   - Hugging Face's Gemma3ImageProcessor resizes every image to 896×896
//     with PIL.Image.resize(..., resample=BILINEAR): ResizeBilinear is
//     Pillow's two-pass fixed-point resampler (libImaging/Resample.c),
//     the triangle filter widened on reductions.

// Pixels are 8-bit samples: Channels (1 grey, 3 RGB) interleaved, rows
// W·Channels bytes apart, no padding.
type Pixels struct {
	W, H, Channels int
	Pix            []byte
}

// PixelsOf copies img's samples: an *image.Gray stays grey, anything else
// becomes RGB (alpha dropped, as Pillow's convert("RGB") drops it).
func PixelsOf(img image.Image) Pixels {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch m := img.(type) {
	case *image.Gray:
		p := Pixels{W: w, H: h, Channels: 1, Pix: pooledBytes(w * h)}
		for y := range h {
			copy(p.Pix[y*w:(y+1)*w], m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):])
		}
		return p
	case *rgbImage:
		p := Pixels{W: w, H: h, Channels: 3, Pix: pooledBytes(len(m.pix))}
		copy(p.Pix, m.pix)
		return p
	case *image.RGBA:
		p := Pixels{W: w, H: h, Channels: 3, Pix: pooledBytes(3 * w * h)}
		for y := range h {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			out := p.Pix[3*w*y:]
			for x := range w {
				copy(out[3*x:3*x+3], row[4*x:4*x+3])
			}
		}
		return p
	}
	p := Pixels{W: w, H: h, Channels: 3, Pix: make([]byte, 0, 3*w*h)}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			p.Pix = append(p.Pix, uint8(r>>8), uint8(g>>8), uint8(bl>>8))
		}
	}
	return p
}

// pixelPool keeps the large buffers of pixels released (Release) for the
// next image of a series: 85 slices make 85 of each size.
var pixelPool sync.Pool

// pooledBytes is n bytes, from the pool when it has a buffer large
// enough; its contents are whatever they were: the caller writes them all.
func pooledBytes(n int) []byte {
	if b, ok := pixelPool.Get().(*[]byte); ok && cap(*b) >= n {
		return (*b)[:n]
	}
	return make([]byte, n)
}

// Release gives p's buffer back for reuse by the next PixelsOf,
// DecodePillowJPEG or ResizeBilinear: p and any image made of it must not
// be used afterwards.
func (p Pixels) Release() {
	if cap(p.Pix) >= 1<<16 {
		b := p.Pix[:0]
		pixelPool.Put(&b)
	}
}

// Image returns p as an image: *image.Gray for grey, else the packed RGB
// image the PNG writer takes as it is.
func (p Pixels) Image() image.Image {
	if p.Channels == 1 {
		return &image.Gray{Pix: p.Pix, Stride: p.W, Rect: image.Rect(0, 0, p.W, p.H)}
	}
	return &rgbImage{w: p.W, h: p.H, pix: p.Pix}
}

// RGB returns p with grey replicated into R, G and B (p itself when it
// is RGB already): what Pillow's convert("RGB") makes of a grey image,
// and what the model's processor receives.
func (p Pixels) RGB() Pixels {
	if p.Channels == 3 {
		return p
	}
	out := Pixels{W: p.W, H: p.H, Channels: 3, Pix: make([]byte, 3*len(p.Pix))}
	for i, v := range p.Pix {
		out.Pix[3*i], out.Pix[3*i+1], out.Pix[3*i+2] = v, v, v
	}
	return out
}

func (p Pixels) check() error {
	if p.W < 1 || p.H < 1 || (p.Channels != 1 && p.Channels != 3) || len(p.Pix) != p.W*p.H*p.Channels {
		return fmt.Errorf("pixels %d×%d×%d hold %d bytes", p.W, p.H, p.Channels, len(p.Pix))
	}
	return nil
}

// PillowDefaultQuality is the JPEG quality Pillow saves at when none is
// given: it leaves libjpeg's default, 75.
const PillowDefaultQuality = 75

// PillowJPEG encodes p as Pillow's Image.save(format="jpeg") does with no
// options: libjpeg's defaults (baseline, 4:2:0 chroma for RGB, standard
// Huffman tables, a JFIF 1.01 header with 1:1 density and no unit) at
// quality q; 0 keeps the library's default quality, as Pillow does.
func PillowJPEG(p Pixels, q int) ([]byte, error) {
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("encode JPEG: %w", err)
	}
	if q < 0 || q > 100 {
		return nil, fmt.Errorf("encode JPEG: quality %d: want 1 to 100", q)
	}
	if q == 0 {
		q = -1
	}
	var out *C.uchar
	var n C.ulong
	var msg [256]C.char
	rc := C.mgw_turbo_encode((*C.uchar)(unsafe.Pointer(&p.Pix[0])), C.int(p.W), C.int(p.H), C.int(p.Channels),
		C.int(p.W*p.Channels), C.int(q), &out, &n, &msg[0])
	if rc != 0 {
		return nil, fmt.Errorf("encode JPEG: %s", C.GoString(&msg[0]))
	}
	defer C.mgw_turbo_free(out)
	return C.GoBytes(unsafe.Pointer(out), C.int(n)), nil
}

// ErrJPEGTooLarge is returned for a JPEG whose pixels would take more
// than the bytes allowed.
var ErrJPEGTooLarge = errors.New("JPEG larger than allowed")

// DecodePillowJPEG decodes a baseline or progressive JPEG as Pillow opens
// it (libjpeg's defaults: accurate integer IDCT, fancy chroma upsampling),
// into grey or RGB. maxBytes bounds the decoded size, checked from the
// header before anything is allocated.
func DecodePillowJPEG(data []byte, maxBytes int64) (Pixels, error) {
	if len(data) == 0 {
		return Pixels{}, errors.New("decode JPEG: no data")
	}
	var w, h, ch C.int
	var msg [256]C.char
	src := (*C.uchar)(unsafe.Pointer(&data[0]))
	if C.mgw_turbo_decode(src, C.ulong(len(data)), nil, 0, &w, &h, &ch, &msg[0]) != 0 {
		return Pixels{}, fmt.Errorf("decode JPEG: %s", C.GoString(&msg[0]))
	}
	p := Pixels{W: int(w), H: int(h), Channels: int(ch)}
	size := int64(p.W) * int64(p.H) * int64(p.Channels)
	if p.W < 1 || p.H < 1 {
		return Pixels{}, fmt.Errorf("decode JPEG: %d×%d pixels", p.W, p.H)
	}
	if size > maxBytes {
		return Pixels{}, fmt.Errorf("%w: %d×%d×%d is %d bytes, over %d", ErrJPEGTooLarge, p.W, p.H, p.Channels, size, maxBytes)
	}
	p.Pix = pooledBytes(int(size))
	if C.mgw_turbo_decode(src, C.ulong(len(data)), (*C.uchar)(unsafe.Pointer(&p.Pix[0])), C.ulong(size), &w, &h, &ch, &msg[0]) != 0 {
		return Pixels{}, fmt.Errorf("decode JPEG: %s", C.GoString(&msg[0]))
	}
	return p, nil
}
