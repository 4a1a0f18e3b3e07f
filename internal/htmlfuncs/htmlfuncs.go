// Package htmlfuncs holds the template functions both HTML reports use
// (the run report in history/report, the evaluation report in
// batch/evalreport): a PNG as a data URI, a time as the reports print it,
// and a text's paragraphs.
package htmlfuncs

import (
	"encoding/base64"
	"html/template"
	"strings"
)

// Map is a new FuncMap of the functions: dataURI ([DataURI]), date
// ([Date]) and paragraphs ([Paragraphs]).
func Map() template.FuncMap {
	return template.FuncMap{"dataURI": DataURI, "date": Date, "paragraphs": Paragraphs}
}

// DataURI is png as a data URI, for an <img> that needs no other file.
func DataURI(png []byte) template.URL {
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
}

// Date is d as the reports print it: "2 January 2006, 15:04 MST".
func Date(d interface{ Format(string) string }) string { return d.Format("2 January 2006, 15:04 MST") }

// Paragraphs are s's paragraphs (split at blank lines), trimmed, the
// empty ones left out.
func Paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.TrimSpace(s), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
