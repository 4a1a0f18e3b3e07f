package dicomview

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"path/filepath"

	xdraw "golang.org/x/image/draw"
)

// ModelInputSize is the side, in pixels, of the square image MedGemma
// receives.
const ModelInputSize = 896

// EncodingDisplay is the model input encoding that replicates the windowed
// display image into R, G and B.
const EncodingDisplay = "display"

// Fit says how a non-square image becomes square.
type Fit int

const (
	// FitPad scales the image to fit, keeping its aspect ratio, and centres
	// it on a black square.
	FitPad Fit = iota
	// FitStretch scales width and height independently to fill the square.
	FitStretch
)

// String returns "pad" or "stretch".
func (f Fit) String() string {
	switch f {
	case FitPad:
		return "pad"
	case FitStretch:
		return "stretch"
	}
	return fmt.Sprintf("Fit(%d)", int(f))
}

// ModelInput returns display (as Render returns it) resized to
// ModelInputSize×ModelInputSize with Catmull-Rom resampling; grey is
// replicated into R, G and B and every pixel is opaque. With FitPad (and
// any unknown Fit) the padding is black.
func ModelInput(display image.Image, fit Fit) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, ModelInputSize, ModelInputSize))
	draw.Draw(out, out.Bounds(), image.NewUniform(image.Black), image.Point{}, draw.Src)
	if display == nil {
		return out
	}
	sr := display.Bounds()
	w, h := sr.Dx(), sr.Dy()
	if w < 1 || h < 1 {
		return out
	}
	dr := out.Bounds()
	if fit != FitStretch {
		// Scale the longer side to ModelInputSize, round the other, centre.
		dw, dh := ModelInputSize, ModelInputSize
		if w > h {
			dh = max(1, (h*ModelInputSize+w/2)/w)
		} else if h > w {
			dw = max(1, (w*ModelInputSize+h/2)/h)
		}
		x0, y0 := (ModelInputSize-dw)/2, (ModelInputSize-dh)/2
		dr = image.Rect(x0, y0, x0+dw, y0+dh)
	}
	if dr.Dx() == w && dr.Dy() == h {
		draw.Draw(out, dr, display, sr.Min, draw.Src)
	} else {
		xdraw.CatmullRom.Scale(out, dr, display, sr, xdraw.Src, nil)
	}
	// The display image is opaque; keep the result exactly so.
	for i := 3; i < len(out.Pix); i += 4 {
		out.Pix[i] = 0xff
	}
	return out
}

// PrepareOptions selects what Prepare produces.
type PrepareOptions struct {
	Frame    int     // 1-based; 0 means 1
	Window   *Window // nil means DefaultWindow(Frame)
	Fit      Fit
	Encoding string // "display" (or ""); others give ErrUnsupported
}

// Prepared is the exact image MedGemma receives, PNG-encoded, with what
// produced it.
type Prepared struct {
	PNG      []byte
	SHA256   string // hex SHA-256 of PNG
	Width    int
	Height   int
	Source   string // base name of the image file
	Frame    int
	Window   Window
	Encoding string
	// Path is the image file as loaded and Study its study facts, for the
	// run log; neither is sent to the model.
	Path  string
	Study StudyInfo
}

// Prepare renders a frame, turns it into the model input with ModelInput
// and encodes it as PNG (image/png, default compression). The same image
// and options give the same bytes.
func (im *Image) Prepare(opts PrepareOptions) (*Prepared, error) {
	p, err := im.prepare(opts)
	if err != nil {
		return nil, fmt.Errorf("prepare %s: %w", im.Path, err)
	}
	return p, nil
}

func (im *Image) prepare(opts PrepareOptions) (*Prepared, error) {
	enc := opts.Encoding
	if enc == "" {
		enc = EncodingDisplay
	}
	if enc != EncodingDisplay {
		return nil, unsupported("unsupported encoding %q (supported: %s)", opts.Encoding, EncodingDisplay)
	}
	if opts.Fit != FitPad && opts.Fit != FitStretch {
		return nil, unsupported("unsupported fit %v (supported: pad, stretch)", opts.Fit)
	}
	frame := opts.Frame
	if frame == 0 {
		frame = 1
	}
	if err := im.checkFrame(frame); err != nil {
		return nil, err
	}
	w := im.DefaultWindow(frame)
	if opts.Window != nil {
		w = *opts.Window
	}
	display, err := im.render(frame, w)
	if err != nil {
		return nil, err
	}
	data, sum, err := EncodePNG(ModelInput(display, opts.Fit))
	if err != nil {
		return nil, err
	}
	return &Prepared{
		PNG:      data,
		SHA256:   sum,
		Width:    ModelInputSize,
		Height:   ModelInputSize,
		Source:   filepath.Base(im.Path),
		Frame:    frame,
		Window:   w,
		Encoding: enc,
		Path:     im.Path,
		Study:    im.Info,
	}, nil
}

// EncodePNG encodes img as PNG (image/png, default compression) and returns
// the bytes and their SHA-256 in hex. The same image gives the same bytes.
func EncodePNG(img image.Image) ([]byte, string, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, "", fmt.Errorf("encode PNG: %w", err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), hex.EncodeToString(sum[:]), nil
}
