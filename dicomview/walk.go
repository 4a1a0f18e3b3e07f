package dicomview

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/suyashkumar/dicom/pkg/tag"
	"github.com/suyashkumar/dicom/pkg/uid"
)

// The DICOM parser allocates a value's buffer from its declared length
// before reading it, and recurses once per nesting level. Before the parser
// sees a file, scanDICOM walks every element header exactly as the parser
// will (same transfer syntax rules, same dictionary lookups for implicit VR)
// and rejects the file if any declared length runs past the end of the file
// or of its enclosing item, or if nesting is deeper than maxNesting. After a
// successful scan no parser allocation exceeds the file size.

const (
	dicomPreamble = 128
	dicomMagic    = "DICM"
	// maxNesting bounds sequence and item nesting; real files stay below 10.
	maxNesting = 64
	// maxFragments bounds the fragments of encapsulated pixel data, whose
	// bookkeeping costs about 40 bytes each even when they are empty.
	maxFragments = 1 << 20
	// undefinedLength is the value length FFFFFFFFH (PS3.5 7.1.1).
	undefinedLength = 0xFFFFFFFF
)

// Transfer syntax UIDs read without a codec.
const (
	tsImplicitLittle = "1.2.840.10008.1.2"
	tsExplicitLittle = "1.2.840.10008.1.2.1"
	tsExplicitBig    = "1.2.840.10008.1.2.2"
	tsDeflated       = "1.2.840.10008.1.2.1.99"
)

// errEncapsulated marks undefined-length (encapsulated) pixel data found
// while scanning a file whose transfer syntax is a native one.
var errEncapsulated = errors.New("encapsulated pixel data")

// isDICOM reports whether data carries the DICM marker after the preamble.
func isDICOM(data []byte) bool {
	return len(data) >= dicomPreamble+len(dicomMagic) &&
		string(data[dicomPreamble:dicomPreamble+len(dicomMagic)]) == dicomMagic
}

// syntax is a decoded transfer syntax.
type syntax struct {
	uid      string
	order    binary.ByteOrder
	implicit bool
	deflated bool   // the data set after the file meta information is deflated
	codec    *codec // nil for native (uncompressed) pixel data
}

// scan is what scanDICOM learns about a file.
type scan struct {
	syntax
	metaEnd int        // offset of the first data set element
	noMeta  bool       // no preamble, DICM marker or meta information: syntax was guessed
	pixel   *pixelSpan // the top-level Pixel Data; nil if absent
	patches []patch    // see walker.patches
}

// patch replaces the undefined length at offset at with vl.
type patch struct {
	at int
	vl uint32
}

// pixelSpan locates the top-level Pixel Data (7FE0,0010) element: its value
// for native data, or the Basic Offset Table and fragments of encapsulated
// data (PS3.5 A.4), as sub-slices of the file.
type pixelSpan struct {
	start  int // offset of the element's tag in the file
	vr     string
	native []byte
	// at is the offset of native pixel data (the element's value) in the
	// data scanned; 0 for encapsulated data.
	at int
	// unread, for a file whose header alone was read (see loadHeader):
	// native pixel data of this many bytes lie in the file after the
	// element's header, and native is nil.
	unread    int64
	offsets   []byte   // Basic Offset Table value (may be empty)
	fragments [][]byte // fragment values, in order
	starts    []int    // offset of each fragment's item tag from the first fragment's
}

// scanDICOM validates the structure of a DICOM file (which must start with
// the preamble and DICM marker) and returns its transfer syntax and where
// its pixel data lie. Errors match ErrMalformed, or
// ErrUnsupportedTransferSyntax for a transfer syntax this package cannot
// read. A deflated data set is scanned by scanMeta and inflated by the
// caller before scanDICOM sees it again with inflated set.
func scanDICOM(data []byte, inflated bool) (scan, error) {
	return scanWithin(data, inflated, CurrentLimits().Elements)
}

// scanWithin is scanDICOM allowing at most maxElements elements (the
// parser's bookkeeping costs about 300 bytes for each).
func scanWithin(data []byte, inflated bool, maxElements int64) (scan, error) {
	if !isDICOM(data) {
		return scanNoMeta(data, maxElements)
	}
	w := walker{data: data, pos: dicomPreamble + len(dicomMagic), order: binary.LittleEndian, maxElements: maxElements}
	ts, err := w.meta()
	if errors.Is(err, errEncapsulated) {
		return scan{}, malformed("malformed DICOM: pixel data inside the file meta information")
	}
	if err != nil {
		return scan{}, err
	}
	sx, err := parseSyntax(ts)
	if err != nil {
		return scan{}, err
	}
	sc := scan{syntax: sx, metaEnd: w.pos}
	if sx.deflated && !inflated {
		return sc, nil
	}
	return sc, w.dataSet(&sc)
}

