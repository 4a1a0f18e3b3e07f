package dicomview

import (
	"fmt"
	"image"
	"image/draw"
	"path/filepath"
	"sync"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// ModelInputSize is the side, in pixels, of the square image MedGemma
// receives.
const ModelInputSize = 896

// Model input encodings.
const (
	// EncodingDisplay replicates the windowed display image into R, G
	// and B.
	EncodingDisplay = "display"
	// EncodingCT3 puts three Hounsfield windows of a CT frame into R, G
	// and B, as Google's MedGemma CT notebook does: CT3Windows.
	EncodingCT3 = "ct3"
)

// CT3Windows are the Hounsfield ranges of EncodingCT3's R, G and B
// channels: [−1024, 1024] (wide), [−135, 215] (soft tissue), [0, 80]
// (brain). Each maps its range linearly onto 0…255, clamped.
var CT3Windows = [3]Window{{Center: 0, Width: 2048}, {Center: 40, Width: 350}, {Center: 40, Width: 80}}

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
// ModelInputSize×ModelInputSize: a box pre-reduction to about twice the
// target size, then Catmull-Rom (see resample.go). Grey is replicated into
// R, G and B and every pixel is opaque. With FitPad (and any unknown Fit)
// the padding is black.
func ModelInput(display image.Image, fit Fit) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, ModelInputSize, ModelInputSize))
	for i := 3; i < len(out.Pix); i += 4 {
		out.Pix[i] = 0xff
	}
	modelInputInto(out, display, fit)
	return out
}

// modelInputInto resizes display into out, a black ModelInputSize square
// (*image.RGBA, *image.Gray for a grey display, or packed RGB), as
// ModelInput describes: straight from the display's bytes when no box
// pre-reduction is needed, else through resize's float plane.
func modelInputInto(out, display image.Image, fit Fit) {
	if display == nil {
		return
	}
	sr := display.Bounds()
	w, h := sr.Dx(), sr.Dy()
	if w < 1 || h < 1 {
		return
	}
	dr := fitRect(w, h, fit)
	switch m := display.(type) {
	case *image.Gray:
		if resizeBytes(out, dr, m.Pix[m.PixOffset(sr.Min.X, sr.Min.Y):], w, h, m.Stride, 1, 1) {
			return
		}
	case *image.RGBA:
		if resizeBytes(out, dr, m.Pix[m.PixOffset(sr.Min.X, sr.Min.Y):], w, h, m.Stride, 4, 3) {
			return
		}
	}
	// The plane is already dr's size: resizeInto only rounds it into out.
	p := resize(planeOf(display), dr.Dx(), dr.Dy())
	resizeInto(out, dr, p.w, p.h, p.ch, func(y int, row []float32, stride int) {
		for i, v := range p.pix[y*p.w*p.ch : (y+1)*p.w*p.ch] {
			row[i*stride] = v
		}
	})
}

// newScratchGray is a black model-input-sized grey image in scratch
// memory.
func newScratchGray() *image.Gray {
	pix := getScratch(ModelInputSize * ModelInputSize)
	clear(pix)
	return &image.Gray{Pix: pix, Stride: ModelInputSize, Rect: image.Rect(0, 0, ModelInputSize, ModelInputSize)}
}

// modelInputGray is ModelInput for a grey display into out, a black
// ModelInputSize square: the same pixel values in one channel instead of
// three equal ones (a grey PNG of them decodes to ModelInput's RGB).
func modelInputGray(out, display *image.Gray, fit Fit) *image.Gray {
	if display != nil { // a nil *image.Gray is not a nil image.Image
		modelInputInto(out, display, fit)
	}
	return out
}

// modelInputRGB is ModelInput for an RGBA display (opaque, as Render
// and the CT windows make it) as packed RGB: the same pixels without the
// alpha, written straight into what EncodePNG stores.
func modelInputRGB(display *image.RGBA, fit Fit) *rgbImage {
	out := &rgbImage{w: ModelInputSize, h: ModelInputSize, pix: getScratch(3 * ModelInputSize * ModelInputSize)}
	clear(out.pix)
	modelInputInto(out, display, fit)
	return out
}

