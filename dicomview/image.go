package dicomview

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"io/fs"
	"os"
	"sync"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// Formats reported in Image.Format.
const (
	FormatDICOM = "dicom"
	FormatPNG   = "png"
	FormatJPEG  = "jpeg"
)

// Limits on what Load accepts beyond Limits.
const (
	// maxRasterPixels bounds the size of a PNG or JPEG (about 5800×5800),
	// which may declare dimensions far beyond its file size.
	maxRasterPixels = 1 << 25
)

// Image is a loaded study image: its facts, and its decoded frames.
type Image struct {
	Path     string
	Format   string // "dicom", "png" or "jpeg"
	Width    int    // columns
	Height   int    // rows
	Frames   int    // at least 1
	Modality string // e.g. "CT", "CR"; empty for PNG and JPEG
	// Photometric is the photometric interpretation of the decoded pixels:
	// "MONOCHROME1", "MONOCHROME2", "RGB", "YBR_FULL" or "YBR_FULL_422"
	// (a codec that converts YCbCr to RGB reports "RGB").
	Photometric string
	// TransferSyntax is the transfer syntax UID of a DICOM file.
	TransferSyntax string

	// Windows are the VOI windows the file recommends, in modality units;
	// may be empty. For an enhanced multi-frame DICOM they are those of
	// frame 1.
	Windows []Window

	// VOIFunction is the VOI LUT Function of frame 1 that Render applies
	// with a window: "" or VOILinear, VOILinearExact or VOISigmoid.
	VOIFunction string
	// VOILUTs are the explanations of the VOI LUTs of the VOI LUT
	// Sequence, which RenderVOILUT applies.
	VOILUTs []string

	// Info holds the de-identified study facts.
	Info core.StudyInfo

	// Plane is the reformat an image is a cut of (Volume.CutImages:
	// "coronal", "sagittal", "axial"); "" for an image as stored.
	Plane Plane

	layout   layout
	geometry geometry
	raw      []byte // Frames frames of layout.frameBytes() bytes each
	frames   []frameParams
	voiLUTs  []*lut
	invert   bool     // MONOCHROME1, or Presentation LUT Shape INVERSE
	palette  *palette // PALETTE COLOR
	// rawDefault: the default window is fullRangeWindow(bitsStored), not
	// min/max (PNG, JPEG and colour, whose values are already for display).
	rawDefault bool

	// pixelAt is where in its file a DICOM image's frames lie as raw
	// holds them (native, not deflated, not 1-bit, not byte-swapped), for
	// Thumbnail to read rows of a lazy image there; 0 otherwise.
	pixelAt int64

	// src re-reads the pixel data of a lazy image (see cache.go), whose
	// raw is nil; nil for an image whose pixels raw holds.
	src   *source
	cache *pixelCache // where src's pixels are kept: residents

	mu          sync.Mutex // guards the caches, and reading src again
	cachedFrame int        // frame whose modality values are cached; 0: none
	cachedVals  []float32  // read-only once cached
}

// frameParams are the per-frame pixel transformation parameters.
type frameParams struct {
	slope, intercept float64
	modLUT           *lut // Modality LUT Sequence; replaces the rescale
	windows          []Window
	voiFunc          string // VOI LUT Function; "" is LINEAR
}

// Load reads the DICOM, PNG or JPEG file at path. Errors name the file and
// match ErrMalformed (not an image file, empty, truncated, inconsistent),
// ErrUnsupported (ErrUnsupportedTransferSyntax for compressed DICOM), or
// the underlying fs error (missing, unreadable).
//
// Load stays within CurrentLimits: a file over one fails with a
// *LimitError matching ErrTooLarge before the memory is allocated.
func Load(path string) (*Image, error) {
	return load(path, newBudget(CurrentLimits(), nil))
}

// load is Load within budget b.
func load(path string, b *budget) (*Image, error) {
	data, err := readFile(path, b)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	im, err := decodeWithin(path, data, b)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return im, nil
}

