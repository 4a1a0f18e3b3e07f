// Package httpauth sends a client's credentials (a token, as a bearer token
// or in a header of its own, or a user and password) to the one server
// they were configured for and to no other, and keeps them out of error
// text. The inference clients (Ollama,
// OpenAI-compatible endpoints) and the DICOMweb client share it.
package httpauth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
)

// Credentials are what a client sends to the server it was configured
// for, and to no other: a token, else a user and password.
type Credentials struct {
	Origin string // scheme://host:port of the configured server
	Token  string // sent as "Authorization: Bearer Token", or in Header
	// Header, when set, names the header that carries Token as it is
	// ("X-Api-Key: Token") instead of Authorization. The caller checks
	// the name (core.CheckTokenHeader).
	Header string
	User   *url.Userinfo
}

// Split returns base without its user information, and the credentials to
// send to its origin (token wins over a URL's user). The URL that goes on
// into API clients and error messages never holds a password.
func Split(base *url.URL, token string) (*url.URL, Credentials) {
	clean := *base
	clean.User = nil
	return &clean, Credentials{Origin: Origin(&clean), Token: token, User: base.User}
}

// Empty reports whether there is nothing to send.
func (c Credentials) Empty() bool { return c.Token == "" && c.User == nil }

// Secrets are the texts that must not appear in an error: the token, the
// password, and the basic authentication header made of them (a server
// may quote what it was sent).
func (c Credentials) Secrets() []string {
	s := []string{c.Token}
	if c.User != nil {
		pass, _ := c.User.Password()
		s = append(s, pass, base64.StdEncoding.EncodeToString([]byte(c.User.Username()+":"+pass)))
	}
	return s
}

// Origin is u's scheme, host and port, with the scheme's default port
// made explicit, in lower case: "https://gpu.lab:443".
func Origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		default:
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// Transport adds the credentials to requests for their origin only: a
// redirect to another host or port, or from https down to http, goes out
// without them (and without an Authorization header, or a header of the
// token's name, that anyone else set).
type Transport struct {
	Creds Credentials
	Next  http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if Origin(r.URL) != t.Creds.Origin {
		if r.Header.Get("Authorization") == "" && (t.Creds.Header == "" || r.Header.Get(t.Creds.Header) == "") {
			return t.Next.RoundTrip(r)
		}
		// Never forward a header someone else set for the first hop.
		r = r.Clone(r.Context())
		r.Header.Del("Authorization")
		if t.Creds.Header != "" {
			r.Header.Del(t.Creds.Header)
		}
		return t.Next.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	switch {
	case t.Creds.Token != "" && t.Creds.Header != "":
		r.Header.Set(t.Creds.Header, t.Creds.Token)
	case t.Creds.Token != "":
		r.Header.Set("Authorization", "Bearer "+t.Creds.Token)
	case t.Creds.User != nil:
		pass, _ := t.Creds.User.Password()
		r.SetBasicAuth(t.Creds.User.Username(), pass)
	}
	return t.Next.RoundTrip(r)
}

// ErrDowngrade is returned for a redirect from https down to plain http.
var ErrDowngrade = errors.New("refused a redirect from https to plain http")

// NoDowngrade is an http.Client's CheckRedirect: it refuses a redirect to
// plain http once any hop was https (what was asked over TLS is never
// sent again in the clear), and stops after 10 redirects as Go does.
func NoDowngrade(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if strings.EqualFold(req.URL.Scheme, "http") {
		for _, v := range via {
			if strings.EqualFold(v.URL.Scheme, "https") {
				return fmt.Errorf("%w (%s)", ErrDowngrade, redact.URL(req.URL.String()))
			}
		}
	}
	return nil
}

// Client is an HTTP client without an overall timeout that sends creds to
// their origin only, over next (nil: http.DefaultTransport), and never
// follows a redirect from https down to http (NoDowngrade).
func Client(creds Credentials, next http.RoundTripper) *http.Client {
	if next == nil {
		next = http.DefaultTransport
	}
	if creds.Empty() {
		return &http.Client{Transport: next, CheckRedirect: NoDowngrade}
	}
	return &http.Client{Transport: Transport{Creds: creds, Next: next}, CheckRedirect: NoDowngrade}
}

// cleanError is an error whose text has the credentials of any URL in it
// (and the given secrets) masked; errors.Is and As still see the cause.
type cleanError struct {
	err     error
	secrets []string
}

func (e *cleanError) Error() string { return redact.Secret(redact.Text(e.err.Error()), e.secrets...) }
func (e *cleanError) Unwrap() error { return e.err }

// Clean wraps err so that its text carries no credentials; nil stays nil.
func Clean(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	return &cleanError{err: err, secrets: secrets}
}
