package dicomview

import (
	"fmt"
	"image"
)

// Preview is one greyscale frame's modality values resampled to a display
// size once (box pre-reduction, then Catmull-Rom), so that a viewer can
// re-window it on every mouse move: Render costs one VOI lookup per
// display pixel, whatever the size of the original.
type Preview struct {
	Width, Height int
	vals          []float32
	voiFunc       string
	invert        bool
}

// Preview returns frame (numbered from 1) of a greyscale image resampled
// so that its longer side is at most size pixels (never enlarged), keeping
// its aspect ratio.
func (im *Image) Preview(frame, size int) (*Preview, error) {
	if err := im.checkFrame(frame); err != nil {
		return nil, fmt.Errorf("preview %s: %w", im.Path, err)
	}
	if im.layout.samples != 1 || im.palette != nil {
		return nil, fmt.Errorf("preview %s: %w", im.Path, unsupported("a %s image has no window to change", im.Photometric))
	}
	if size < 1 {
		return nil, fmt.Errorf("preview %s: size %d must be at least 1", im.Path, size)
	}
	w, h := im.Width, im.Height
	if w > size || h > size {
		if w >= h {
			w, h = size, max(1, (h*size+w/2)/w)
		} else {
			w, h = max(1, (w*size+h/2)/h), size
		}
	}
	vals, err := im.modality(frame)
	if err != nil {
		return nil, fmt.Errorf("preview %s: %w", im.Path, err)
	}
	return &Preview{Width: w, Height: h, vals: resizeValues(vals, im.Width, im.Height, w, h), voiFunc: im.frames[frame-1].voiFunc, invert: im.invert}, nil
}

// resizeValues resamples a one-channel w×h image of float values to
// dw×dh as resize does, to the bit: row by row (resizeStream) unless it
// needs a box pre-reduction.
func resizeValues(vals []float32, w, h, dw, dh int) []float32 {
	if boxFactor(w, dw) > 1 || boxFactor(h, dh) > 1 {
		return resize(plane{w: w, h: h, ch: 1, pix: vals}, dw, dh).pix
	}
	if w == dw && h == dh {
		return vals
	}
	out := make([]float32, dw*dh)
	resizeStream(w, h, 1, dw, dh, func(y int, dst []float32, stride int) {
		for i, v := range vals[y*w : (y+1)*w] {
			dst[i*stride] = v
		}
	}, func(y int, row []float32) {
		copy(out[y*dw:(y+1)*dw], row)
	}, nil)
	return out
}

// Render windows the preview with w (the image's VOI LUT Function;
// inverted for MONOCHROME1) into a new grey image.
func (p *Preview) Render(w Window) (*image.Gray, error) {
	out := image.NewGray(image.Rect(0, 0, p.Width, p.Height))
	return out, p.RenderInto(out, w)
}

// RenderInto is Render into dst, which must be Width×Height with its
// origin at 0,0; it allocates nothing.
func (p *Preview) RenderInto(dst *image.Gray, w Window) error {
	if err := w.check(); err != nil {
		return err
	}
	if dst.Rect != image.Rect(0, 0, p.Width, p.Height) || dst.Stride != p.Width {
		return fmt.Errorf("preview: destination is %v (stride %d), want %d×%d", dst.Rect, dst.Stride, p.Width, p.Height)
	}
	applyWindowFunc(dst.Pix, p.vals, w, p.voiFunc, p.invert)
	return nil
}