// fitRect is where a w×h image goes in the model input: the whole square
// for FitStretch; else (FitPad and any unknown Fit) its longer side scaled
// to ModelInputSize, the other rounded, centred.
func fitRect(w, h int, fit Fit) image.Rectangle {
	if fit == FitStretch {
		return image.Rect(0, 0, ModelInputSize, ModelInputSize)
	}
	dw, dh := ModelInputSize, ModelInputSize
	if w > h {
		dh = max(1, (h*ModelInputSize+w/2)/w)
	} else if h > w {
		dw = max(1, (w*ModelInputSize+h/2)/h)
	}
	x0, y0 := (ModelInputSize-dw)/2, (ModelInputSize-dh)/2
	return image.Rect(x0, y0, x0+dw, y0+dh)
}

// planeOf converts an image to a float plane: one channel for *image.Gray,
// else R, G, B composited over black.
func planeOf(img image.Image) plane {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if g, ok := img.(*image.Gray); ok {
		p := plane{w: w, h: h, ch: 1, pix: make([]float32, w*h)}
		parallelRows(h, func(lo, hi int) {
			for y := lo; y < hi; y++ {
				row := g.Pix[(y+b.Min.Y-g.Rect.Min.Y)*g.Stride+(b.Min.X-g.Rect.Min.X):]
				dst := p.pix[y*w : (y+1)*w]
				for x := range dst {
					dst[x] = float32(row[x])
				}
			}
		})
		return p
	}
	rgba, ok := img.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(rgba, rgba.Bounds(), image.NewUniform(image.Black), image.Point{}, draw.Src)
		draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Over)
		b = rgba.Bounds()
	}
	p := plane{w: w, h: h, ch: 3, pix: make([]float32, 3*w*h)}
	for y := 0; y < h; y++ {
		row := rgba.Pix[(y+b.Min.Y-rgba.Rect.Min.Y)*rgba.Stride+4*(b.Min.X-rgba.Rect.Min.X):]
		for x := 0; x < w; x++ {
			o := 3 * (y*w + x)
			p.pix[o], p.pix[o+1], p.pix[o+2] = float32(row[4*x]), float32(row[4*x+1]), float32(row[4*x+2])
		}
	}
	return p
}

// PrepareOptions selects what Prepare produces.
type PrepareOptions struct {
	Frame    int     // 1-based; 0 means 1
	Window   *Window // nil means DefaultWindow(Frame)
	Fit      Fit
	Encoding string // "display" (or ""); others give ErrUnsupported
	// Region, when not empty, is the part of the frame (source pixels,
	// as the viewer shows them) that becomes the model input, padded or
	// stretched to the square as the whole frame would be; it must lie
	// within the frame.
	Region image.Rectangle
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
	// Region is the part of the source the input shows (source pixels of
	// the frame, or of the reformatted cut), empty for all of it; Plane
	// the reformat's plane ("" for a stored frame) and Fit how it became
	// square. SourceWidth and SourceHeight are the size of the frame or
	// cut.
	Region                    image.Rectangle
	Plane                     Plane
	Fit                       Fit
	SourceWidth, SourceHeight int
	// Path is the image file as loaded and Study its study facts, for the
	// run log; neither is sent to the model.
	Path  string
	Study core.StudyInfo
}

// RequestImage is the image as a model request carries it.
//
// An input of a region or a reformat carries its geometry (the region's
// corner and size, the fit and the plane), which maps an answer's boxes
// back to the source and goes to the run log.
func (p *Prepared) RequestImage() core.Image {
	im := core.Image{
		PNG: p.PNG, SHA256: p.SHA256, Source: p.Source, Frame: p.Frame,
		WindowCenter: p.Window.Center, WindowWidth: p.Window.Width,
		Encoding: p.Encoding, Width: p.Width, Height: p.Height,
		Path: p.Path, Study: p.Study,
	}
	if !p.Region.Empty() || p.Plane != "" {
		r := p.Region
		if r.Empty() {
			r = image.Rect(0, 0, p.SourceWidth, p.SourceHeight)
		}
		im.SourceX, im.SourceY = r.Min.X, r.Min.Y
		im.SourceWidth, im.SourceHeight = r.Dx(), r.Dy()
		im.Fit, im.Plane = p.Fit.String(), p.Plane.String()
	}
	return im
}

