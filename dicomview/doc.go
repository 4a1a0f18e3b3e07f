// Package dicomview loads medical images and turns them into the pictures a
// viewer shows and the exact 896×896 image MedGemma receives.
//
// Load reads an uncompressed DICOM file (implicit or explicit VR little
// endian, explicit VR big endian; single or multi-frame) or a PNG or JPEG.
// The DICOM parse is bounded: declared lengths are checked against the file
// before the parser allocates anything, nesting depth is limited, and parser
// panics come back as errors.
//
// The pixel pipeline follows DICOM PS3.3: stored values are masked to
// BitsStored at HighBit and sign-extended when PixelRepresentation is 1, the
// modality rescale (slope and intercept) gives modality values, and the
// linear VOI window of C.11.2.1.2 maps them to 8-bit display values, inverted
// afterwards for MONOCHROME1. RGB data passes through unwindowed. The
// pipeline steps are plain functions on plain data, so they are tested
// without any image file.
//
// Frames are numbered from 1, as DICOM numbers them. An *Image is safe for
// concurrent use.
package dicomview
