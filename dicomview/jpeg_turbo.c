/* Baseline JPEG through the system's libjpeg (libjpeg-turbo on Debian),
 * configured as Pillow configures it (libImaging/JpegEncode.c and
 * JpegDecode.c): jpeg_set_defaults and nothing else for a save with no
 * options (quality 75, 4:2:0 chroma, Huffman tables not optimised,
 * baseline, a JFIF 1.01 header with density unit 0 and 1:1), and the
 * library's defaults for decoding. Errors longjmp back here instead of
 * exiting the process. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "jpeg_turbo.h"

struct mgw_err {
	struct jpeg_error_mgr pub;
	jmp_buf jump;
	char *msg;
};

static void mgw_error_exit(j_common_ptr cinfo) {
	struct mgw_err *e = (struct mgw_err *)cinfo->err;
	(*cinfo->err->format_message)(cinfo, e->msg);
	longjmp(e->jump, 1);
}

/* Warnings (a corrupt stream the library can go on with) are errors here:
 * the bytes are our own, so anything odd is a fault. */
static void mgw_emit(j_common_ptr cinfo, int level) {
	if (level < 0) {
		mgw_error_exit(cinfo);
	}
}

static void mgw_errors(struct mgw_err *e, char *msg) {
	jpeg_std_error(&e->pub);
	e->pub.error_exit = mgw_error_exit;
	e->pub.emit_message = mgw_emit;
	e->msg = msg;
	msg[0] = 0;
}

int mgw_turbo_encode(const unsigned char *pix, int w, int h, int comps, int stride, int quality,
                    unsigned char **out, unsigned long *outLen, char *err) {
	struct jpeg_compress_struct c;
	struct mgw_err e;
	/* volatile: read after a longjmp. */
	unsigned char *volatile buf = NULL;
	unsigned long size = 0;
	mgw_errors(&e, err);
	c.err = &e.pub;
	if (setjmp(e.jump)) {
		jpeg_destroy_compress(&c);
		free(buf);
		return -1;
	}
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, (unsigned char **)&buf, &size);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = comps;
	c.in_color_space = comps == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&c);
	if (quality >= 0) {
		jpeg_set_quality(&c, quality, TRUE);
	}
	jpeg_start_compress(&c, TRUE);
	while (c.next_scanline < c.image_height) {
		JSAMPROW row = (JSAMPROW)(pix + (size_t)c.next_scanline * (size_t)stride);
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	*out = buf;
	*outLen = size;
	return 0;
}

int mgw_turbo_decode(const unsigned char *src, unsigned long n, unsigned char *dst, unsigned long dstLen,
                     int *w, int *h, int *comps, char *err) {
	struct jpeg_decompress_struct d;
	struct mgw_err e;
	mgw_errors(&e, err);
	d.err = &e.pub;
	if (setjmp(e.jump)) {
		jpeg_destroy_decompress(&d);
		return -1;
	}
	jpeg_create_decompress(&d);
	jpeg_mem_src(&d, src, n);
	jpeg_read_header(&d, TRUE);
	*w = (int)d.image_width;
	*h = (int)d.image_height;
	*comps = d.jpeg_color_space == JCS_GRAYSCALE ? 1 : 3;
	if (dst == NULL) {
		jpeg_destroy_decompress(&d);
		return 0;
	}
	d.out_color_space = *comps == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_start_decompress(&d);
	unsigned long rowLen = (unsigned long)d.output_width * (unsigned long)d.output_components;
	if (rowLen * d.output_height > dstLen) {
		snprintf(err, JMSG_LENGTH_MAX, "decoded image of %ux%u x %d does not fit %lu bytes",
		         d.output_width, d.output_height, d.output_components, dstLen);
		jpeg_destroy_decompress(&d);
		return -1;
	}
	while (d.output_scanline < d.output_height) {
		JSAMPROW row = dst + (size_t)d.output_scanline * rowLen;
		jpeg_read_scanlines(&d, &row, 1);
	}
	jpeg_finish_decompress(&d);
	jpeg_destroy_decompress(&d);
	return 0;
}

void mgw_turbo_free(unsigned char *p) { free(p); }
