// Package dicomout writes a run's draft report back as DICOM, for filing
// into the source study: a Comprehensive SR (BuildSR) and an Encapsulated
// PDF of the report history/report renders (BuildPDF), each a new series
// of the source study (same StudyInstanceUID, new series and instance UIDs
// from UIDs), marked as a research draft: its title, CompletionFlag
// PARTIAL (SR) and VerificationFlag UNVERIFIED.
//
// FromRun reads a run from the history and the UIDs of the instances it
// analysed from their source files (the history stores no UIDs); the
// patient and study attributes are copied from the first source instance,
// de-identified with history/deid unless Options.IncludePHI.
//
// The SR content tree (Content) is: a CONTAINER titled (18748-4, LN,
// "Diagnostic imaging report") with the draft title as the equivalent
// meaning of its concept name (121050, DCM); observation context items
// naming the model (111001, DCM, "Algorithm Name"), its digest (111003,
// DCM, "Algorithm Version", and 99MGW MODELDIGEST), the runtime, the
// recipe, the prompt version and the run ID (99MGW codes); the prompts;
// a Findings container (121070, DCM) holding the answer as a Finding
// TEXT (121071, DCM); one IMAGE item per source instance; and the
// intended-use notice. Build other trees from Item for measurements.
//
// Files are written by a small explicit VR little endian encoder of its
// own (encode.go) rather than github.com/suyashkumar/dicom's writer: it
// gives byte-exact control of defined-length sequences and items, padding
// and the file meta group, needs no dictionary lookups for our private
// codes, and Document.Bytes are the exact bytes a STOW-RS request sends.
package dicomout
