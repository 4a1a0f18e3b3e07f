package dicomview

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// This file turns the pixel data of a compressed transfer syntax into
// native frames: it splits the fragments of encapsulated pixel data into
// frames (PS3.5 A.4) and hands each frame to its codec. The codecs are RLE
// Lossless (rle.go, written here to PS3.5 Annex G), JPEG (dcmtk's IJG
// libraries, jpeg.go), JPEG-LS (CharLS, jpegls.go) and JPEG 2000
// (OpenJPEG, jpeg2000.go). A deflated data set is inflated here.

// codec decodes the frames of one encapsulated transfer syntax.
type codec struct {
	// decode decodes one frame (src, the concatenated fragments) into dst,
	// exactly l.frameBytes() bytes of little-endian samples, colour by
	// pixel. It returns the photometric interpretation of what it wrote:
	// photometric, or "RGB" when the codec converted YCbCr to RGB.
	decode func(dst, src []byte, l layout, photometric string) (string, error)
	// marker starts every frame's first fragment (nil when a frame's
	// start cannot be recognised); used without a Basic Offset Table.
	marker []byte
}

// Frame start markers.
var (
	markerSOI = []byte{0xFF, 0xD8}             // JPEG and JPEG-LS start of image
	markerSOC = []byte{0xFF, 0x4F, 0xFF, 0x51} // JPEG 2000 codestream: SOC, SIZ
)

// Encapsulated transfer syntaxes.
const (
	tsRLE            = "1.2.840.10008.1.2.5"
	tsJPEGBaseline   = "1.2.840.10008.1.2.4.50"
	tsJPEGExtended   = "1.2.840.10008.1.2.4.51"
	tsJPEGLossless   = "1.2.840.10008.1.2.4.57"
	tsJPEGLosslessSV = "1.2.840.10008.1.2.4.70"
	tsJPEGLS         = "1.2.840.10008.1.2.4.80"
	tsJPEGLSNear     = "1.2.840.10008.1.2.4.81"
	tsJ2KLossless    = "1.2.840.10008.1.2.4.90"
	tsJ2K            = "1.2.840.10008.1.2.4.91"
)

// codecs maps the compressed transfer syntaxes Load decodes to their codec.
var codecs = map[string]*codec{
	tsRLE:            {decode: decodeRLE},
	tsJPEGBaseline:   {decode: decodeJPEG, marker: markerSOI},
	tsJPEGExtended:   {decode: decodeJPEG, marker: markerSOI},
	tsJPEGLossless:   {decode: decodeJPEG, marker: markerSOI},
	tsJPEGLosslessSV: {decode: decodeJPEG, marker: markerSOI},
	tsJPEGLS:         {decode: decodeJPEGLS, marker: markerSOI},
	tsJPEGLSNear:     {decode: decodeJPEGLS, marker: markerSOI},
	tsJ2KLossless:    {decode: decodeJ2K, marker: markerSOC},
	tsJ2K:            {decode: decodeJ2K, marker: markerSOC},
}

// inflate returns data with its deflated data set (after metaEnd) inflated
// (PS3.5 A.5). The inflated bytes are charged to b; inflation stops as soon
// as they would exceed what b has left, or an eighth of it before the
// Pixel Data is found, with a *LimitError. As soon as the
// attributes before the Pixel Data are inflated, they are checked against
// the limits (checkHead), so that a bomb declaring a huge image is refused
// before its pixels are inflated, and the buffer is grown once to the size
// the data set declares.
func inflate(data []byte, metaEnd int, b *budget) ([]byte, error) {
	limit := b.left()
	r := flate.NewReader(bytes.NewReader(data[metaEnd:]))
	defer r.Close()
	lr := io.LimitReader(r, limit+1)
	// Start from a guess of four times the input and double (by a quarter
	// past the declared size), never past the budget plus the byte that
	// tells it is exceeded.
	most := int64(metaEnd) + limit + 1
	out := make([]byte, metaEnd, min(int64(metaEnd+4*len(data)), most))
	copy(out, data[:metaEnd])
	// Until the Pixel Data is found, at most an eighth of the budget is
	// inflated: the parser copies those values once more.
	headCap := max(limit/8, 1<<20)
	headChecked := false
	var declared int64 // the size the data set declares, once known
	// head steps over the top-level elements inflated so far; each check
	// goes on from the last whole one, so the head is read once in all.
	head := walker{pos: metaEnd, order: binary.LittleEndian, maxElements: b.lim.Elements}
	for {
		if len(out) == cap(out) {
			if !headChecked {
				var err error
				head.data = out
				if headChecked, declared, err = checkHead(&head, metaEnd, b); err != nil {
					return nil, err
				}
				if !headChecked && int64(len(out)-metaEnd) > headCap {
					return nil, &LimitError{What: "the inflated data set before its Pixel Data", Limit: "decoded",
						Need: b.decoded + int64(len(out)-metaEnd), Max: headCap, AtLeast: true}
				}
			}
			next := 2 * int64(cap(out))
			switch {
			case declared > int64(cap(out)):
				next = declared + 4096
			case declared > 0:
				next = int64(cap(out)) + max(int64(cap(out))/4, 1<<20)
			}
			if !headChecked {
				next = min(next, int64(metaEnd)+headCap+1)
			}
			grown := make([]byte, len(out), min(next, most))
			copy(grown, out)
			out = grown
		}
		n, err := lr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, malformedCause(err, "malformed DICOM: deflated data set")
		}
	}
	n := int64(len(out) - metaEnd)
	if n > limit {
		err := b.charge(n, "the inflated data set")
		var le *LimitError
		if errors.As(err, &le) {
			le.AtLeast = true
		}
		return nil, err
	}
	if err := b.charge(n, "the inflated data set"); err != nil {
		return nil, err
	}
	return out, nil
}

