package dicomview

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// headerPrefix is how much of a file loadHeader reads at most before
// reading it whole: enough for the header of nearly every DICOM file.
// It reads headerFirst bytes first, enough for most (1,000 headers read
// 64 KiB each are 64 MB of garbage, a collection every few MB), and the
// rest of headerPrefix only when the pixel data do not start in them.
const (
	headerFirst  = 8 << 10
	headerPrefix = 64 << 10
)

// errNeedPixels: the file cannot be checked from its header alone.
var errNeedPixels = errors.New("the pixel data must be read")

// loadHeader is load for an image of a series that will be lazy: a file
// whose pixel data are native (uncompressed, not deflated, not one bit a
// pixel) and start within its first headerPrefix bytes is checked and
// parsed from its header and whatever follows the pixel data, which are
// not read; any other is loaded whole, as load does. Either way the
// limits and errors are load's, and the whole file is charged to b.
func loadHeader(path string, b *budget) (*Image, error) {
	im, err := readHeader(path, b)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return im, nil
}

func readHeader(path string, b *budget) (*Image, error) {
	f, fi, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := fi.Size()
	if err := b.chargeFile(size); err != nil {
		return nil, err
	}
	var head []byte
	for _, n := range []int64{headerFirst, headerPrefix} {
		if size <= headerPrefix {
			break // read whole below
		}
		more := make([]byte, n)
		copy(more, head)
		if _, err := io.ReadFull(f, more[len(head):]); err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
		head = more
		if im, err := headerOnly(f, head, size, b); !errors.Is(err, errNeedPixels) {
			if err == nil {
				im.Path = path
			}
			return im, err
		}
	}
	// The whole file, as readFile reads it.
	data := make([]byte, size)
	copy(data, head)
	if _, err := io.ReadFull(f, data[len(head):]); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	return decodeWithin(path, data, b)
}

// headerOnly checks and parses a DICOM file of size bytes, of which head
// are the first, without reading its native pixel data; f is the file.
// It returns errNeedPixels, having charged nothing to b, when that is not
// possible or when the file has an error, which the whole file's load
// then reports in its own words.
func headerOnly(f *os.File, head []byte, size int64, b *budget) (*Image, error) {
	if !isDICOM(head) {
		return nil, errNeedPixels
	}
	w := walker{data: head, pos: dicomPreamble + len(dicomMagic), order: binary.LittleEndian, maxElements: b.lim.Elements}
	ts, err := w.meta()
	if err != nil {
		return nil, errNeedPixels
	}
	sx, err := parseSyntax(ts)
	if err != nil || sx.deflated || sx.codec != nil {
		return nil, errNeedPixels
	}
	sc := scan{syntax: sx, metaEnd: w.pos}
	w.order, w.implicit, w.fileSize = sx.order, sx.implicit, size
	for {
		if w.pos >= len(head) {
			return nil, errNeedPixels // no pixel data in the prefix
		}
		if _, err := w.element(len(head)); errors.Is(err, errHeaderEnd) {
			break
		} else if err != nil {
			return nil, errNeedPixels
		}
	}
	sc.pixel, sc.patches = w.pixel, w.patches
	// What follows the pixel data is checked as the whole file's scan
	// checks it: the same walker, on those bytes.
	if rest := size - int64(w.pos); rest > 0 {
		tail := make([]byte, rest)
		if _, err := f.ReadAt(tail, int64(w.pos)); err != nil {
			return nil, errNeedPixels
		}
		t := walker{data: tail, order: w.order, implicit: w.implicit, maxElements: w.maxElements, elements: w.elements,
			pixel: w.pixel}
		for t.pos < len(tail) {
			if _, err := t.element(len(tail)); err != nil {
				return nil, errNeedPixels
			}
		}
	}
	ds, err := parseDataset(parserInput(head, sc))
	if err != nil {
		return nil, errNeedPixels
	}
	return fromDataset(ds.Elements, sc, b)
}

// InstanceUIDs reads the Study, Series and SOP Instance UIDs of the DICOM
// file at path from its header (the pixel data is read only where the
// header cannot be parsed without it), under the loader's limits: what a
// cache checks a stored file against before it trusts it.
func InstanceUIDs(path string) (study, series, sop string, err error) {
	if im, err := readHeader(path, newBudget(CurrentLimits(), nil)); err == nil {
		return im.Info.StudyInstanceUID, im.geometry.series, im.Info.SOPInstanceUID, nil
	}
	// Not an image (a structured report, an encapsulated PDF): its
	// attributes, read as Attributes reads them.
	attrs, err := Attributes(path)
	if err != nil {
		return "", "", "", err
	}
	for _, a := range attrs {
		if len(a.Values) == 0 {
			continue
		}
		v := strings.TrimRight(a.Values[0], "\x00 ")
		switch {
		case a.Group == 0x0020 && a.Element == 0x000D:
			study = v
		case a.Group == 0x0020 && a.Element == 0x000E:
			series = v
		case a.Group == 0x0008 && a.Element == 0x0018:
			sop = v
		}
	}
	return study, series, sop, nil
}