// dataSet walks the data set from w.pos to the end with sc's syntax and
// records its pixel data and patches in sc.
func (w *walker) dataSet(sc *scan) error {
	w.order, w.implicit, w.encapsulated = sc.order, sc.implicit, sc.codec != nil
	for w.pos < len(w.data) {
		if _, err := w.element(len(w.data)); err != nil {
			if errors.Is(err, errEncapsulated) {
				return &kindError{kind: ErrUnsupportedTransferSyntax,
					msg: fmt.Sprintf("encapsulated (compressed) pixel data in a file labelled %s", syntaxName(sc.uid))}
			}
			return err
		}
	}
	sc.pixel, sc.patches = w.pixel, w.patches
	return nil
}

// scanNoMeta scans a data set without preamble, DICM marker or file meta
// information (an ACR-NEMA style file, as dcmtk and pydicom read), after
// guessing its transfer syntax from its first element as dcmtk does.
func scanNoMeta(data []byte, maxElements int64) (scan, error) {
	sx, ok := guessSyntax(data)
	if !ok {
		return scan{}, malformed("not a DICOM (no DICM marker at offset 128, nor a data set starting with group 0008), PNG or JPEG file")
	}
	sc := scan{syntax: sx, noMeta: true}
	w := walker{data: data, maxElements: maxElements}
	if err := w.dataSet(&sc); err != nil {
		return scan{}, err
	}
	return sc, nil
}

// guessSyntax guesses the transfer syntax of a data set without file meta
// information from its first element, as dcmtk does: a known VR after the
// tag means explicit VR, and the byte order is the one in which the first
// group reads as a plausible first group of a data set (0008, or 0002 for
// files start with it; dcmtk accepts any group). It reports false when
// neither order fits.
func guessSyntax(data []byte) (syntax, bool) {
	if len(data) < 8 {
		return syntax{}, false
	}
	var order binary.ByteOrder
	switch {
	case firstGroup(binary.LittleEndian.Uint16(data)):
		order = binary.LittleEndian
	case firstGroup(binary.BigEndian.Uint16(data)):
		order = binary.BigEndian
	default:
		return syntax{}, false
	}
	explicit := knownVR(string(data[4:6]))
	switch {
	case explicit && order == binary.LittleEndian:
		return syntax{uid: tsExplicitLittle, order: order}, true
	case explicit:
		return syntax{uid: tsExplicitBig, order: order}, true
	case order == binary.LittleEndian:
		return syntax{uid: tsImplicitLittle, order: order, implicit: true}, true
	}
	return syntax{}, false // implicit VR big endian is not a DICOM encoding
}

// firstGroup reports whether g may be the group of a data set's first
// element.
func firstGroup(g uint16) bool { return g == 0x0008 }

// knownVR reports whether vr is one of the value representations of PS3.5
// 6.2.
func knownVR(vr string) bool {
	switch vr {
	case "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW",
		"PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV":
		return true
	}
	return false
}

// looksLikeDICOM reports whether head, the first bytes of a file, are a
// DICOM file with the DICM marker, or a data set without meta information
// whose first element guessSyntax recognises.
func looksLikeDICOM(head []byte) bool {
	if isDICOM(head) {
		return true
	}
	_, ok := guessSyntax(head)
	return ok
}

// parseSyntax maps a transfer syntax UID to a byte order, VR encoding and
// codec. An absent UID means implicit VR little endian, as the parser
// assumes.
func parseSyntax(ts string) (syntax, error) {
	switch ts {
	case "", tsImplicitLittle:
		return syntax{uid: tsImplicitLittle, order: binary.LittleEndian, implicit: true}, nil
	case tsExplicitLittle:
		return syntax{uid: ts, order: binary.LittleEndian}, nil
	case tsDeflated:
		return syntax{uid: ts, order: binary.LittleEndian, deflated: true}, nil
	case tsExplicitBig:
		return syntax{uid: ts, order: binary.BigEndian}, nil
	}
	if c := codecs[ts]; c != nil {
		return syntax{uid: ts, order: binary.LittleEndian, codec: c}, nil
	}
	return syntax{}, &kindError{kind: ErrUnsupportedTransferSyntax,
		msg: fmt.Sprintf("unsupported transfer syntax %s; convert the file to uncompressed little endian first (e.g. dcmtk's dcmdjpeg/dcmdrle/dcmconv or gdcmconv --raw)", syntaxName(ts))}
}

