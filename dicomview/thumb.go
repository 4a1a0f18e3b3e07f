package dicomview

import (
	"errors"
	"fmt"
	"image"
	"io"
	"io/fs"
	"os"
)

// Thumbnail returns frame (numbered from 1) at most size pixels on a side,
// keeping its aspect ratio (never enlarged), for a series browser. Each of
// its pixels is the frame's pixel nearest its centre, so that only every
// k-th row and column is needed, k being the frame's longer side over size
// (a reduced copy by decimation, not by averaging): for a greyscale frame
// exactly what Render shows at those pixels with the window used.
//
// The window is the frame's first recommended one (as DefaultWindow); a
// frame the file recommends none for is windowed from the smallest to the
// largest value of the pixels taken when they are read from the file
// (a lazy image, below), else with DefaultWindow.
//
// The frame of a lazy image (OpenSeries) whose native pixel data lie in
// its file as stored is not decoded whole and not put in the series'
// pixel cache: the rows needed are read from the file, and the memory
// used is about one row and the thumbnail. Other frames (compressed,
// deflated, 1-bit or colour data, an entry of a ZIP archive) are decoded
// whole, as Render decodes them, then reduced. Errors name the file.
func (im *Image) Thumbnail(frame, size int) (image.Image, error) {
	out, err := im.thumbnail(frame, size)
	if err != nil {
		return nil, fmt.Errorf("thumbnail %s: %w", im.Path, err)
	}
	return out, nil
}

func (im *Image) thumbnail(frame, size int) (image.Image, error) {
	if err := im.checkFrame(frame); err != nil {
		return nil, err
	}
	if size < 1 {
		return nil, fmt.Errorf("size %d must be at least 1", size)
	}
	tw, th := fitWithin(im.Width, im.Height, size)
	xs, ys := samplePositions(im.Width, tw), samplePositions(im.Height, th)
	if len(im.frames) < frame {
		return nil, fmt.Errorf("image has no pixel data for frame %d", frame)
	}
	if im.layout.samples != 1 || im.palette != nil {
		return im.colourThumbnail(frame, xs, ys)
	}
	raw, fromFile, err := im.sampledSamples(frame, xs, ys)
	if err != nil {
		return nil, err
	}
	l := im.layout
	l.rows, l.cols = th, tw
	p := im.frames[frame-1]
	var vals []float32
	if p.modLUT != nil {
		vals = lutValues(raw, l, p.modLUT)
	} else {
		vals = modalityValues(raw, l, p.slope, p.intercept)
	}
	var win Window
	switch {
	case len(p.windows) > 0:
		win = p.windows[0]
	case fromFile:
		win = minMaxWindow(minMax(vals))
	default:
		win = im.DefaultWindow(frame)
	}
	if err := win.check(); err != nil {
		return nil, err
	}
	out := image.NewGray(image.Rect(0, 0, tw, th))
	applyWindowFunc(out.Pix, vals, win, p.voiFunc, im.invert)
	return out, nil
}

// fitWithin returns w×h reduced so that its longer side is at most size,
// keeping the aspect ratio (as Preview sizes a frame).
func fitWithin(w, h, size int) (int, int) {
	if w <= size && h <= size {
		return w, h
	}
	if w >= h {
		return size, max(1, (h*size+w/2)/w)
	}
	return max(1, (w*size+h/2)/h), size
}

// samplePositions returns, for each of n pixels spanning a side of
// length pixels, the pixel nearest its centre.
func samplePositions(length, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = min((2*i+1)*length/(2*n), length-1)
	}
	return out
}

// sampledSamples returns the stored samples of frame at columns xs of
// rows ys, row after row, in the image's layout (a frame of len(xs)×
// len(ys) pixels); fromFile reports that they were read from a lazy
// image's file rather than taken from its decoded frame.
func (im *Image) sampledSamples(frame int, xs, ys []int) (raw []byte, fromFile bool, err error) {
	bps := im.layout.bitsAllocated / 8
	if im.src != nil && im.src.file != "" && im.pixelAt > 0 {
		raw, err := im.readSamples(frame, xs, ys)
		return raw, true, err
	}
	src, err := im.frameRaw(frame) // Load's pixels, or decoded into the cache
	if err != nil {
		return nil, false, err
	}
	if len(src) < im.Width*im.Height*bps {
		return nil, false, fmt.Errorf("image has no pixel data for frame %d", frame)
	}
	raw = make([]byte, len(xs)*len(ys)*bps)
	k := 0
	for _, y := range ys {
		row := src[y*im.Width*bps:]
		for _, x := range xs {
			copy(raw[k:k+bps], row[x*bps:])
			k += bps
		}
	}
	return raw, false, nil
}

// pixelFile is what readSamples reads a file through: *os.File, or a
// test's counting wrapper.
type pixelFile interface {
	io.ReaderAt
	io.Closer
	Stat() (fs.FileInfo, error)
}

// openPixelFile opens a lazy image's file for readSamples.
var openPixelFile = func(path string) (pixelFile, error) { return os.Open(path) }

// readSamples reads the samples sampledSamples returns from the lazy
// image's file: for each row of ys, the span from the first to the last
// column of xs, one read a row into one buffer.
func (im *Image) readSamples(frame int, xs, ys []int) ([]byte, error) {
	f, err := openPixelFile(im.src.file)
	if err != nil {
		return nil, openError(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	bps := int64(im.layout.bitsAllocated / 8)
	rowBytes := int64(im.Width) * bps
	start := im.pixelAt + int64(frame-1)*int64(im.Height)*rowBytes
	if end := start + int64(im.Height)*rowBytes; fi.Size() < end {
		return nil, malformed("truncated DICOM: frame %d's pixel data end at offset %d but the file has %d bytes; it changed since it was opened: open it again",
			frame, end, fi.Size())
	}
	x0, x1 := int64(xs[0]), int64(xs[len(xs)-1])
	span := make([]byte, (x1-x0+1)*bps)
	raw := make([]byte, 0, int64(len(xs)*len(ys))*bps)
	for _, y := range ys {
		if n, err := f.ReadAt(span, start+int64(y)*rowBytes+x0*bps); n < len(span) {
			if err == nil || errors.Is(err, io.EOF) {
				return nil, malformed("truncated DICOM: the file ends inside frame %d's pixel data; it changed since it was opened: open it again", frame)
			}
			return nil, fmt.Errorf("read: %w", err)
		}
		for _, x := range xs {
			i := (int64(x) - x0) * bps
			raw = append(raw, span[i:i+bps]...)
		}
	}
	return raw, nil
}

// colourThumbnail renders a colour (or palette) frame whole and takes the
// pixels at columns xs of rows ys.
func (im *Image) colourThumbnail(frame int, xs, ys []int) (image.Image, error) {
	full, err := im.render(frame, im.DefaultWindow(frame))
	if err != nil {
		return nil, err
	}
	out := image.NewRGBA(image.Rect(0, 0, len(xs), len(ys)))
	for j, y := range ys {
		for i, x := range xs {
			out.Set(i, j, full.At(x, y))
		}
	}
	return out, nil
}