// checkHead looks at the first bytes of an (inflated) explicit VR little
// endian data set, w.data from w.pos (metaEnd at first: the walker is kept
// between calls, at the last whole top-level element, as the data grows),
// for the top-level Pixel Data element or a
// top-level value that runs past them. Finding the Pixel Data, it checks
// the attributes before it as fromDataset will (frame size, frames, and
// the pixel data they declare with the working memory of a frame against
// what b has left) and reports done; an error there is the one decoding
// would give. It also returns the size the data set declares so far (the
// end of the value that runs past head), 0 if unknown. A value declaring
// more than b allows fails at once. Any other damage is left to the full
// scan.
func checkHead(w *walker, metaEnd int, b *budget) (done bool, declared int64, err error) {
	head := w.data
	var le *LimitError
	for w.pos+4 <= len(head) {
		start, counted, patched := w.pos, w.elements, len(w.patches)
		if w.order.Uint16(head[w.pos:]) == 0x7FE0 && w.order.Uint16(head[w.pos+2:]) == 0x0010 {
			if err := checkBeforePixels(head[:w.pos], metaEnd, b); err != nil {
				return true, 0, err
			}
			// The Pixel Data element header is 12 bytes (OB or OW).
			if start+12 <= len(head) {
				declared = int64(start) + 12 + int64(binary.LittleEndian.Uint32(head[start+8:]))
			}
			return true, declared, nil
		}
		_, err := w.element(len(head))
		switch {
		case errors.As(err, &le):
			return true, 0, err
		case err != nil:
			// The top-level element at start runs past head; a defined
			// length tells the size to come. The next check reads it again.
			w.pos, w.elements, w.patches = start, counted, w.patches[:patched]
			h := headerAt(head, start)
			if h.vl != undefinedLength && h.value > 0 {
				declared = int64(h.value) + int64(h.vl)
				if err := b.over(declared-int64(metaEnd), fmt.Sprintf("the inflated data set up to the end of element %s", h.tag)); err != nil {
					return true, 0, err
				}
			}
			return false, declared, nil
		}
	}
	return false, 0, nil
}

// checkBeforePixels checks the attributes of head, the data set up to its
// Pixel Data, as fromDataset will: the frame size, the frames, and the
// pixel data they declare with the working memory of a frame against what
// b has left. Attributes the parser cannot read yet are left to the full
// scan.
func checkBeforePixels(head []byte, metaEnd int, b *budget) error {
	ds, err := parseDataset(head)
	if err != nil {
		return nil
	}
	l, err := pixelLayout(ds.Elements, binary.LittleEndian, b.lim)
	if err != nil {
		return err
	}
	frames, err := frameCount(ds.Elements, b.lim)
	if err != nil {
		return err
	}
	// The render memory is the file's own (reserve), the rest counts
	// towards the folder's total too.
	inflated := int64(len(head)-metaEnd) + int64(frames)*int64(l.frameBytes())
	if err := b.over(inflated, "the inflated pixel data"); err != nil {
		return err
	}
	if err := b.over(inflated+renderBytes(l), "the inflated pixel data with a frame rendered"); err != nil {
		var le *LimitError
		if errors.As(err, &le) && le.Limit == "decoded" {
			return err
		}
	}
	return nil
}

