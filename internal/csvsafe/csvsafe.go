// Package csvsafe writes CSV that a spreadsheet opens as text, not as
// formulas: a cell beginning with '=', '+', '-', '@', a tab or a carriage
// return gets a leading single quote, as OWASP recommends against CSV
// injection. Numbers ("-3.5", or a ";"-separated list of them such as
// "-600;40") are left as they are: they cannot run anything, and quoting
// them would turn numeric columns into text.
//
// Every CSV the workbench writes (history export, batch --csv, eval --csv)
// goes through [Writer]; JSON Lines outputs stay verbatim.
package csvsafe

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// Cell returns s made safe to open in a spreadsheet.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
	default:
		return s
	}
	if numeric(s) {
		return s
	}
	return "'" + s
}

// numeric reports whether s is a decimal number or a ";"-separated list of
// them.
func numeric(s string) bool {
	for _, p := range strings.Split(s, ";") {
		if p == "" || strings.ContainsAny(p, "xXpPiInN_") { // no hex, Inf, NaN
			return false
		}
		if _, err := strconv.ParseFloat(p, 64); err != nil {
			return false
		}
	}
	return true
}

// Writer is a [csv.Writer] whose cells pass through [Cell].
type Writer struct {
	*csv.Writer
	rec []string
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{Writer: csv.NewWriter(w)}
}

// Write writes one record, each cell made safe.
func (w *Writer) Write(record []string) error {
	w.rec = w.rec[:0]
	for _, c := range record {
		w.rec = append(w.rec, Cell(c))
	}
	return w.Writer.Write(w.rec)
}
