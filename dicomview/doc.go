// Package dicomview loads medical images and turns them into the pictures a
// viewer shows and the exact 896×896 image MedGemma receives.
//
// Load reads a DICOM file in any of these transfer syntaxes: implicit and
// explicit VR little endian, explicit VR big endian, deflated explicit VR
// little endian (also a data set without preamble, DICM marker and file
// meta information, an old ACR-NEMA style file, whose encoding is guessed
// from its first element as dcmtk does); RLE Lossless (decoded here, PS3.5 Annex G); JPEG baseline,
// extended (8 and 12 bits) and lossless (process 14, any selection value),
// through dcmtk's IJG codecs; JPEG-LS lossless and near-lossless through
// CharLS; JPEG 2000 lossless and lossy through OpenJPEG (all three kept
// libraries from Debian, through cgo). Any other transfer syntax fails with
// an error wrapping ErrUnsupportedTransferSyntax that names its UID and
// name. It also reads PNG and JPEG files. OpenSeries reads a folder (as
// find -L sees it: symbolic links followed, loops skipped), a ZIP archive
// or a DICOMDIR, groups the images by series and orders them along the
// slice normal; Series.Sample picks slices evenly for a multi-image prompt.
//
// The DICOM parse is bounded: declared lengths are checked against the file
// before the parser allocates anything, nesting depth is limited, and
// parser panics come back as errors. Limits bound the rest before anything
// is allocated: the bytes a file may be and may decode to (inflation stops
// at the budget), its frames, the pixels of a frame, its data elements,
// and the bytes of all files of a folder or archive together. An input over
// a limit fails with a *LimitError matching ErrTooLarge; SetLimits raises
// them.
//
// The pixel pipeline follows DICOM PS3.3: 1-bit pixels (BitsAllocated 1,
// packed LSB first) are unpacked to 0 and 1; stored values are masked to
// BitsStored at HighBit and sign-extended when PixelRepresentation is 1; the
// modality transformation (rescale, or the Modality LUT Sequence) gives
// modality values; the VOI transformation (a window with the VOI LUT
// Function LINEAR, LINEAR_EXACT or SIGMOID, or a VOI LUT from the VOI LUT
// Sequence) maps them to 8-bit display values, inverted afterwards for
// MONOCHROME1 or as the Presentation LUT Shape says. Colour images (RGB in
// either planar configuration, YBR_FULL, YBR_FULL_422, PALETTE COLOR) are
// converted to RGB. The pipeline steps are plain functions on plain data,
// tested without any image file, and every step is compared with dcmtk's
// dcm2pnm in the tests.
//
// Prepare makes the model input: pad to square (black) or stretch, resize
// to 896×896 (box pre-reduction, then Catmull-Rom), encode as "display"
// (the window, grey to RGB) or "ct3" (three Hounsfield windows as R, G, B),
// and return the exact PNG bytes with their SHA-256. Preview resamples a
// frame to display size once so that re-windowing costs a lookup per
// display pixel.
//
// Frames are numbered from 1, as DICOM numbers them. An *Image is safe for
// concurrent use.
package dicomview