// syntaxName returns "UID (name)" for a transfer syntax UID.
func syntaxName(ts string) string {
	if info, err := uid.Lookup(ts); err == nil && info.Name != "" {
		return fmt.Sprintf("%s (%s)", ts, info.Name)
	}
	return ts
}

// walker steps over DICOM elements in data without allocating values.
type walker struct {
	data     []byte
	pos      int
	order    binary.ByteOrder
	implicit bool
	depth    int
	// encapsulated: undefined-length Pixel Data holds fragments (a
	// compressed transfer syntax); else it is an error.
	encapsulated bool
	pixel        *pixelSpan // the first top-level Pixel Data found
	// patches turn each element of VR UN with undefined length, whose
	// content is a sequence in implicit VR (PS3.5 6.2.2) that the parser
	// cannot read, into opaque bytes of defined length.
	patches []patch
	// elements counts the element headers read; more than maxElements
	// (when above 0) is an error.
	elements, maxElements int64
	// fileSize, when above 0, makes the walker stop at the top-level
	// Pixel Data, native and of defined length within fileSize, whose
	// value need not be in data (a file's header read alone): it records
	// the element in pixel, with unread set, and returns errHeaderEnd.
	fileSize int64
}

// errHeaderEnd stops a walker with fileSize set at the top-level Pixel Data.
var errHeaderEnd = errors.New("end of the header")

// header is one element's tag, VR and value span.
type header struct {
	start int // offset of the tag
	tag   tag.Tag
	vr    string
	vl    uint32
	value int // offset of the value
}

