package dicomview

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/suyashkumar/dicom"
	"github.com/suyashkumar/dicom/pkg/tag"
)

// decodeDICOM validates, parses and decodes a DICOM file held in data,
// allocating no more than b allows.
func decodeDICOM(data []byte, b *budget) (*Image, error) {
	data, sc, err := checkDICOM(data, b)
	if err != nil {
		return nil, err
	}
	ds, err := parseDataset(parserInput(data, sc))
	if err != nil {
		return nil, err
	}
	return fromDataset(ds.Elements, sc, b)
}

// checkDICOM scans a DICOM file, inflating a deflated data set within b,
// and returns the file's bytes with what the scan learnt.
func checkDICOM(data []byte, b *budget) ([]byte, scan, error) {
	sc, err := scanWithin(data, false, b.lim.Elements)
	if err != nil {
		return nil, scan{}, err
	}
	if sc.deflated {
		if data, err = inflate(data, sc.metaEnd, b); err != nil {
			return nil, scan{}, err
		}
		if sc, err = scanWithin(data, true, b.lim.Elements); err != nil {
			return nil, scan{}, err
		}
	}
	return data, sc, nil
}

// parserInput returns the bytes the parser is given for a scanned file:
// the file meta information (made up for a file without one), then the
// data set up to its top-level Pixel Data, which the parser need not see
// (scan holds its spans), with what the parser cannot read patched (see
// walker.patches). Only this prefix is copied, never the pixel data.
func parserInput(data []byte, sc scan) []byte {
	end := len(data)
	if sc.pixel != nil {
		end = sc.pixel.start
	}
	head := data[:sc.metaEnd]
	if sc.noMeta {
		head = syntheticMeta(sc.uid)
	}
	if !sc.noMeta && len(sc.patches) == 0 {
		return data[:end]
	}
	out := make([]byte, 0, len(head)+end-sc.metaEnd)
	out = append(out, head...)
	shift := len(out) - sc.metaEnd
	out = append(out, data[sc.metaEnd:end]...)
	for _, p := range sc.patches {
		if p.at+shift+4 <= len(out) {
			binary.LittleEndian.PutUint32(out[p.at+shift:], p.vl)
		}
	}
	return out
}

// syntheticMeta returns a preamble, DICM marker and file meta information
// naming transfer syntax ts, for the parser to read a file that has none.
func syntheticMeta(ts string) []byte {
	v := ts
	if len(v)%2 == 1 {
		v += "\x00"
	}
	var meta []byte
	meta = append(meta, 2, 0, 0x10, 0, 'U', 'I')
	meta = binary.LittleEndian.AppendUint16(meta, uint16(len(v)))
	meta = append(meta, v...)
	out := make([]byte, dicomPreamble, dicomPreamble+16+len(meta))
	out = append(out, dicomMagic...)
	out = append(out, 2, 0, 0, 0, 'U', 'L', 4, 0)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(meta)))
	return append(out, meta...)
}

// parseDataset runs the DICOM parser on a file scanDICOM accepted, turning
// a parser panic into an error. Pixel data is kept as raw bytes.
func parseDataset(data []byte) (ds dicom.Dataset, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = malformed("malformed DICOM: parser failed: %v", r)
		}
	}()
	ds, err = dicom.Parse(bytes.NewReader(data), int64(len(data)), nil,
		dicom.SkipPixelData(), dicom.AllowMissingMetaElementGroupLength())
	if err != nil {
		return dicom.Dataset{}, malformedCause(err, "malformed DICOM")
	}
	return ds, nil
}

// Tags read by fromDataset that the tag package does not name the way it is
// used here.
var (
	tagWindowCenter = tag.Tag{Group: 0x0028, Element: 0x1050}
	tagWindowWidth  = tag.Tag{Group: 0x0028, Element: 0x1051}
)