// headerAt decodes the explicit VR little endian element header at pos of
// data, or returns the zero header if data ends first.
func headerAt(data []byte, pos int) header {
	le := binary.LittleEndian
	if pos+8 > len(data) {
		return header{}
	}
	h := header{start: pos, vr: string(data[pos+4 : pos+6])}
	h.tag.Group, h.tag.Element = le.Uint16(data[pos:]), le.Uint16(data[pos+2:])
	switch h.vr {
	case "OB", "OD", "OF", "OL", "OW", "SQ", "UN", "UC", "UR", "UT", "OV", "SV", "UV":
		if pos+12 > len(data) {
			return header{}
		}
		h.vl, h.value = le.Uint32(data[pos+8:]), pos+12
	default:
		h.vl, h.value = uint32(le.Uint16(data[pos+6:])), pos+8
	}
	return h
}

// splitFrames assigns the fragments of px to n frames (PS3.5 A.4): by the
// Basic Offset Table when it has one entry per frame, else one fragment per
// frame, else all fragments to a single frame, else by the codec's start
// marker.
func splitFrames(px *pixelSpan, n int, c *codec) ([][]byte, error) {
	frags := px.fragments
	if len(frags) == 0 {
		return nil, malformed("malformed DICOM: encapsulated pixel data has no fragments")
	}
	var groups [][][]byte
	if bot := px.offsets; len(bot) == 4*n && n > 1 {
		groups = byOffsets(px, bot, n)
	}
	switch {
	case groups != nil:
	case n == 1:
		groups = [][][]byte{frags}
	case len(frags) == n:
		for _, f := range frags {
			groups = append(groups, [][]byte{f})
		}
	case c.marker != nil:
		for _, f := range frags {
			if len(groups) == 0 || bytes.HasPrefix(f, c.marker) {
				groups = append(groups, nil)
			}
			groups[len(groups)-1] = append(groups[len(groups)-1], f)
		}
	}
	if len(groups) != n {
		return nil, malformed("malformed DICOM: cannot tell which of %d pixel data fragments belong to which of %d frames", len(frags), n)
	}
	out := make([][]byte, n)
	for i, g := range groups {
		if len(g) == 1 {
			out[i] = g[0]
		} else {
			out[i] = bytes.Join(g, nil)
		}
	}
	return out, nil
}

// byOffsets groups fragments by the n offsets of a Basic Offset Table, or
// returns nil if the table does not point at fragment starts in order.
func byOffsets(px *pixelSpan, bot []byte, n int) [][][]byte {
	groups := make([][][]byte, n)
	j := 0
	for i := 0; i < n; i++ {
		off := int64(binary.LittleEndian.Uint32(bot[4*i:]))
		if j >= len(px.starts) || int64(px.starts[j]) != off {
			return nil
		}
		next := int64(-1)
		if i+1 < n {
			next = int64(binary.LittleEndian.Uint32(bot[4*i+4:]))
		}
		for j < len(px.starts) && (next < 0 || int64(px.starts[j]) < next) {
			groups[i] = append(groups[i], px.fragments[j])
			j++
		}
		if len(groups[i]) == 0 {
			return nil
		}
	}
	return groups
}

// decodeFrames decodes every frame of encapsulated pixel data into native
// little-endian frames, colour by pixel, and returns them with the
// photometric interpretation of the decoded samples.
func decodeFrames(px *pixelSpan, frames int, l layout, photometric string, sx syntax, b *budget) ([]byte, string, error) {
	fb := l.frameBytes()
	if err := b.charge(int64(fb)*int64(frames), "decoded pixel data"); err != nil {
		return nil, "", err
	}
	parts, err := splitFrames(px, frames, sx.codec)
	if err != nil {
		return nil, "", err
	}
	out := make([]byte, fb*frames)
	got := photometric
	for i, src := range parts {
		p, err := sx.codec.decode(out[i*fb:(i+1)*fb], src, l, photometric)
		if err != nil {
			var ke *kindError
			if !errors.As(err, &ke) {
				err = malformedCause(err, "malformed DICOM")
			}
			return nil, "", fmt.Errorf("frame %d (%s): %w", i+1, syntaxName(sx.uid), err)
		}
		got = p
	}
	return out, got, nil
}
