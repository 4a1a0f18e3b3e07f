package inference

import (
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
)

// credentials are what a client sends to the server it was configured
// for, and to no other: a bearer token, else the user and password that
// were in the server's URL.
type credentials struct {
	origin string // scheme://host:port of the configured server
	token  string // sent as "Bearer token"
	user   *url.Userinfo
}

// splitCredentials returns base without its user information, and the
// credentials to send to its origin (token wins over a URL's user). The
// URL that goes on into API clients and error messages never holds a
// password.
func splitCredentials(base *url.URL, token string) (*url.URL, credentials) {
	clean := *base
	clean.User = nil
	return &clean, credentials{origin: origin(&clean), token: token, user: base.User}
}

func (c credentials) empty() bool { return c.token == "" && c.user == nil }

// secrets are the texts that must not appear in an error: the token, the
// password, and the basic authentication header made of them (a server
// may quote what it was sent).
func (c credentials) secrets() []string {
	s := []string{c.token}
	if c.user != nil {
		pass, _ := c.user.Password()
		s = append(s, pass, base64.StdEncoding.EncodeToString([]byte(c.user.Username()+":"+pass)))
	}
	return s
}

// origin is u's scheme, host and port, with the scheme's default port
// made explicit, in lower case: "https://gpu.lab:443".
func origin(u *url.URL) string {
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

// authTransport adds the credentials to requests for their origin only:
// a redirect to another host or port, or from https down to http, goes
// out without them.
type authTransport struct {
	creds credentials
	next  http.RoundTripper
}

func (t authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if origin(r.URL) != t.creds.origin {
		if r.Header.Get("Authorization") == "" {
			return t.next.RoundTrip(r)
		}
		// Never forward a header someone else set for the first hop.
		r = r.Clone(r.Context())
		r.Header.Del("Authorization")
		return t.next.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	switch {
	case t.creds.token != "":
		r.Header.Set("Authorization", "Bearer "+t.creds.token)
	case t.creds.user != nil:
		pass, _ := t.creds.user.Password()
		r.SetBasicAuth(t.creds.user.Username(), pass)
	}
	return t.next.RoundTrip(r)
}

// authClient is an HTTP client without an overall timeout that sends
// creds to their origin only; nil when there are none to send.
func authClient(creds credentials) *http.Client {
	if creds.empty() {
		return &http.Client{}
	}
	return &http.Client{Transport: authTransport{creds: creds, next: http.DefaultTransport}}
}

// cleanError is an error whose text has the credentials of any URL in it
// (and the given secrets) masked; errors.Is and As still see the cause.
type cleanError struct {
	err     error
	secrets []string
}

func (e *cleanError) Error() string { return redact.Secret(redact.Text(e.err.Error()), e.secrets...) }
func (e *cleanError) Unwrap() error { return e.err }

// clean wraps err so that its text carries no credentials; nil stays nil.
func clean(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	return &cleanError{err: err, secrets: secrets}
}