// fromDataset builds an Image from the top-level elements of a parsed file:
// what it describes, its pixel layout and photometric interpretation, its
// pixel data (decoded, unpacked or as stored) and the transforms that map
// stored values to grey levels.
func fromDataset(elems []*dicom.Element, sc scan, b *budget) (*Image, error) {
	im := describe(elems, sc)
	if sc.pixel == nil {
		if sop := text(elems, tag.SOPClassUID); sop != "" {
			return nil, unsupported("DICOM file has no pixel data: it is not an image (SOP class %s)", syntaxName(sop))
		}
		return nil, unsupported("DICOM file has no pixel data: it is not an image")
	}
	l, err := pixelLayout(elems, sc.order, b.lim)
	if err != nil {
		return nil, err
	}
	if sc.pixel.unread > 0 && l.packed {
		return nil, errNeedPixels // unpacking reads them; nothing is charged yet
	}
	if err := im.checkPhotometric(elems, &l, sc); err != nil {
		return nil, err
	}
	frames, err := frameCount(elems, b.lim)
	if err != nil {
		return nil, err
	}
	if err := b.reserve(renderBytes(l), "rendering a frame"); err != nil {
		return nil, err
	}
	raw, err := im.pixelData(sc, frames, &l, b)
	if err != nil {
		return nil, err
	}
	if err := im.readTransforms(elems, frames, l.signed, sc.order); err != nil {
		return nil, err
	}
	im.Width, im.Height, im.Frames = l.cols, l.rows, frames
	im.layout = l
	if sc.pixel.unread == 0 {
		im.raw = raw[:frames*l.frameBytes()]
	}
	if sc.codec == nil && !sc.deflated && !l.packed && !(sc.order == binary.BigEndian && l.bitsAllocated == 8 && sc.pixel.vr == "OW") {
		im.pixelAt = int64(sc.pixel.at) // the stored samples, as they lie in the file
	}
	im.rawDefault = l.samples != 1
	return im, nil
}

// describe returns the Image with what the file says about itself: study
// information, geometry, photometric interpretation and transfer syntax.
func describe(elems []*dicom.Element, sc scan) *Image {
	im := &Image{Format: FormatDICOM}
	im.Info = core.StudyInfo{
		Modality:           text(elems, tag.Modality),
		StudyDescription:   text(elems, tag.StudyDescription),
		SeriesDescription:  text(elems, tag.SeriesDescription),
		BodyPart:           text(elems, tag.BodyPartExamined),
		StudyDate:          text(elems, tag.StudyDate),
		BurnedInAnnotation: text(elems, tag.BurnedInAnnotation),
		StudyInstanceUID:   text(elems, tag.StudyInstanceUID),
		SOPInstanceUID:     text(elems, tag.SOPInstanceUID),
	}
	im.Modality = im.Info.Modality
	im.geometry = readGeometry(elems)
	im.Photometric = strings.ToUpper(text(elems, tag.PhotometricInterpretation))
	im.TransferSyntax = sc.uid
	return im
}

// checkPhotometric checks that the photometric interpretation goes with the
// samples per pixel of l (1 or 3) and the transfer syntax, reading the
// palette of a PALETTE COLOR image and marking native YBR_FULL_422 in l.
func (im *Image) checkPhotometric(elems []*dicom.Element, l *layout, sc scan) error {
	p := im.Photometric
	if p == "" {
		return malformed("malformed DICOM: no PhotometricInterpretation")
	}
	switch l.samples {
	case 1:
		switch p {
		case "MONOCHROME1", "MONOCHROME2":
			return nil
		case "PALETTE COLOR":
			pal, err := readPalette(elems, sc.order)
			if err != nil {
				return err
			}
			im.palette = &pal
			return nil
		}
	case 3:
		switch p {
		case "RGB", "YBR_FULL":
			return nil
		case "YBR_FULL_422":
			if sc.codec != nil || l.cols%2 == 0 {
				// Native YBR_FULL_422 stores two luminance samples per
				// chroma pair.
				l.ybr422 = sc.codec == nil
				return nil
			}
		case "YBR_ICT", "YBR_RCT":
			if sc.uid == tsJ2K || sc.uid == tsJ2KLossless {
				// OpenJPEG applies the inverse component transform.
				return nil
			}
		}
	}
	return unsupported("photometric interpretation %s with %d samples per pixel is not supported yet", p, l.samples)
}