// cropRegion is display cut to region (display's own pixels), copied so
// that the model input starts at (0, 0); display itself when region is
// empty. A region not within display is bad input.
func cropRegion(display image.Image, region image.Rectangle) (image.Image, error) {
	if region.Empty() {
		return display, nil
	}
	b := display.Bounds()
	if !region.In(b) {
		return nil, unsupported("region %d,%d,%d,%d is not within the %d×%d image", region.Min.X, region.Min.Y, region.Dx(), region.Dy(), b.Dx(), b.Dy())
	}
	switch m := display.(type) {
	case *image.Gray:
		out := image.NewGray(image.Rect(0, 0, region.Dx(), region.Dy()))
		draw.Draw(out, out.Bounds(), m, region.Min, draw.Src)
		return out, nil
	default:
		out := image.NewRGBA(image.Rect(0, 0, region.Dx(), region.Dy()))
		draw.Draw(out, out.Bounds(), m, region.Min, draw.Src)
		return out, nil
	}
}

// Prepare renders a frame, turns it into the model input with ModelInput
// (in one channel for a grey frame: a grey PNG, which decodes to the RGB
// pixels ModelInput makes) and encodes it as PNG (EncodePNG). The same
// image and options give the same bytes.
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
	if enc != EncodingDisplay && enc != EncodingCT3 {
		return nil, unsupported("unsupported encoding %q (supported: %s, %s)", opts.Encoding, EncodingDisplay, EncodingCT3)
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
	w := CT3Windows[0]
	if enc == EncodingDisplay {
		w = im.DefaultWindow(frame)
		if opts.Window != nil {
			w = *opts.Window
		}
	}
	input, err := im.modelInput(frame, enc, w, opts)
	if err != nil {
		return nil, err
	}
	return im.prepared(input, frame, w, enc, opts)
}

// modelInput makes the model input of frame in encoding enc (display
// windowed with w, or ct3): straight from the stored values when the
// frame allows it (greyInput, ct3Input), else from the rendered frame.
func (im *Image) modelInput(frame int, enc string, w Window, opts PrepareOptions) (image.Image, error) {
	var (
		in  image.Image
		ok  bool
		err error
	)
	if enc == EncodingCT3 {
		in, ok, err = im.ct3Input(frame, opts.Region, opts.Fit)
	} else {
		in, ok, err = im.greyInput(frame, w, opts.Region, opts.Fit)
	}
	if err != nil || ok {
		return in, err
	}
	var display image.Image
	if enc == EncodingCT3 {
		display, err = im.renderCT3(frame)
	} else {
		display, err = im.render(frame, w)
	}
	if err != nil {
		return nil, err
	}
	cropped, err := cropRegion(display, opts.Region)
	if err != nil {
		return nil, err
	}
	return scratchInput(cropped, opts.Fit), nil
}

// scratchInput is display's model input in scratch memory, as Prepare
// encodes it: grey for a grey display, packed RGB for an RGBA one,
// ModelInput's RGBA for anything else. Give it back with
// releaseInput once encoded.
func scratchInput(display image.Image, fit Fit) image.Image {
	switch m := display.(type) {
	case *image.Gray:
		return modelInputGray(newScratchGray(), m, fit)
	case *image.RGBA:
		return modelInputRGB(m, fit)
	}
	return ModelInput(display, fit)
}

// releaseInput gives a model input's scratch memory back; in must not be
// used after.
func releaseInput(in image.Image) {
	switch m := in.(type) {
	case *image.Gray:
		putScratch(m.Pix)
	case *rgbImage:
		putScratch(m.pix)
	}
}

// EncodeModelInput makes display's model input (ModelInput's pixels) and
// encodes it as Prepare does: an 8-bit grey PNG for a grey display (which
// decodes to ModelInput's RGB), else 8-bit RGB; it returns the PNG and
// its SHA-256 in hex.
func EncodeModelInput(display image.Image, fit Fit) ([]byte, string, error) {
	in := scratchInput(display, fit)
	defer releaseInput(in)
	return EncodePNG(in)
}

