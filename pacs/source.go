package pacs

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
)

// Source is a study or series named as a URL, where a file could be
// named: dicomweb://HOST:PORT/PATH/studies/UID[/series/UID] (over http)
// or dicomwebs://… (over https). PATH is the DICOMweb root.
type Source struct {
	Base   string // http(s)://[user:password@]HOST:PORT/PATH
	Study  string
	Series string // "" for the whole study
}

// Schemes of a Source.
const (
	Scheme       = "dicomweb"
	SchemeSecure = "dicomwebs"
)

// IsSource reports whether s is written as a DICOMweb source (it may
// still be a malformed one: ParseSource says).
func IsSource(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, Scheme+"://") || strings.HasPrefix(l, SchemeSecure+"://")
}

// ParseSource reads a dicomweb:// or dicomwebs:// source.
func ParseSource(s string) (Source, error) {
	bad := func(why string) (Source, error) {
		return Source{}, fmt.Errorf("%s: %s; want %s://HOST:PORT/PATH/studies/UID[/series/UID]", redact.URL(s), why, Scheme)
	}
	u, err := url.Parse(s)
	if err != nil {
		return bad("not a URL")
	}
	scheme := "http"
	switch strings.ToLower(u.Scheme) {
	case Scheme:
	case SchemeSecure:
		scheme = "https"
	default:
		return bad("not a " + Scheme + ":// URL")
	}
	if u.Host == "" {
		return bad("no host")
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	var src Source
	i := len(parts) - 2
	if len(parts) >= 4 && parts[len(parts)-2] == "series" && parts[len(parts)-4] == "studies" {
		src.Study, src.Series = parts[len(parts)-3], parts[len(parts)-1]
		i = len(parts) - 4
	} else if len(parts) >= 2 && parts[len(parts)-2] == "studies" {
		src.Study = parts[len(parts)-1]
	} else {
		return bad("no /studies/UID at the end of its path")
	}
	if err := checkUID("study", src.Study); err != nil {
		return bad(err.Error())
	}
	if src.Series != "" {
		if err := checkUID("series", src.Series); err != nil {
			return bad(err.Error())
		}
	}
	b := url.URL{Scheme: scheme, User: u.User, Host: u.Host, Path: "/" + strings.Join(parts[:i], "/")}
	src.Base = strings.TrimRight(b.String(), "/")
	return src, nil
}

// String is the source as a dicomweb:// URL, without credentials.
func (s Source) String() string {
	u, err := url.Parse(s.Base)
	if err != nil {
		return ""
	}
	u.User = nil
	u.Scheme = Scheme
	if strings.HasPrefix(s.Base, "https:") {
		u.Scheme = SchemeSecure
	}
	u.Path += "/studies/" + s.Study
	if s.Series != "" {
		u.Path += "/series/" + s.Series
	}
	return u.String()
}
