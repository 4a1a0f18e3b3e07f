/* The C interface of jpeg_turbo.c, for pillowjpeg.go: baseline JPEG
 * encoding and decoding with the system's libjpeg (Debian's
 * libjpeg62-turbo), set up exactly as Pillow sets it up when it saves
 * (Image.save(format="jpeg") with no options) and opens a JPEG. */
#ifndef MGW_JPEG_TURBO_H
#define MGW_JPEG_TURBO_H

/* mgw_turbo_encode compresses w x h pixels of comps (1: grey, 3: RGB)
 * interleaved 8-bit samples, rows stride bytes apart. quality < 0 keeps
 * the library's default (75), as Pillow does when none is given. On
 * success it returns 0 and sets *out (free with mgw_turbo_free) and *outLen;
 * on failure -1 with a message in err (JMSG_LENGTH_MAX bytes). */
int mgw_turbo_encode(const unsigned char *pix, int w, int h, int comps, int stride, int quality,
                    unsigned char **out, unsigned long *outLen, char *err);

/* mgw_turbo_decode reads a JPEG's size and output components (1 for a
 * grey JPEG, else 3: RGB) into *w, *h and *comps and, when dst is not
 * NULL, decompresses it into dst (w * h * comps bytes) with the library's
 * defaults (islow IDCT, fancy upsampling), which is what Pillow's decoder
 * keeps when not in draft mode. Returns 0, or -1 with a message in err. */
int mgw_turbo_decode(const unsigned char *src, unsigned long n, unsigned char *dst, unsigned long dstLen,
                     int *w, int *h, int *comps, char *err);

void mgw_turbo_free(unsigned char *p);

#endif
