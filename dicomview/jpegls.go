package dicomview

/*
#cgo pkg-config: charls
#include <stdlib.h>
#include <charls/charls.h>

// mgw_jls_header reads the header of a JPEG-LS stream into info (width,
// height, bits per sample, components, interleave mode). It returns 0 or a
// CharLS error code.
static int mgw_jls_header(const void* src, size_t n, int* info) {
	charls_jpegls_decoder* d = charls_jpegls_decoder_create();
	if (d == NULL) return -1;
	charls_frame_info fi;
	charls_interleave_mode im;
	int rc = charls_jpegls_decoder_set_source_buffer(d, src, n);
	if (rc == 0) rc = charls_jpegls_decoder_read_header(d);
	if (rc == 0) rc = charls_jpegls_decoder_get_frame_info(d, &fi);
	if (rc == 0) rc = charls_jpegls_decoder_get_interleave_mode(d, &im);
	if (rc == 0) {
		info[0] = fi.width; info[1] = fi.height; info[2] = fi.bits_per_sample;
		info[3] = fi.component_count; info[4] = im;
	}
	charls_jpegls_decoder_destroy(d);
	return rc;
}

// mgw_jls_decode decodes a JPEG-LS stream into dst (dstLen bytes, exactly
// the decoded size). It returns 0 or a CharLS error code.
static int mgw_jls_decode(const void* src, size_t n, void* dst, size_t dstLen) {
	charls_jpegls_decoder* d = charls_jpegls_decoder_create();
	if (d == NULL) return -1;
	size_t need = 0;
	int rc = charls_jpegls_decoder_set_source_buffer(d, src, n);
	if (rc == 0) rc = charls_jpegls_decoder_read_header(d);
	if (rc == 0) rc = charls_jpegls_decoder_get_destination_size(d, 0, &need);
	if (rc == 0 && need != dstLen) rc = -2;
	if (rc == 0) rc = charls_jpegls_decoder_decode_to_buffer(d, dst, dstLen, 0);
	charls_jpegls_decoder_destroy(d);
	return rc;
}

static const char* mgw_jls_message(int rc) {
	if (rc == -1) return "out of memory";
	if (rc == -2) return "decoded size differs from the header";
	return charls_get_error_message((charls_jpegls_errc)rc);
}
*/
import "C"

import (
	"encoding/binary"
	"unsafe"
)

// JPEG-LS (ISO/IEC 14495-1, PS3.5 A.4.3) is decoded with CharLS, the
// reference JPEG-LS library (Debian libcharls-dev).

// decodeJPEGLS decodes one JPEG-LS frame into dst (see codec.decode).
func decodeJPEGLS(dst, src []byte, l layout, photometric string) (string, error) {
	if len(src) == 0 {
		return "", malformed("empty JPEG-LS frame")
	}
	var info [5]C.int
	if rc := C.mgw_jls_header(unsafe.Pointer(&src[0]), C.size_t(len(src)), &info[0]); rc != 0 {
		return "", malformed("JPEG-LS: %s", C.GoString(C.mgw_jls_message(rc)))
	}
	w, h, bits, comps, interleave := int(info[0]), int(info[1]), int(info[2]), int(info[3]), int(info[4])
	if err := checkFrameHeader("JPEG-LS", w, h, comps, bits, l); err != nil {
		return "", err
	}
	bytesPer := 1
	if bits > 8 {
		bytesPer = 2
	}
	buf := dst
	direct := bytesPer == l.bitsAllocated/8 && (comps == 1 || interleave != 0)
	if !direct {
		buf = make([]byte, w*h*comps*bytesPer)
	}
	if rc := C.mgw_jls_decode(unsafe.Pointer(&src[0]), C.size_t(len(src)), unsafe.Pointer(&buf[0]), C.size_t(len(buf))); rc != 0 {
		return "", malformed("JPEG-LS: %s", C.GoString(C.mgw_jls_message(rc)))
	}
	if !direct {
		// Planar (interleave mode none) or 8-bit samples in 16-bit containers.
		repack(dst, buf, l, bytesPer, interleave == 0 && comps > 1)
	}
	return photometric, nil
}

// checkFrameHeader checks a codec's frame header against the DICOM header.
func checkFrameHeader(name string, w, h, comps, bits int, l layout) error {
	if w != l.cols || h != l.rows || comps != l.samples {
		return malformed("%s frame is %d×%d with %d component(s); the DICOM header says %d×%d with %d", name, w, h, comps, l.cols, l.rows, l.samples)
	}
	if bits < 1 || bits > l.bitsAllocated || bits > 16 {
		return malformed("%s frame has %d-bit samples; the DICOM header allocates %d bits", name, bits, l.bitsAllocated)
	}
	return nil
}

// repack copies decoded samples of bytesPer bytes each (little endian),
// planar or interleaved, into dst as interleaved samples in the containers
// of l.
func repack(dst, src []byte, l layout, bytesPer int, planar bool) {
	n := l.pixels()
	out := l.bitsAllocated / 8
	for p := 0; p < n; p++ {
		for c := 0; c < l.samples; c++ {
			i := p*l.samples + c
			if planar {
				i = c*n + p
			}
			var v uint32
			if bytesPer == 1 {
				v = uint32(src[i])
			} else {
				v = uint32(binary.LittleEndian.Uint16(src[2*i:]))
			}
			o := (p*l.samples + c) * out
			switch out {
			case 1:
				dst[o] = uint8(v)
			case 2:
				binary.LittleEndian.PutUint16(dst[o:], uint16(v))
			default:
				binary.LittleEndian.PutUint32(dst[o:], v)
			}
		}
	}
}