// meta walks the file meta information group the way the parser's
// readHeader does and returns the transfer syntax UID ("" if absent).
func (w *walker) meta() (string, error) {
	ts := ""
	note := func(h header) {
		if h.tag == tag.TransferSyntaxUID && ts == "" && h.vl != undefinedLength {
			v := string(w.data[h.value : h.value+int(h.vl)])
			v, _, _ = strings.Cut(v, `\`)
			ts = strings.Trim(v, " \x00")
		}
	}
	first, err := w.element(len(w.data))
	if err != nil {
		return "", err
	}
	note(first)
	if first.tag == tag.FileMetaInformationGroupLength && isIntVR(first.vr) {
		err = w.metaByLength(first, note)
	} else {
		err = w.metaByGroup(note)
	}
	if err != nil {
		return "", err
	}
	return ts, nil
}

// metaByLength walks the rest of the file meta information by its group
// length, the value of first.
func (w *walker) metaByLength(first header, note func(header)) error {
	// The parser takes any integer VR here; only the standard UL with one
	// value reads the same in both, so accept nothing else.
	if first.vr != "UL" || first.vl != 4 {
		return malformed("malformed DICOM: file meta group length is %s of %d bytes, want UL of 4", first.vr, first.vl)
	}
	n := int(w.order.Uint32(w.data[first.value:]))
	if n > len(w.data)-w.pos {
		return malformed("truncated DICOM: file meta group declares %d bytes but only %d remain", n, len(w.data)-w.pos)
	}
	end := w.pos + n
	for w.pos < end {
		h, err := w.element(end)
		if err != nil {
			return err
		}
		note(h)
	}
	return nil
}

// metaByGroup walks the rest of a file meta information without a group
// length: the parser reads elements while the group is 0002.
func (w *walker) metaByGroup(note func(header)) error {
	for {
		if len(w.data)-w.pos < 2 {
			return malformed("truncated DICOM: file meta information ends early")
		}
		if binary.LittleEndian.Uint16(w.data[w.pos:]) != 0x0002 {
			return nil
		}
		h, err := w.element(len(w.data))
		if err != nil {
			return err
		}
		note(h)
	}
}

// isIntVR reports whether the parser reads a value of this VR as integers.
func isIntVR(vr string) bool {
	switch vr {
	case "UL", "SL", "US", "SS", "AT":
		return true
	}
	return false
}

// need checks that n more bytes are available before end.
func (w *walker) need(n uint64, end int, what string) error {
	if n <= uint64(end-w.pos) {
		return nil
	}
	return w.short(n, end, what)
}

// needElem is need for element h, or its value when value is set; the
// element's name is made only when it is needed (an error): a data set
// of millions of tiny elements is stepped over without formatting one.
func (w *walker) needElem(n uint64, end int, h *header, value bool) error {
	if n <= uint64(end-w.pos) {
		return nil
	}
	what := "element " + h.tag.String()
	if value {
		what += " (" + h.vr + ") value"
	}
	return w.short(n, end, what)
}

// short is the error of need: what, at the walker's position, needs n
// bytes but fewer than that are left before end.
func (w *walker) short(n uint64, end int, what string) error {
	if end == len(w.data) {
		return malformed("truncated DICOM: %s at offset %d needs %d bytes but only %d remain", what, w.pos, n, end-w.pos)
	}
	return malformed("malformed DICOM: %s at offset %d needs %d bytes but its enclosing item has only %d left", what, w.pos, n, end-w.pos)
}

// element steps over one element (and, for sequences and items, everything
// inside it), never reading past end.
func (w *walker) element(end int) (header, error) {
	if err := w.need(4, end, "element tag"); err != nil {
		return header{}, err
	}
	if w.elements++; w.maxElements > 0 && w.elements > w.maxElements {
		return header{}, &LimitError{What: "the data set", Limit: "elements", Need: w.elements, Max: w.maxElements, AtLeast: true}
	}
	h := header{start: w.pos, tag: tag.Tag{Group: w.order.Uint16(w.data[w.pos:]), Element: w.order.Uint16(w.data[w.pos+2:])}}
	w.pos += 4
	if h.tag == tag.ItemDelimitationItem || h.tag == tag.SequenceDelimitationItem {
		if err := w.delimiter(&h, end); err != nil {
			return header{}, err
		}
		return h, nil
	}
	// The parser reads items with implicit VR whatever the transfer syntax.
	implicit := w.implicit || h.tag == tag.Item
	if err := w.vrAndLength(&h, end, implicit); err != nil {
		return header{}, err
	}
	h.value = w.pos
	if !implicit && h.vr == "UN" && h.vl == undefinedLength && h.tag != tag.PixelData {
		return h, w.unknownSequence(h, end)
	}
	return w.value(h, end)
}

// delimiter reads the zero length of an item or sequence delimiter h.
func (w *walker) delimiter(h *header, end int) error {
	if err := w.needElem(4, end, h, false); err != nil {
		return err
	}
	if vl := w.order.Uint32(w.data[w.pos:]); vl != 0 {
		return malformed("malformed DICOM: delimiter %s at offset %d has length %d, want 0", h.tag, w.pos-4, vl)
	}
	w.pos += 4
	h.value = w.pos
	return nil
}

// vrAndLength reads h's VR (from the dictionary when implicit) and value
// length, as the parser does.
func (w *walker) vrAndLength(h *header, end int, implicit bool) error {
	if err := w.needElem(4, end, h, false); err != nil {
		return err
	}
	if implicit {
		h.vr = tag.UnknownVR
		if info, err := tag.Find(h.tag); err == nil {
			h.vr = info.VR
		}
		h.vl = w.order.Uint32(w.data[w.pos:])
		w.pos += 4
		return nil
	}
	h.vr = string(w.data[w.pos : w.pos+2])
	switch h.vr {
	case "NA", "OB", "OD", "OF", "OL", "OW", "SQ", "UN", "UC", "UR", "UT":
		if err := w.needElem(8, end, h, false); err != nil {
			return err
		}
		h.vl = w.order.Uint32(w.data[w.pos+4:])
		w.pos += 8
		if h.vl == undefinedLength && (h.vr == "UC" || h.vr == "UR" || h.vr == "UT") {
			return malformed("malformed DICOM: element %s (%s) has undefined length", h.tag, h.vr)
		}
	default:
		h.vl = uint32(w.order.Uint16(w.data[w.pos+2:]))
		if h.vl == 0xFFFF {
			h.vl = undefinedLength
		}
		w.pos += 4
	}
	return nil
}

// unknownSequence steps over an explicit VR element of VR UN with
// undefined length, whose content is a sequence in implicit VR (PS3.5
// 6.2.2), and records the patch that gives it a defined length.
func (w *walker) unknownSequence(h header, end int) error {
	w.implicit = true
	err := w.nested(h, end, tag.SequenceDelimitationItem)
	w.implicit = false
	if err == nil {
		w.patches = append(w.patches, patch{at: h.value - 4, vl: uint32(w.pos - h.value)})
	}
	return err
}

// value steps over the value of h: the contents of a sequence or item,
// encapsulated pixel data, or bytes of defined length (keeping the span of
// top-level native Pixel Data).
func (w *walker) value(h header, end int) (header, error) {
	switch tag.GetVRKind(h.tag, h.vr) {
	case tag.VRSequence:
		return h, w.nested(h, end, tag.SequenceDelimitationItem)
	case tag.VRItem:
		return h, w.nested(h, end, tag.ItemDelimitationItem)
	case tag.VRPixelData:
		if h.vl == undefinedLength {
			if !w.encapsulated {
				return h, errEncapsulated
			}
			return h, w.fragments(h, end)
		}
		if w.fileSize > 0 && w.depth == 0 && w.pixel == nil && h.tag == tag.PixelData && int64(h.vl) <= w.fileSize-int64(w.pos) {
			w.pixel = &pixelSpan{start: h.start, vr: h.vr, at: h.value, unread: int64(h.vl)}
			w.pos += int(h.vl) // past the end of data: the caller reads on from there
			return h, errHeaderEnd
		}
		if w.depth == 0 && w.pixel == nil && h.tag == tag.PixelData && uint64(h.vl) <= uint64(end-w.pos) {
			w.pixel = &pixelSpan{start: h.start, vr: h.vr, at: h.value, native: w.data[w.pos : w.pos+int(h.vl)]}
		}
	}
	if h.vl == undefinedLength {
		return header{}, malformed("malformed DICOM: element %s (%s) at offset %d has undefined length", h.tag, h.vr, h.value)
	}
	if err := w.needElem(uint64(h.vl), end, &h, true); err != nil {
		return header{}, err
	}
	w.pos += int(h.vl)
	return h, nil
}

// nested steps over the contents of a sequence (delim is the sequence
// delimiter, and every child must be an item) or of an item.
func (w *walker) nested(h header, end int, delim tag.Tag) error {
	w.depth++
	defer func() { w.depth-- }()
	if w.depth > maxNesting {
		return malformed("malformed DICOM: sequences nested more than %d deep at offset %d", maxNesting, h.value)
	}
	isSeq := delim == tag.SequenceDelimitationItem
	child := func(limit int) (bool, error) {
		c, err := w.element(limit)
		if err != nil {
			return false, err
		}
		if c.tag == delim && h.vl == undefinedLength {
			return true, nil
		}
		if isSeq && c.tag != tag.Item {
			return false, malformed("malformed DICOM: sequence %s contains %s, not an item", h.tag, c.tag)
		}
		return false, nil
	}
	if h.vl == undefinedLength {
		for {
			done, err := child(end)
			if err != nil || done {
				return err
			}
		}
	}
	if err := w.needElem(uint64(h.vl), end, &h, true); err != nil {
		return err
	}
	limit := w.pos + int(h.vl)
	for w.pos < limit {
		if _, err := child(limit); err != nil {
			return err
		}
	}
	return nil
}

// fragments steps over the items of encapsulated pixel data (PS3.5 A.4):
// the Basic Offset Table, the fragments, then the sequence delimiter. The
// spans of top-level Pixel Data are kept in w.pixel.
func (w *walker) fragments(h header, end int) error {
	keep := w.depth == 0 && w.pixel == nil && h.tag == tag.PixelData
	px := pixelSpan{start: h.start, vr: h.vr}
	first := -1
	for n := 0; ; n++ {
		if err := w.need(8, end, "pixel data item"); err != nil {
			return err
		}
		start := w.pos
		t := tag.Tag{Group: w.order.Uint16(w.data[w.pos:]), Element: w.order.Uint16(w.data[w.pos+2:])}
		vl := w.order.Uint32(w.data[w.pos+4:])
		w.pos += 8
		switch t {
		case tag.SequenceDelimitationItem:
			if vl != 0 {
				return malformed("malformed DICOM: pixel data delimiter at offset %d has length %d, want 0", start, vl)
			}
			if n == 0 {
				return malformed("malformed DICOM: encapsulated pixel data at offset %d has no Basic Offset Table item", h.value)
			}
			if keep {
				w.pixel = &px
			}
			return nil
		case tag.Item:
		default:
			return malformed("malformed DICOM: encapsulated pixel data holds %s at offset %d, not an item", t, start)
		}
		if vl == undefinedLength {
			return malformed("malformed DICOM: pixel data item at offset %d has undefined length", start)
		}
		if err := w.need(uint64(vl), end, "pixel data item value"); err != nil {
			return err
		}
		v := w.data[w.pos : w.pos+int(vl)]
		w.pos += int(vl)
		if n == 0 {
			px.offsets = v
			continue
		}
		if first < 0 {
			first = start
		}
		if len(px.fragments) >= maxFragments {
			return unsupported("encapsulated pixel data has more than %d fragments", maxFragments)
		}
		px.fragments = append(px.fragments, v)
		px.starts = append(px.starts, start-first)
	}
}
