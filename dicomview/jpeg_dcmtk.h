/* The C interface of jpeg_dcmtk.cc, for jpeg.go. */
#ifndef MGW_JPEG_DCMTK_H
#define MGW_JPEG_DCMTK_H
#ifdef __cplusplus
extern "C" {
#endif

/* mgw_jpeg_decode decodes one JPEG frame (processes 1, 2, 4 and 14) of
 * precision bits with dcmtk's IJG codecs into dst: interleaved samples of
 * 1 byte (bits <= 8) or 2 bytes (little endian on little-endian hosts).
 * ybr says the DICOM photometric interpretation is YCbCr. On success it
 * returns 0 and sets *model to 0 (samples as stored), 1 (converted to RGB)
 * or 2 (YCbCr); on failure it returns -1 with a message in err (256
 * bytes). */
int mgw_jpeg_decode(const unsigned char *src, unsigned long n, unsigned char *dst, unsigned long dstLen,
                    int bits, int isSigned, int ybr, int *model, char *err);

#ifdef __cplusplus
}
#endif
#endif