// pixelData returns the frames' samples in l's layout: decoded from an
// encapsulated transfer syntax (which sets l's byte order and im's
// photometric interpretation to the decoder's), unpacked from one bit per
// pixel, or the stored bytes checked to hold every frame.
func (im *Image) pixelData(sc scan, frames int, l *layout, b *budget) ([]byte, error) {
	pd := sc.pixel
	switch {
	case sc.codec != nil:
		if pd.native != nil {
			return nil, malformed("malformed DICOM: pixel data of a file labelled %s is not encapsulated", syntaxName(sc.uid))
		}
		if l.packed {
			return nil, unsupported("BitsAllocated 1 in %s is not supported", syntaxName(sc.uid))
		}
		l.order, l.planar = binary.LittleEndian, false
		raw, photometric, err := decodeFrames(pd, frames, *l, im.Photometric, sc.syntax, b)
		if err != nil {
			return nil, err
		}
		im.Photometric = photometric
		return raw, nil
	case l.packed:
		return unpackBitsAllocated1(pd, frames, *l, sc.order, b)
	}
	raw := pd.native
	n := int64(len(raw))
	if pd.unread > 0 {
		n = pd.unread // checked as if read; read when rendered
	}
	if sc.order == binary.BigEndian && l.bitsAllocated == 8 && pd.vr == "OW" {
		// 8-bit samples in OW are byte-swapped in big endian (PS3.5 A.2).
		if err := b.charge(n, "byte-swapped pixel data"); err != nil {
			return nil, err
		}
		raw = bytes.Clone(raw)
		for i := 0; i+1 < len(raw); i += 2 {
			raw[i], raw[i+1] = raw[i+1], raw[i]
		}
	}
	if fb := int64(l.frameBytes()); fb == 0 || n/fb < int64(frames) {
		return nil, malformed("malformed DICOM: pixel data has %d bytes; %d frame(s) of %d×%d pixels need %d",
			n, frames, l.cols, l.rows, int64(frames)*fb)
	}
	return raw, nil
}

// readTransforms reads what maps stored values to grey levels: each
// frame's rescale and windows, the modality and VOI LUTs, and whether the
// output is inverted. It runs after pixelData, whose decoder may change the
// photometric interpretation.
func (im *Image) readTransforms(elems []*dicom.Element, frames int, signed bool, order binary.ByteOrder) error {
	params, err := frameParameters(elems, frames)
	if err != nil {
		return err
	}
	if params[0].modLUT, err = firstLUT(elems, tagModalityLUTSequence, signed, order); err != nil {
		return err
	}
	for i := range params[1:] {
		params[i+1].modLUT = params[0].modLUT
	}
	if im.voiLUTs, err = lutItems(elems, tagVOILUTSequence, signed, order); err != nil {
		return err
	}
	for _, v := range im.voiLUTs {
		im.VOILUTs = append(im.VOILUTs, v.name)
	}
	im.invert = im.Photometric == "MONOCHROME1"
	switch strings.ToUpper(text(elems, tagPresentationLUTShape)) {
	case "INVERSE":
		im.invert = true
	case "IDENTITY":
		// dcmtk, too, lets IDENTITY override MONOCHROME1's inversion.
		im.invert = false
	}
	im.VOIFunction = params[0].voiFunc
	im.frames = params
	im.Windows = params[0].windows
	return nil
}

// frameCount returns NumberOfFrames (1 when absent or below 1), at most
// lim.Frames.
func frameCount(elems []*dicom.Element, lim Limits) (int, error) {
	s := text(elems, tag.NumberOfFrames)
	if s == "" {
		return 1, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, malformed("malformed DICOM: NumberOfFrames %q is not a number", s)
	}
	if n > lim.Frames {
		return 0, &LimitError{What: "NumberOfFrames", Limit: "frames", Need: n, Max: lim.Frames}
	}
	return max(int(n), 1), nil
}

// pixelLayout reads the Image Pixel module attributes and checks them.
func pixelLayout(elems []*dicom.Element, order binary.ByteOrder, lim Limits) (layout, error) {
	l := layout{order: order}
	if err := l.readSize(elems, lim); err != nil {
		return layout{}, err
	}
	var ok bool
	if l.bitsAllocated, ok = integer(elems, tag.BitsAllocated); !ok {
		return layout{}, malformed("malformed DICOM: missing BitsAllocated")
	}
	if l.bitsAllocated == 1 {
		if err := l.packBits(elems); err != nil {
			return layout{}, err
		}
		return l, nil
	}
	if err := l.readBits(elems); err != nil {
		return layout{}, err
	}
	pr, _ := integer(elems, tag.PixelRepresentation)
	l.signed = pr == 1
	pc, _ := integer(elems, tag.PlanarConfiguration)
	l.planar = l.samples == 3 && pc == 1
	return l, nil
}