// openRegular opens path, which must be a regular, non-empty file; the
// error does not name it (the caller does).
func openRegular(path string) (*os.File, os.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, openError(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	switch {
	case fi.IsDir():
		err = malformed("is a directory, not an image file")
	case !fi.Mode().IsRegular():
		err = malformed("not a regular file")
	case fi.Size() == 0:
		err = malformed("empty file")
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// readFile reads a regular file within the limits of b: at most
// FileBytes, charged to the folder's total.
func readFile(path string, b *budget) ([]byte, error) {
	f, fi, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := b.chargeFile(fi.Size()); err != nil {
		return nil, err
	}
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return data, nil
}

// openError is the error of opening a file, without its name: the caller
// names the file; the cause is kept.
func openError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// decode sniffs the format of data and decodes it within CurrentLimits.
// It never panics.
func decode(path string, data []byte) (*Image, error) {
	return decodeWithin(path, data, newBudget(CurrentLimits(), nil))
}

// decodeWithin is decode within budget b.
func decodeWithin(path string, data []byte, b *budget) (*Image, error) {
	var (
		im  *Image
		err error
	)
	switch {
	case len(data) == 0:
		return nil, malformed("empty file")
	case isDICOM(data):
		im, err = decodeDICOM(data, b)
	case bytes.HasPrefix(data, []byte(pngMagic)):
		im, err = decodeRaster(data, FormatPNG, b)
	case bytes.HasPrefix(data, []byte(jpegMagic)):
		im, err = decodeRaster(data, FormatJPEG, b)
	case looksLikeDICOM(data):
		im, err = decodeDICOM(data, b)
	default:
		return nil, malformed("not a DICOM (no DICM marker at offset 128), PNG or JPEG file")
	}
	if err != nil {
		return nil, err
	}
	im.Path = path
	return im, nil
}

// checkFrame reports whether frame is a valid 1-based frame number.
func (im *Image) checkFrame(frame int) error {
	if frame < 1 || frame > im.Frames {
		if im.Frames == 1 {
			return fmt.Errorf("frame %d out of range: the image has 1 frame", frame)
		}
		return fmt.Errorf("frame %d out of range: the image has frames 1 to %d", frame, im.Frames)
	}
	return nil
}

// modality returns the modality values of a greyscale frame, which must be
// valid. The slice is shared and must not be modified. Those of a lazy
// image live in the cache with its pixel data.
func (im *Image) modality(frame int) ([]float32, error) {
	im.mu.Lock()
	defer im.mu.Unlock()
	if im.src == nil && im.cachedFrame == frame {
		return im.cachedVals, nil
	}
	if im.src != nil {
		if e := im.cache.get(im); e != nil && e.frame == frame {
			return e.vals, nil
		}
	}
	raw, err := im.pixelsLocked()
	if err != nil {
		return nil, err
	}
	n := im.layout.frameBytes()
	if len(im.frames) < frame || len(raw) < frame*n {
		return nil, fmt.Errorf("image has no pixel data for frame %d", frame)
	}
	p := im.frames[frame-1]
	var vals []float32
	if p.modLUT != nil {
		vals = lutValues(raw[(frame-1)*n:frame*n], im.layout, p.modLUT)
	} else {
		vals = modalityValues(raw[(frame-1)*n:frame*n], im.layout, p.slope, p.intercept)
	}
	if im.src != nil {
		im.cache.put(im, raw, frame, vals)
	} else {
		im.cachedFrame, im.cachedVals = frame, vals
	}
	return vals, nil
}

// DefaultWindow returns the window a viewer opens frame with: the first
// window the file recommends for it, else the one spanning the frame's
// minimum to maximum modality value. PNG, JPEG and colour images default
// to the window spanning the full sample range, which for 8-bit data shows
// the pixels unchanged. A frame out of range gives the zero Window.
func (im *Image) DefaultWindow(frame int) Window {
	if im.checkFrame(frame) != nil || len(im.frames) < frame {
		return Window{}
	}
	if ws := im.frames[frame-1].windows; len(ws) > 0 {
		return ws[0]
	}
	if im.rawDefault || im.layout.samples != 1 || im.palette != nil {
		return fullRangeWindow(im.layout.bitsStored)
	}
	vals, err := im.modality(frame)
	if err != nil {
		return Window{}
	}
	return minMaxWindow(minMax(vals))
}

// Render returns frame (numbered from 1) as a viewer shows it at native
// resolution: an *image.Gray windowed with w (inverted for MONOCHROME1), or
// an *image.RGBA for colour data, which ignores w.
func (im *Image) Render(frame int, w Window) (image.Image, error) {
	out, err := im.render(frame, w)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", im.Path, err)
	}
	return out, nil
}

func (im *Image) render(frame int, w Window) (image.Image, error) {
	if err := im.checkFrame(frame); err != nil {
		return nil, err
	}
	raw, err := im.frameRaw(frame)
	if err != nil {
		return nil, err
	}
	rect := image.Rect(0, 0, im.Width, im.Height)
	if im.layout.samples == 3 || im.palette != nil {
		out := image.NewRGBA(rect)
		if im.palette != nil {
			at := containers(raw, im.layout)
			l := im.layout
			for p := 0; p < l.pixels(); p++ {
				r, g, b := im.palette.rgb(storedValue(at(p), l.bitsStored, l.highBit, l.signed))
				out.Pix[4*p], out.Pix[4*p+1], out.Pix[4*p+2], out.Pix[4*p+3] = r, g, b, 0xff
			}
			return out, nil
		}
		rgb := rgbValues(raw, im.layout, im.Photometric)
		for p := 0; p < len(rgb)/3; p++ {
			copy(out.Pix[4*p:4*p+3], rgb[3*p:3*p+3])
			out.Pix[4*p+3] = 0xff
		}
		return out, nil
	}
	if err := w.check(); err != nil {
		return nil, err
	}
	out := image.NewGray(rect)
	p := im.frames[frame-1]
	if table, lowest := displayTable(im.layout, p, w, im.invert); table != nil {
		// One evaluation per possible stored value, then a lookup per pixel.
		applyTable(out.Pix, raw, im.layout, table, lowest)
		return out, nil
	}
	vals, err := im.modality(frame)
	if err != nil {
		return nil, err
	}
	applyWindowFunc(out.Pix, vals, w, p.voiFunc, im.invert)
	return out, nil
}

// RenderVOILUT returns greyscale frame (numbered from 1) through the n-th
// (from 1) VOI LUT of the file's VOI LUT Sequence instead of a window.
func (im *Image) RenderVOILUT(frame, n int) (*image.Gray, error) {
	if err := im.checkFrame(frame); err != nil {
		return nil, fmt.Errorf("render %s: %w", im.Path, err)
	}
	if n < 1 || n > len(im.voiLUTs) {
		return nil, fmt.Errorf("render %s: VOI LUT %d out of range: the file has %d", im.Path, n, len(im.voiLUTs))
	}
	vals, err := im.modality(frame)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", im.Path, err)
	}
	out := image.NewGray(image.Rect(0, 0, im.Width, im.Height))
	applyVOILUT(out.Pix, vals, im.voiLUTs[n-1], im.invert)
	return out, nil
}
