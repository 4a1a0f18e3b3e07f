package dicomview

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
)

// File signatures of the raster formats Load accepts.
const (
	pngMagic  = "\x89PNG\r\n\x1a\n"
	jpegMagic = "\xff\xd8\xff"
)

// rasterBytesPerPixel bounds what decoding and keeping one pixel of a
// raster of colour model m costs: the decoder's image (up to 8 bytes for
// 16-bit RGBA), the packed copy made of it (3), the samples kept (up to
// 6) and a rendered frame (5, as a DICOM frame is counted).
func rasterBytesPerPixel(m color.Model) int64 {
	decoded := int64(4)
	switch m {
	case color.GrayModel:
		decoded = 1
	case color.Gray16Model:
		decoded = 2
	case color.RGBA64Model, color.NRGBA64Model:
		decoded = 8
	}
	return decoded + 3 + 6 + 5
}

// decodeRaster decodes a PNG or JPEG file (format is FormatPNG or
// FormatJPEG) after checking its declared size, and what decoding it
// costs against the decoded-bytes budget DICOM files have.
func decodeRaster(data []byte, format string, b *budget) (*Image, error) {
	decodeConfig, decodeImage := png.DecodeConfig, png.Decode
	if format == FormatJPEG {
		decodeConfig, decodeImage = jpeg.DecodeConfig, jpeg.Decode
	}
	name := strings.ToUpper(format)
	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, malformedCause(err, "malformed %s", name)
	}
	if cfg.Width < 1 || cfg.Height < 1 {
		return nil, malformed("malformed %s: %d×%d pixels", name, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxRasterPixels {
		return nil, unsupported("%s of %d×%d pixels is larger than the limit of %d pixels", name, cfg.Width, cfg.Height, maxRasterPixels)
	}
	if err := b.charge(int64(cfg.Width)*int64(cfg.Height)*rasterBytesPerPixel(cfg.ColorModel), "the decoded "+name); err != nil {
		return nil, err
	}
	var img image.Image
	if format == FormatJPEG {
		// As Pillow opens it (libjpeg-turbo, its defaults), which is what
		// Google's code and the model's processor see; Go's decoder
		// upsamples chroma otherwise. What libjpeg cannot turn into grey
		// or RGB (CMYK) is left to Go's decoder.
		if p, perr := DecodePillowJPEG(data, 3*maxRasterPixels); perr == nil {
			img = p.Image()
		}
	}
	if img == nil {
		if img, err = decodeImage(bytes.NewReader(data)); err != nil {
			return nil, malformedCause(err, "malformed %s", name)
		}
	}
	im := fromRaster(img)
	im.Format = format
	return im, nil
}

// fromRaster stores a decoded raster as one frame: greyscale when every
// pixel is grey (8 or 16 bits), else 8-bit RGB. Transparent pixels are
// composited over black.
func fromRaster(img image.Image) *Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	l := layout{rows: h, cols: w, samples: 1, bitsAllocated: 8, order: binary.BigEndian}
	var raw []byte
	switch m := img.(type) {
	case *image.Gray:
		raw = make([]byte, 0, w*h)
		for y := 0; y < h; y++ {
			raw = append(raw, m.Pix[y*m.Stride:y*m.Stride+w]...)
		}
	case *image.Gray16:
		l.bitsAllocated = 16
		raw = make([]byte, 0, 2*w*h)
		for y := 0; y < h; y++ {
			raw = append(raw, m.Pix[y*m.Stride:y*m.Stride+2*w]...)
		}
	case *rgbImage:
		raw, l.samples = m.pix, 3
		if grey := greyRGB(m.pix); grey != nil {
			raw, l.samples = grey, 1
		}
	default:
		rgb := make([]byte, 0, 3*w*h)
		grey := true
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				r8, g8, b8 := uint8(r>>8), uint8(g>>8), uint8(bl>>8)
				grey = grey && r8 == g8 && g8 == b8
				rgb = append(rgb, r8, g8, b8)
			}
		}
		if grey {
			raw = make([]byte, w*h)
			for i := range raw {
				raw[i] = rgb[3*i]
			}
		} else {
			raw, l.samples = rgb, 3
		}
	}
	l.bitsStored, l.highBit = l.bitsAllocated, l.bitsAllocated-1
	photometric := "MONOCHROME2"
	if l.samples == 3 {
		photometric = "RGB"
	}
	return &Image{
		Width: w, Height: h, Frames: 1,
		Photometric: photometric,
		layout:      l,
		raw:         raw,
		frames:      []frameParams{{slope: 1}},
		rawDefault:  true,
	}
}

// greyRGB returns the grey samples of packed RGB whose every pixel is
// grey, else nil.
func greyRGB(rgb []byte) []byte {
	for i := 0; i+2 < len(rgb); i += 3 {
		if rgb[i] != rgb[i+1] || rgb[i+1] != rgb[i+2] {
			return nil
		}
	}
	grey := make([]byte, len(rgb)/3)
	for i := range grey {
		grey[i] = rgb[3*i]
	}
	return grey
}

// AsGiven returns a PNG or JPEG frame's stored 8-bit samples, grey or RGB,
// untouched: what a Python user's PIL.Image.open hands the model's
// processor. Other images (DICOM, 16-bit PNG) have no "as given" bytes
// and return an error saying so.
func (im *Image) AsGiven(frame int) (Pixels, error) {
	if err := im.checkFrame(frame); err != nil {
		return Pixels{}, fmt.Errorf("%s: %w", im.Path, err)
	}
	if im.Format != FormatPNG && im.Format != FormatJPEG || im.layout.bitsAllocated != 8 || im.palette != nil {
		return Pixels{}, fmt.Errorf("%s: %w", im.Path, unsupported("only an 8-bit PNG or JPEG is taken as given; this is %s", cmpOr(im.Format, "DICOM")))
	}
	raw, err := im.frameRaw(frame)
	if err != nil {
		return Pixels{}, fmt.Errorf("%s: %w", im.Path, err)
	}
	return Pixels{W: im.Width, H: im.Height, Channels: im.layout.samples, Pix: raw}, nil
}
