// The JPEG codec: dcmtk's decoders over its three IJG libraries (8, 12 and
// 16 bits), the same code dcmtk's own tools use. See jpeg.go.
#include "dcmtk/config/osconfig.h"
#include "dcmtk/oflog/oflog.h"
#include "dcmtk/dcmjpeg/djcparam.h"
#include "dcmtk/dcmjpeg/djdijg8.h"
#include "dcmtk/dcmjpeg/djdijg12.h"
#include "dcmtk/dcmjpeg/djdijg16.h"

#include <string.h>
#include <mutex>

#include "jpeg_dcmtk.h"

static void quietLogs() {
  // dcmtk logs warnings to stderr; the caller reports errors itself.
  static std::once_flag once;
  std::call_once(once, [] { OFLog::configure(OFLogger::OFF_LOG_LEVEL); });
}

extern "C" int mgw_jpeg_decode(const unsigned char *src, unsigned long n, unsigned char *dst, unsigned long dstLen,
                               int bits, int isSigned, int ybr, int *model, char *err) {
  quietLogs();
  DJCodecParameter cp(ECC_lossyYCbCr, EDC_photometricInterpretation, EUC_default, EPC_default);
  DJDecoder *dec;
  if (bits <= 8)
    dec = new DJDecompressIJG8Bit(cp, ybr ? OFTrue : OFFalse);
  else if (bits <= 12)
    dec = new DJDecompressIJG12Bit(cp, ybr ? OFTrue : OFFalse);
  else
    dec = new DJDecompressIJG16Bit(cp, ybr ? OFTrue : OFFalse);
  OFCondition c = dec->init();
  if (c.good())
    c = dec->decode(const_cast<Uint8 *>(src), (Uint32)n, dst, (Uint32)dstLen, isSigned ? OFTrue : OFFalse);
  int rc = 0;
  if (c.bad()) {
    strncpy(err, c.text(), 255);
    err[255] = 0;
    rc = -1;
  } else {
    switch (dec->getDecompressedColorModel()) {
    case EPI_RGB:
      *model = 1;
      break;
    case EPI_YBR_Full:
    case EPI_YBR_Full_422:
      *model = 2;
      break;
    default:
      *model = 0;
    }
  }
  delete dec;
  return rc;
}