// readSize reads Rows, Columns and SamplesPerPixel, and checks a frame
// against lim.
func (l *layout) readSize(elems []*dicom.Element, lim Limits) error {
	var ok bool
	if l.rows, ok = integer(elems, tag.Rows); !ok || l.rows < 1 || l.rows > 0xFFFF {
		return malformed("malformed DICOM: missing or invalid Rows")
	}
	if l.cols, ok = integer(elems, tag.Columns); !ok || l.cols < 1 || l.cols > 0xFFFF {
		return malformed("malformed DICOM: missing or invalid Columns")
	}
	if px := int64(l.rows) * int64(l.cols); px > lim.FramePixels {
		return &LimitError{What: fmt.Sprintf("a frame of %d×%d pixels", l.cols, l.rows), Limit: "pixels", Need: px, Max: lim.FramePixels}
	}
	if l.samples, ok = integer(elems, tag.SamplesPerPixel); !ok {
		l.samples = 1
	}
	if l.samples != 1 && l.samples != 3 {
		return unsupported("%d samples per pixel is not supported", l.samples)
	}
	return nil
}

// packBits sets up l for BitsAllocated 1: packed bits (segmentations,
// overlays) are unpacked to one byte per pixel by unpackBitsAllocated1.
func (l *layout) packBits(elems []*dicom.Element) error {
	if l.samples != 1 {
		return unsupported("BitsAllocated 1 with %d samples per pixel is not supported", l.samples)
	}
	l.packed, l.bitsAllocated = true, 8
	if bs, ok := integer(elems, tag.BitsStored); ok && bs != 1 {
		return malformed("malformed DICOM: BitsAllocated 1 with BitsStored %d", bs)
	}
	if hb, ok := integer(elems, tag.HighBit); ok && hb != 0 {
		return malformed("malformed DICOM: BitsAllocated 1 with HighBit %d", hb)
	}
	l.bitsStored, l.highBit = 1, 0
	l.signed = false
	return nil
}

// readBits reads BitsStored and HighBit for BitsAllocated 8, 16 or 32 and
// checks that the three agree.
func (l *layout) readBits(elems []*dicom.Element) error {
	if l.bitsAllocated != 8 && l.bitsAllocated != 16 && l.bitsAllocated != 32 {
		return unsupported("BitsAllocated %d is not supported (only 1, 8, 16 and 32)", l.bitsAllocated)
	}
	var ok bool
	if l.bitsStored, ok = integer(elems, tag.BitsStored); !ok {
		l.bitsStored = l.bitsAllocated
	}
	if l.highBit, ok = integer(elems, tag.HighBit); !ok {
		l.highBit = l.bitsStored - 1
	}
	if l.bitsStored < 1 || l.bitsStored > l.bitsAllocated || l.highBit >= l.bitsAllocated || l.highBit+1 < l.bitsStored {
		return malformed("malformed DICOM: BitsAllocated %d, BitsStored %d, HighBit %d are inconsistent",
			l.bitsAllocated, l.bitsStored, l.highBit)
	}
	return nil
}

// frameParameters resolves rescale and windows for every frame: a frame's
// own functional group, else the shared functional groups, else the
// top-level attributes (PS3.3 C.7.6.16).
func frameParameters(elems []*dicom.Element, frames int) ([]frameParams, error) {
	base, err := transformation(elems, frameParams{slope: 1})
	if err != nil {
		return nil, err
	}
	if shared := items(find(elems, tag.SharedFunctionalGroupsSequence)); len(shared) > 0 {
		if base, err = functionalGroup(shared[0], base); err != nil {
			return nil, err
		}
	}
	perFrame := items(find(elems, tag.PerFrameFunctionalGroupsSequence))
	out := make([]frameParams, frames)
	for i := range out {
		out[i] = base
		if i < len(perFrame) {
			if out[i], err = functionalGroup(perFrame[i], base); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// functionalGroup applies the Pixel Value Transformation and Frame VOI LUT
// macros of one functional group item over p.
func functionalGroup(group []*dicom.Element, p frameParams) (frameParams, error) {
	var err error
	for _, it := range items(find(group, tag.PixelValueTransformationSequence)) {
		if p, err = transformation(it, p); err != nil {
			return frameParams{}, err
		}
	}
	for _, it := range items(find(group, tag.FrameVOILUTSequence)) {
		if p, err = voi(it, p); err != nil {
			return frameParams{}, err
		}
	}
	return p, nil
}

// transformation reads RescaleSlope, RescaleIntercept, the windows and the
// VOI LUT Function in elems over p.
func transformation(elems []*dicom.Element, p frameParams) (frameParams, error) {
	if s := text(elems, tag.RescaleSlope); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			return frameParams{}, malformed("malformed DICOM: RescaleSlope %q", s)
		}
		p.slope = v
	}
	if s := text(elems, tag.RescaleIntercept); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			return frameParams{}, malformed("malformed DICOM: RescaleIntercept %q", s)
		}
		p.intercept = v
	}
	return voi(elems, p)
}