// prepared encodes a model input as Prepare returns it.
func (im *Image) prepared(input image.Image, frame int, w Window, enc string, opts PrepareOptions) (*Prepared, error) {
	data, sum, err := EncodePNG(input)
	releaseInput(input) // made by Prepare alone: its memory can serve again
	if err != nil {
		return nil, err
	}
	return &Prepared{
		Region: opts.Region, Fit: opts.Fit, SourceWidth: im.Width, SourceHeight: im.Height,
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

// greyInput makes the model input of a greyscale frame windowed with w
// straight from its stored values: each source row goes through the
// display table (displayTable, as Render uses it) into the resize as
// floats, so the windowed frame is never made whole. The pixels are
// those of ModelInput of the rendered (and cropped) frame. It reports false,
// doing nothing, for frames it does not handle (colour, more than 16
// bits, big-endian or 32-bit containers, a VOI LUT function outside the
// table, or a frame that needs a box pre-reduction); Prepare then renders.
func (im *Image) greyInput(frame int, w Window, region image.Rectangle, fit Fit) (*image.Gray, bool, error) {
	if im.layout.samples != 1 || im.palette != nil {
		return nil, false, nil
	}
	if err := w.check(); err != nil {
		return nil, false, err
	}
	r, dr, ok := im.streamGeometry(region, fit)
	if !ok {
		return nil, false, nil
	}
	table, lowest := displayTable(im.layout, im.frames[frame-1], w, im.invert)
	key, ok := tableIndex(im.layout, lowest)
	if table == nil || !ok {
		return nil, false, nil
	}
	raw, err := im.frameRaw(frame)
	if err != nil {
		return nil, false, err
	}
	ft := make([]float32, len(table))
	for i, v := range table {
		ft[i] = byteFloat[v]
	}
	out := newScratchGray()
	cw := r.Dx()
	resizeInto(out, dr, cw, r.Dy(), 1, func(y int, row []float32, stride int) {
		at := ((r.Min.Y+y)*im.Width + r.Min.X) * key.bytes
		key.lookupFloat(row, stride, raw[at:at+cw*key.bytes], ft)
	})
	return out, true, nil
}

// streamGeometry is the part r of the frame a model input shows (region,
// or all of it) and where it goes (dr), and false when the input cannot
// be streamed: a region outside the frame (cropRegion says why) or a
// reduction that needs a box pre-reduction.
func (im *Image) streamGeometry(region image.Rectangle, fit Fit) (r, dr image.Rectangle, ok bool) {
	r = image.Rect(0, 0, im.Width, im.Height)
	if !region.Empty() {
		if !region.In(r) {
			return r, dr, false
		}
		r = region
	}
	dr = fitRect(r.Dx(), r.Dy(), fit)
	return r, dr, boxFactor(r.Dx(), dr.Dx()) == 1 && boxFactor(r.Dy(), dr.Dy()) == 1
}

// ct3Input is greyInput for EncodingCT3: each stored value goes through
// a table of its three window bytes (as renderCT3 makes them, as floats)
// into the resize, so neither the windowed frame nor its RGBA is made.
// The pixels are ModelInput's of renderCT3's frame. It reports false for
// frames renderCT3 renders pixel by pixel (more than 16 bits, a Modality
// LUT) or that cannot be streamed.
func (im *Image) ct3Input(frame int, region image.Rectangle, fit Fit) (*rgbImage, bool, error) {
	p := im.frames[frame-1]
	if im.Modality != "CT" || im.layout.samples != 1 || p.modLUT != nil || im.layout.bitsStored > 16 {
		return nil, false, nil
	}
	r, dr, ok := im.streamGeometry(region, fit)
	if !ok {
		return nil, false, nil
	}
	var lowest int64
	if im.layout.signed {
		lowest = -(1 << uint(im.layout.bitsStored-1))
	}
	key, ok := tableIndex(im.layout, lowest)
	if !ok {
		return nil, false, nil
	}
	raw, err := im.frameRaw(frame)
	if err != nil {
		return nil, false, err
	}
	table := ct3Table(im.layout, p)
	out := &rgbImage{w: ModelInputSize, h: ModelInputSize, pix: getScratch(3 * ModelInputSize * ModelInputSize)}
	clear(out.pix)
	cw := r.Dx()
	resizeInto(out, dr, cw, r.Dy(), 3, func(y int, row []float32, _ int) { // three channels: stride 1
		at := ((r.Min.Y+y)*im.Width + r.Min.X) * key.bytes
		key.lookupFloat3(row[:3*cw], raw[at:at+cw*key.bytes], table)
	})
	return out, true, nil
}

// ct3Tables keeps the last few CT3 float tables: the slices of a series
// share one rescale, so a recipe of 85 slices builds its table once.
var ct3Tables struct {
	sync.Mutex
	keys []ct3Key
	tabs [][]float32
}

// ct3Key is what a CT3 table depends on.
type ct3Key struct {
	bits             int
	signed           bool
	slope, intercept float64
	windows          [3]Window
}

// ct3Table returns, for every stored value of l (modalityTable's order),
// the three CT3Windows bytes renderCT3 gives it, as float32.
func ct3Table(l layout, p frameParams) []float32 {
	k := ct3Key{l.bitsStored, l.signed, p.slope, p.intercept, CT3Windows}
	c := &ct3Tables
	c.Lock()
	defer c.Unlock()
	for i, key := range c.keys {
		if key == k {
			return c.tabs[i]
		}
	}
	mod, _ := modalityTable(l, p)
	var px [4]uint8
	tab := make([]float32, 3*len(mod))
	for i, v := range mod {
		ct3Bytes(v, px[:])
		tab[3*i], tab[3*i+1], tab[3*i+2] = byteFloat[px[0]], byteFloat[px[1]], byteFloat[px[2]]
	}
	if len(c.keys) == 4 {
		c.keys, c.tabs = c.keys[1:], c.tabs[1:]
	}
	c.keys, c.tabs = append(c.keys, k), append(c.tabs, tab)
	return tab
}

// ct3Bytes writes the CT3Windows bytes of modality value v, and an
// opaque alpha, to px[0:4].
func ct3Bytes(v float32, px []uint8) {
	for c, w := range CT3Windows {
		lo, scale := float32(w.Center-w.Width/2), float32(255/w.Width)
		px[c] = toByte(float32((v - lo) * scale))
	}
	px[3] = 0xff
}

// renderCT3 renders a CT frame with CT3Windows into R, G and B: through a
// table of every stored value's three bytes when the layout has at most
// 16 stored bits (the same arithmetic on the same modality value, so the
// same bytes, without a float copy of the frame), else pixel by pixel.
func (im *Image) renderCT3(frame int) (*image.RGBA, error) {
	if im.Modality != "CT" || im.layout.samples != 1 {
		return nil, unsupported("encoding ct3 needs a greyscale CT image in Hounsfield units; this is %s %s (use --encoding display)",
			cmpOr(im.Modality, "an image without modality"), im.Photometric)
	}
	ct3 := ct3Bytes
	out := image.NewRGBA(image.Rect(0, 0, im.Width, im.Height))
	if mod, lowest := modalityTable(im.layout, im.frames[frame-1]); mod != nil {
		raw, err := im.frameRaw(frame)
		if err != nil {
			return nil, err
		}
		table := make([]uint8, 4*len(mod))
		for k, v := range mod {
			ct3(v, table[4*k:4*k+4:4*k+4])
		}
		applyTableN(out.Pix, 4, raw, im.layout, table, lowest)
		return out, nil
	}
	vals, err := im.modality(frame)
	if err != nil {
		return nil, err
	}
	parallelRows(im.Height, func(y0, y1 int) {
		for i := y0 * im.Width; i < y1*im.Width; i++ {
			ct3(vals[i], out.Pix[4*i:4*i+4:4*i+4])
		}
	})
	return out, nil
}

// cmpOr returns s, or def when s is empty.
func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
