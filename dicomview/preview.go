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
	p := resize(plane{w: im.Width, h: im.Height, ch: 1, pix: vals}, w, h)
	return &Preview{Width: w, Height: h, vals: p.pix, voiFunc: im.frames[frame-1].voiFunc, invert: im.invert}, nil
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
