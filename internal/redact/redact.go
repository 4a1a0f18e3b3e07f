// Package redact removes credentials from text before it is shown, logged
// or written: the user and password of a URL ("http://user:pass@host"),
// and the values of query parameters that carry keys or tokens. Every place
// that formats a URL for a person or a file goes through it.
package redact

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Mask stands where a credential was.
const Mask = "REDACTED"

// secretParams are query parameter names (lower case) whose values are
// credentials.
var secretParams = map[string]bool{
	"key": true, "api_key": true, "apikey": true, "api-key": true,
	"token": true, "access_token": true, "auth": true, "password": true,
	"secret": true, "client_secret": true, "sig": true, "signature": true,
}

// URL returns u as text without its credentials. A string that does not
// parse as a URL is passed through Text.
func URL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" {
		return Text(u)
	}
	return Parsed(p)
}

// Parsed returns the text of a parsed URL without its credentials; p is
// not changed.
func Parsed(p *url.URL) string {
	if p == nil {
		return ""
	}
	c := *p
	if c.User != nil {
		c.User = url.User(Mask)
	}
	if c.RawQuery != "" {
		q := c.Query()
		changed := false
		for k := range q {
			if secretParams[strings.ToLower(k)] {
				q[k] = []string{Mask}
				changed = true
			}
		}
		if changed {
			c.RawQuery = q.Encode()
		}
	}
	return c.String()
}

// userinfo matches the user-information part of any URL in free text:
// scheme "://" then everything up to an "@" that comes before the host.
var userinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^\s/?#@]*@`)

// query matches a secret query parameter in free text.
var query = regexp.MustCompile(`(?i)([?&](?:key|api_key|apikey|api-key|token|access_token|auth|password|secret|client_secret|sig|signature)=)[^&\s#"']*`)

// Text returns s with the credentials of every URL in it masked: errors
// from net/http quote the URL they failed on, and this is how such text is
// cleaned before it reaches a log, a dialog, a history field or a file.
func Text(s string) string {
	if !strings.Contains(s, "://") && !strings.ContainsAny(s, "?&") {
		return s
	}
	s = userinfo.ReplaceAllString(s, "${1}"+Mask+"@")
	return query.ReplaceAllString(s, "${1}"+Mask)
}

// Secret returns s with every occurrence of each secret replaced by Mask;
// empty secrets are ignored. It catches a token echoed back by a server.
func Secret(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, Mask)
		}
	}
	return s
}

// Controls returns s with what could drive a terminal written out as an
// escape instead: C0 control characters but tab and newline, DEL, C1
// controls and the bidirectional overrides and isolates (as \x1b,
// \u202e). Text from a server (a patient's name, a description, an HTTP
// reason phrase) goes through it before it is printed.
func Controls(s string) string {
	bad := func(r rune) bool {
		return r < 0x20 && r != '\t' && r != '\n' || r == 0x7f || r >= 0x80 && r <= 0x9f ||
			r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == utf8.RuneError
	}
	if !strings.ContainsFunc(s, bad) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				fmt.Fprintf(&b, `\x%02x`, s[i])
				continue
			}
			b.WriteRune(r)
		case bad(r) && r <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, r)
		case bad(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
