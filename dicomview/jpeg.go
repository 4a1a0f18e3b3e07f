package dicomview

/*
#cgo CXXFLAGS: -std=c++17
#cgo LDFLAGS: -ldcmjpeg -lijg8 -lijg12 -lijg16 -ldcmimgle -ldcmdata -loflog -lofstd
#include <stdlib.h>
#include "jpeg_dcmtk.h"
*/
import "C"

import (
	"encoding/binary"
	"strings"
	"unsafe"
)

// JPEG (ISO/IEC 10918-1, PS3.5 A.4.1): baseline (process 1), extended
// (processes 2 and 4, 8 and 12 bits) and lossless (process 14, any
// selection value, up to 16 bits). Debian's libjpeg-turbo 2.1 decodes only
// 8-bit lossy JPEG, so the codec is dcmtk's (Debian libdcmtk-dev): its
// decoders over three builds of the IJG library, for 8, 12 and 16 bits,
// the code dcmtk's own dcmdjpeg and dcmj2pnm run.

// jpegFrame is what a JPEG frame header (SOF) declares.
type jpegFrame struct {
	process              byte // the SOF marker's second byte: 0xC0…0xCF
	precision            int
	width, height, comps int
}

// readJPEGFrame finds the first SOF marker of a JPEG stream. It stays one
// loop over the marker segments: each case is one kind of marker (T.81
// table B.1), which reads better side by side than split apart.
func readJPEGFrame(src []byte) (jpegFrame, error) {
	if len(src) < 4 || src[0] != 0xFF || src[1] != 0xD8 {
		return jpegFrame{}, malformed("JPEG frame does not start with an SOI marker")
	}
	for i := 2; i+4 <= len(src); {
		if src[i] != 0xFF {
			return jpegFrame{}, malformed("JPEG marker expected at byte %d", i)
		}
		m := src[i+1]
		switch {
		case m == 0xFF: // fill byte
			i++
			continue
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7):
			i += 2
			continue
		case m == 0xD9 || m == 0xDA:
			return jpegFrame{}, malformed("JPEG frame has no SOF marker before its scan")
		}
		n := int(binary.BigEndian.Uint16(src[i+2:]))
		if n < 2 || i+2+n > len(src) {
			return jpegFrame{}, malformed("JPEG marker segment at byte %d runs past the end of the frame", i)
		}
		if m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC {
			if n < 8 {
				return jpegFrame{}, malformed("JPEG SOF segment of %d bytes is too short", n)
			}
			s := src[i+4:]
			return jpegFrame{process: m, precision: int(s[0]), height: int(binary.BigEndian.Uint16(s[1:])),
				width: int(binary.BigEndian.Uint16(s[3:])), comps: int(s[5])}, nil
		}
		i += 2 + n
	}
	return jpegFrame{}, malformed("JPEG frame ends before its SOF marker")
}

// decodeJPEG decodes one JPEG frame into dst (see codec.decode).
func decodeJPEG(dst, src []byte, l layout, photometric string) (string, error) {
	f, err := readJPEGFrame(src)
	if err != nil {
		return "", err
	}
	switch f.process {
	case 0xC0, 0xC1, 0xC3:
	default:
		return "", unsupported("JPEG process with SOF marker FF%02X is not supported (only baseline, extended and lossless Huffman)", f.process)
	}
	if err := checkFrameHeader("JPEG", f.width, f.height, f.comps, f.precision, l); err != nil {
		return "", err
	}
	bytesPer := 1
	if f.precision > 8 {
		bytesPer = 2
	}
	buf := dst
	if bytesPer != l.bitsAllocated/8 {
		buf = make([]byte, l.pixels()*l.samples*bytesPer)
	}
	ybr := strings.HasPrefix(photometric, "YBR")
	var model C.int
	errbuf := (*C.char)(C.calloc(256, 1))
	defer C.free(unsafe.Pointer(errbuf))
	rc := C.mgw_jpeg_decode((*C.uchar)(unsafe.Pointer(&src[0])), C.ulong(len(src)),
		(*C.uchar)(unsafe.Pointer(&buf[0])), C.ulong(len(buf)),
		C.int(f.precision), C.int(b2i(l.signed)), C.int(b2i(ybr)), &model, errbuf)
	if rc != 0 {
		return "", malformed("JPEG: %s", C.GoString(errbuf))
	}
	if bytesPer != l.bitsAllocated/8 {
		repack(dst, buf, l, bytesPer, false)
	}
	switch {
	case model == 1:
		photometric = "RGB"
	case ybr:
		photometric = "YBR_FULL" // decoded at full resolution
	}
	return photometric, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
