package dicomview

/*
#cgo pkg-config: libopenjp2
#include <stdlib.h>
#include <string.h>
#include <openjpeg.h>

typedef struct { const unsigned char* data; OPJ_SIZE_T len, pos; } mgw_buf;

static OPJ_SIZE_T mgw_read(void* p, OPJ_SIZE_T n, void* u) {
	mgw_buf* b = u;
	if (b->pos >= b->len) return (OPJ_SIZE_T)-1;
	if (n > b->len - b->pos) n = b->len - b->pos;
	memcpy(p, b->data + b->pos, n);
	b->pos += n;
	return n;
}

static OPJ_OFF_T mgw_skip(OPJ_OFF_T n, void* u) {
	mgw_buf* b = u;
	if (n < 0) {
		if ((OPJ_SIZE_T)(-n) > b->pos) n = -(OPJ_OFF_T)b->pos;
	} else if ((OPJ_SIZE_T)n > b->len - b->pos) {
		n = (OPJ_OFF_T)(b->len - b->pos);
	}
	b->pos += n;
	return n;
}

static OPJ_BOOL mgw_seek(OPJ_OFF_T n, void* u) {
	mgw_buf* b = u;
	if (n < 0 || (OPJ_SIZE_T)n > b->len) return OPJ_FALSE;
	b->pos = (OPJ_SIZE_T)n;
	return OPJ_TRUE;
}

static void mgw_error(const char* msg, void* u) {
	char* e = u;
	if (e[0] == 0) {
		strncpy(e, msg, 255);
		e[255] = 0;
	}
}

static void mgw_quiet(const char* msg, void* u) {}

// mgw_j2k_decode decodes a JPEG 2000 codestream (or JP2 file) into dst as
// interleaved little-endian samples of bytesPer bytes. info receives width,
// height, components and precision; the image is decoded only if they
// match cols, rows and samples. Returns 0, -1 (error in err) or -2
// (mismatch).
static int mgw_j2k_decode(const unsigned char* src, size_t n, unsigned char* dst, size_t dstLen,
		int cols, int rows, int samples, int bytesPer, int* info, char* err) {
	OPJ_CODEC_FORMAT fmt = OPJ_CODEC_J2K;
	if (n >= 12 && memcmp(src, "\0\0\0\x0cjP  ", 8) == 0) fmt = OPJ_CODEC_JP2;
	opj_codec_t* c = opj_create_decompress(fmt);
	opj_stream_t* s = NULL;
	opj_image_t* img = NULL;
	int rc = -1;
	mgw_buf b = {src, n, 0};
	opj_dparameters_t p;
	if (c == NULL) { strcpy(err, "cannot create decoder"); return -1; }
	opj_set_error_handler(c, mgw_error, err);
	opj_set_warning_handler(c, mgw_quiet, NULL);
	opj_set_info_handler(c, mgw_quiet, NULL);
	opj_set_default_decoder_parameters(&p);
	if (!opj_setup_decoder(c, &p)) goto done;
	s = opj_stream_create(n < 1<<20 ? n + 1 : 1<<20, OPJ_TRUE);
	if (s == NULL) goto done;
	opj_stream_set_user_data(s, &b, NULL);
	opj_stream_set_user_data_length(s, n);
	opj_stream_set_read_function(s, mgw_read);
	opj_stream_set_skip_function(s, mgw_skip);
	opj_stream_set_seek_function(s, mgw_seek);
	if (!opj_read_header(s, c, &img)) goto done;
	info[0] = (int)(img->x1 - img->x0);
	info[1] = (int)(img->y1 - img->y0);
	info[2] = (int)img->numcomps;
	info[3] = img->numcomps > 0 ? (int)img->comps[0].prec : 0;
	if (info[0] != cols || info[1] != rows || info[2] != samples) { rc = -2; goto done; }
	for (int k = 0; k < samples; k++) {
		if (img->comps[k].dx != 1 || img->comps[k].dy != 1) { strcpy(err, "subsampled components are not supported"); goto done; }
	}
	if (!opj_decode(c, s, img) || !opj_end_decompress(c, s)) goto done;
	for (int k = 0; k < samples; k++) {
		opj_image_comp_t* cp = &img->comps[k];
		if (cp->data == NULL || (int)cp->w != cols || (int)cp->h != rows) { strcpy(err, "decoded component has the wrong size"); goto done; }
	}
	{
		size_t npx = (size_t)cols * rows;
		if (dstLen < npx * samples * bytesPer) { strcpy(err, "output buffer too small"); goto done; }
		for (int k = 0; k < samples; k++) {
			const OPJ_INT32* d = img->comps[k].data;
			for (size_t i = 0; i < npx; i++) {
				OPJ_UINT32 v = (OPJ_UINT32)d[i];
				size_t o = (i * samples + k) * bytesPer;
				dst[o] = (unsigned char)v;
				if (bytesPer > 1) dst[o + 1] = (unsigned char)(v >> 8);
			}
		}
	}
	rc = 0;
done:
	if (img) opj_image_destroy(img);
	if (s) opj_stream_destroy(s);
	opj_destroy_codec(c);
	if (rc == -1 && err[0] == 0) strcpy(err, "cannot decode");
	return rc;
}
*/
import "C"

import (
	"strings"
	"unsafe"
)

// JPEG 2000 (ISO/IEC 15444-1, PS3.5 A.4.4) is decoded with OpenJPEG, the
// reference JPEG 2000 library (Debian libopenjp2-7-dev). OpenJPEG applies
// the inverse component transform itself, so YBR_ICT and YBR_RCT come out
// as RGB.

// decodeJ2K decodes one JPEG 2000 frame into dst (see codec.decode).
func decodeJ2K(dst, src []byte, l layout, photometric string) (string, error) {
	if len(src) == 0 {
		return "", malformed("empty JPEG 2000 frame")
	}
	if l.bitsAllocated > 16 {
		return "", unsupported("JPEG 2000 with %d bits allocated is not supported", l.bitsAllocated)
	}
	var info [4]C.int
	errbuf := (*C.char)(C.calloc(256, 1))
	defer C.free(unsafe.Pointer(errbuf))
	rc := C.mgw_j2k_decode((*C.uchar)(unsafe.Pointer(&src[0])), C.size_t(len(src)),
		(*C.uchar)(unsafe.Pointer(&dst[0])), C.size_t(len(dst)),
		C.int(l.cols), C.int(l.rows), C.int(l.samples), C.int(l.bitsAllocated/8), &info[0], errbuf)
	switch rc {
	case 0:
	case -2:
		return "", checkFrameHeader("JPEG 2000", int(info[0]), int(info[1]), int(info[2]), int(info[3]), l)
	default:
		return "", malformed("JPEG 2000: %s", strings.TrimSpace(C.GoString(errbuf)))
	}
	if err := checkFrameHeader("JPEG 2000", int(info[0]), int(info[1]), int(info[2]), int(info[3]), l); err != nil {
		return "", err
	}
	if photometric == "YBR_ICT" || photometric == "YBR_RCT" {
		photometric = "RGB"
	}
	return photometric, nil
}
