package pacs

import (
	"errors"
	"fmt"

	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
)

// The kinds of failure a DICOMweb call reports, checked with errors.Is on
// the *Error it returns.
var (
	// ErrUnreachable: no connection to the server (refused, no route,
	// unknown host, TLS failure).
	ErrUnreachable = errors.New("server unreachable")
	// ErrUnauthorized: the server refused the credentials (401).
	ErrUnauthorized = errors.New("not authorized")
	// ErrForbidden: the credentials are valid but may not do this (403).
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound: no such study, series or instance (404), or a query
	// that names one found nothing.
	ErrNotFound = errors.New("not found")
	// ErrTimeout: the server did not answer, or paused, for longer than
	// the client's Timeout.
	ErrTimeout = errors.New("timed out")
	// ErrMalformed: the server's answer is not what DICOMweb says it is
	// (not multipart, no boundary, bad JSON, a part that is not DICOM).
	ErrMalformed = errors.New("malformed answer")
	// ErrTooLarge: an answer, an instance or a retrieve is larger than
	// the limit that bounds it.
	ErrTooLarge = errors.New("too large")
	// ErrBadUID: a study, series or instance UID that is not one.
	ErrBadUID = errors.New("not a DICOM UID")
	// ErrServer: any other HTTP status the server answered with.
	ErrServer = errors.New("server error")
)

// Error is a failed DICOMweb call: the server (its URL without
// credentials), what was asked, the kind of failure and what to do. Its
// text is one line and never holds a credential.
type Error struct {
	Server string // base URL, credentials removed
	Op     string // "find studies", "retrieve instance 1.2.3", …
	Status int    // HTTP status, 0 when there was no answer
	Kind   error  // one of the Err… values above
	Detail string // what happened, in words
	Hint   string // what to do
	Err    error  // the cause, if any
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("PACS %s: %s: %s", e.Server, e.Op, e.Detail)
	if e.Hint != "" {
		msg += "; " + e.Hint
	}
	return redact.Controls(oneLine(msg))
}

// Is makes errors.Is(err, ErrNotFound) and its like true for an *Error of
// that kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// oneLine folds s onto one line.
func oneLine(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '\n' || c == '\r' || c == '\t' {
			b[i] = ' '
		}
	}
	return string(b)
}