// voi reads the windows and VOI LUT Function in elems over p.
func voi(elems []*dicom.Element, p frameParams) (frameParams, error) {
	if ws := windows(elems); len(ws) > 0 {
		p.windows = ws
	}
	f, err := voiFunction(elems)
	if err != nil {
		return frameParams{}, err
	}
	if f != "" {
		p.voiFunc = f
	}
	return p, nil
}

// firstLUT returns the first LUT of a LUT sequence, or nil.
func firstLUT(elems []*dicom.Element, seq tag.Tag, signed bool, order binary.ByteOrder) (*lut, error) {
	ls, err := lutItems(elems, seq, signed, order)
	if err != nil || len(ls) == 0 {
		return nil, err
	}
	return ls[0], nil
}

// windows pairs the values of WindowCenter and WindowWidth, skipping pairs
// that do not parse or whose width is not above 0.
func windows(elems []*dicom.Element) []Window {
	cs, ws := texts(elems, tagWindowCenter), texts(elems, tagWindowWidth)
	var out []Window
	for i := 0; i < len(cs) && i < len(ws); i++ {
		c, err1 := strconv.ParseFloat(strings.TrimSpace(cs[i]), 64)
		w, err2 := strconv.ParseFloat(strings.TrimSpace(ws[i]), 64)
		win := Window{Center: c, Width: w}
		if err1 == nil && err2 == nil && win.check() == nil {
			out = append(out, win)
		}
	}
	return out
}

// find returns the first element with tag t in elems, or nil.
func find(elems []*dicom.Element, t tag.Tag) *dicom.Element {
	for _, e := range elems {
		if e != nil && e.Tag == t && e.Value != nil {
			return e
		}
	}
	return nil
}

// texts returns the string values of element t, or nil.
func texts(elems []*dicom.Element, t tag.Tag) []string {
	if e := find(elems, t); e != nil {
		if v, ok := e.Value.GetValue().([]string); ok {
			return v
		}
	}
	return nil
}

// text returns the first string value of element t, trimmed; "" if absent.
func text(elems []*dicom.Element, t tag.Tag) string {
	if v := texts(elems, t); len(v) > 0 {
		return strings.TrimSpace(strings.Trim(v[0], "\x00"))
	}
	return ""
}

// integer returns the first integer value of element t.
func integer(elems []*dicom.Element, t tag.Tag) (int, bool) {
	if e := find(elems, t); e != nil {
		if v, ok := e.Value.GetValue().([]int); ok && len(v) > 0 {
			return v[0], true
		}
	}
	return 0, false
}

// items returns the elements of each item of sequence e (nil-safe).
func items(e *dicom.Element) [][]*dicom.Element {
	if e == nil {
		return nil
	}
	seq, ok := e.Value.GetValue().([]*dicom.SequenceItemValue)
	if !ok {
		return nil
	}
	out := make([][]*dicom.Element, 0, len(seq))
	for _, it := range seq {
		if it == nil {
			continue
		}
		if el, ok := it.GetValue().([]*dicom.Element); ok {
			out = append(out, el)
		}
	}
	return out
}

// geometry is what orders an image within its series.
type geometry struct {
	series   string    // SeriesInstanceUID
	instance int       // InstanceNumber; 0 if absent
	numbered bool      // InstanceNumber is present (an integer)
	position []float64 // ImagePositionPatient (3 values) or nil
	orient   []float64 // ImageOrientationPatient (6 values) or nil
	spacing  []float64 // PixelSpacing (row spacing, column spacing) in mm, or nil
}

// readGeometry reads the attributes that order an image in its series.
func readGeometry(elems []*dicom.Element) geometry {
	g := geometry{series: text(elems, tag.SeriesInstanceUID)}
	if n, err := strconv.Atoi(text(elems, tag.InstanceNumber)); err == nil {
		g.instance, g.numbered = n, true
	}
	floats := func(t tag.Tag, n int) []float64 {
		vs := texts(elems, t)
		if len(vs) != n {
			return nil
		}
		out := make([]float64, n)
		for i, v := range vs {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return nil
			}
			out[i] = f
		}
		return out
	}
	g.position = floats(tag.ImagePositionPatient, 3)
	g.orient = floats(tag.ImageOrientationPatient, 6)
	if sp := floats(tag.PixelSpacing, 2); sp != nil && sp[0] > 0 && sp[1] > 0 {
		g.spacing = sp
	}
	return g
}
