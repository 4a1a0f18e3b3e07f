package dicomview

import (
	"errors"
	"fmt"
)

var (
	// ErrUnsupported reports a well-formed file, or an option, that this
	// package cannot handle yet: a compressed transfer syntax, a photometric
	// interpretation other than MONOCHROME1, MONOCHROME2 or RGB, an image
	// without pixel data, an encoding other than "display".
	ErrUnsupported = errors.New("unsupported")

	// ErrUnsupportedTransferSyntax reports a DICOM file whose pixel data is
	// compressed (encapsulated) or otherwise in a transfer syntax this
	// package does not decode. It matches ErrUnsupported under errors.Is.
	ErrUnsupportedTransferSyntax error = &kindError{kind: ErrUnsupported, msg: "unsupported transfer syntax"}

	// ErrMalformed reports a file that is not a DICOM, PNG or JPEG file, or
	// one that is empty, truncated or internally inconsistent.
	ErrMalformed = errors.New("malformed file")
)

// kindError is an error with its own message that matches a sentinel (kind)
// and, optionally, a cause under errors.Is and errors.As.
type kindError struct {
	kind error
	msg  string
	err  error
}

func (e *kindError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

func (e *kindError) Unwrap() []error {
	if e.err != nil {
		return []error{e.kind, e.err}
	}
	return []error{e.kind}
}

// malformed returns an error matching ErrMalformed with the given message.
func malformed(format string, args ...any) error {
	return &kindError{kind: ErrMalformed, msg: fmt.Sprintf(format, args...)}
}

// malformedCause is malformed with an underlying cause appended and wrapped.
func malformedCause(err error, format string, args ...any) error {
	return &kindError{kind: ErrMalformed, msg: fmt.Sprintf(format, args...), err: err}
}

// unsupported returns an error matching ErrUnsupported with the given
// message.
func unsupported(format string, args ...any) error {
	return &kindError{kind: ErrUnsupported, msg: fmt.Sprintf(format, args...)}
}
