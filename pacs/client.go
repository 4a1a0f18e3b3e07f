// Package pacs is a DICOMweb client and the local cache of what it
// retrieves: QIDO-RS queries for studies, series and instances, WADO-RS
// retrieval of whole studies or chosen series into a size-capped cache
// under the data folder (resumable, with progress, cancelled by its
// context), and STOW-RS storage of DICOM Part-10 files. Credentials (HTTP
// basic, a bearer token, or a token in a header of its own) go to the
// configured server only and never appear in an error. Every length the server states is read through a
// cap. The package does no UI; app wraps it for the command line and the
// window, and pacs/pacstest runs a real Orthanc for the tests.
package pacs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/httpauth"
	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
)

// DefaultTimeout bounds the wait for an answer, and any pause in one.
const DefaultTimeout = 30 * time.Second

// DefaultParallel is how many instances a retrieve fetches at once.
const DefaultParallel = 4

// DefaultMaxJSONBytes bounds one QIDO-RS or STOW-RS JSON answer.
const DefaultMaxJSONBytes = 64 << 20

// Options configure a Client. The zero value is a client without
// credentials and with the default limits.
type Options struct {
	// Auth are the credentials, sent as Auth.Kind says; a user and
	// password in the server's URL are used when Auth is empty.
	Auth core.PACSAuth
	// Timeout bounds the wait for the server's answer and any pause in
	// it (default DefaultTimeout), and the whole of a query's answer
	// (find, series, instances: however slowly it trickles); a long
	// retrieve that keeps moving is never cut.
	Timeout time.Duration
	// MaxJSONBytes bounds one JSON answer (default DefaultMaxJSONBytes).
	MaxJSONBytes int64
	// MaxInstanceBytes bounds one retrieved instance (default: the DICOM
	// loader's FileBytes limit, dicomview.CurrentLimits).
	MaxInstanceBytes int64
	// MaxInstances bounds the instances of one retrieve (default: the
	// DICOM loader's Files limit).
	MaxInstances int
	// Parallel is how many instances a retrieve fetches at once
	// (default DefaultParallel; 1 fetches them one after another).
	Parallel int
	// Transport carries the requests (default http.DefaultTransport).
	Transport http.RoundTripper
}

// Client talks to one DICOMweb server. Its methods are safe for
// concurrent use.
type Client struct {
	base    *url.URL // without credentials, no trailing slash
	server  string   // base as errors name it
	hc      *http.Client
	secrets []string
	opt     Options
}

// credentials applies a: it returns base without its user information and
// what to send to base's origin, and only there: the token in its header,
// else the token (bearer), else the user and password (basic), else the
// user and password in base. Every request of a client, and every
// redirect, goes through them.
func credentials(base *url.URL, a core.PACSAuth) (*url.URL, httpauth.Credentials) {
	switch a.Kind() {
	case core.PACSAuthHeader:
		clean, c := httpauth.Split(base, a.Token)
		c.Header = a.Header
		return clean, c
	case core.PACSAuthBearer:
		return httpauth.Split(base, a.Token)
	case core.PACSAuthBasic:
		u := *base
		u.User = url.UserPassword(a.User, a.Password)
		return httpauth.Split(&u, "")
	default:
		return httpauth.Split(base, "")
	}
}

// NewClient returns a client of the DICOMweb service at base, e.g.
// "http://pacs.lab:8042/dicom-web" (the path under which /studies is).
// It refuses credentials that o.Auth.Check refuses (a token header that
// could not carry a token), naming the server.
func NewClient(base string, o Options) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("DICOMweb URL %q: want http://HOST:PORT/PATH or https://…", redact.URL(base))
	}
	if err := o.Auth.Check(); err != nil {
		return nil, fmt.Errorf("DICOMweb server %s: %w", redact.URL(base), err)
	}
	clean, creds := credentials(u, o.Auth)
	clean.Path = strings.TrimRight(clean.Path, "/")
	clean.RawQuery, clean.Fragment = "", ""
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxJSONBytes <= 0 {
		o.MaxJSONBytes = DefaultMaxJSONBytes
	}
	lim := dicomview.CurrentLimits()
	if o.MaxInstanceBytes <= 0 {
		o.MaxInstanceBytes = lim.FileBytes
	}
	if o.MaxInstances <= 0 {
		o.MaxInstances = int(lim.Files)
	}
	if o.Parallel <= 0 {
		o.Parallel = DefaultParallel
	}
	hc := httpauth.Client(creds, o.Transport)
	return &Client{base: clean, server: redact.Parsed(clean), hc: hc, secrets: creds.Secrets(), opt: o}, nil
}

// URL is the server's base URL, without credentials.
func (c *Client) URL() string { return c.server }

// errStall cancels a request whose answer paused for longer than Timeout.
var errStall = errors.New("no answer within the time limit")

// response is an answer whose body is read under the stall timer; close
// it when done.
type response struct {
	*http.Response
	stop func()
}

func (r *response) Close() {
	r.stop()
	r.Body.Close()
}

// stallReader resets the stall timer whenever bytes arrive.
type stallReader struct {
	r     io.ReadCloser
	timer *time.Timer
	d     time.Duration
}

func (s *stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.timer.Reset(s.d)
	}
	return n, err
}

func (s *stallReader) Close() error { return s.r.Close() }

// sizedBody is a request body of known length.
type sizedBody struct {
	r io.Reader
	n int64
}

func (b sizedBody) Read(p []byte) (int, error) { return b.r.Read(p) }

// do sends a request for path (under the base; query q) and returns the
// answer when its status is 2xx, else an *Error of its kind.
func (c *Client) do(ctx context.Context, op, method, path string, q url.Values, header http.Header, body io.Reader) (*response, error) {
	u := *c.base
	u.Path += path
	if q != nil {
		u.RawQuery = encodeQuery(q)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	timer := time.AfterFunc(c.opt.Timeout, func() { cancel(errStall) })
	var once sync.Once
	stop := func() { once.Do(func() { timer.Stop(); cancel(nil) }) }
	var size int64 = -1
	if sb, ok := body.(sizedBody); ok {
		// What is sent counts as progress: a long upload is not a stall.
		size, body = sb.n, &stallReader{r: io.NopCloser(sb.r), timer: timer, d: c.opt.Timeout}
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if size >= 0 {
		req.ContentLength = size
	}
	if err != nil {
		stop()
		return nil, c.fail(ctx, op, 0, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		e := c.fail(ctx, op, 0, err)
		stop()
		return nil, e
	}
	if resp.StatusCode/100 != 2 {
		// A short look at the body is never shown: only the status is.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		stop()
		return nil, c.status(op, resp)
	}
	timer.Reset(c.opt.Timeout)
	resp.Body = &stallReader{r: resp.Body, timer: timer, d: c.opt.Timeout}
	return &response{Response: resp, stop: stop}, nil
}

// status is the *Error for an answer with a non-2xx status.
func (c *Client) status(op string, resp *http.Response) error {
	e := &Error{Server: c.server, Op: op, Status: resp.StatusCode, Detail: resp.Status}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		e.Kind, e.Hint = ErrUnauthorized, "check the user name and password, or the token"
		if c.noCredentials() {
			e.Hint = "the server wants credentials: give a user and password, or a token"
		}
	case http.StatusForbidden:
		e.Kind, e.Hint = ErrForbidden, "these credentials may not do this; ask the server's administrator for access"
	case http.StatusNotFound:
		e.Kind, e.Hint = ErrNotFound, "check the UID, and that the URL is the DICOMweb root (the path under which /studies is)"
	case http.StatusRequestEntityTooLarge:
		e.Kind, e.Hint = ErrTooLarge, "the server refused the size of what was sent"
	case http.StatusMultipleChoices, http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		e.Kind, e.Hint = ErrServer, "the server sent a redirect that was not followed"
		if loc := resp.Header.Get("Location"); loc != "" {
			e.Hint += " (to " + redact.URL(loc) + "): give that URL as the server's, if you trust it"
		}
	default:
		e.Kind, e.Hint = ErrServer, "try again later, or see the server's log"
	}
	return e
}

func (c *Client) noCredentials() bool {
	for _, s := range c.secrets {
		if s != "" {
			return false
		}
	}
	return true
}

// fail is the *Error for a request that got no (complete) answer: the
// server unreachable, a timeout, a cancel, or a broken connection.
func (c *Client) fail(ctx context.Context, op string, status int, err error) error {
	detail := httpauth.Clean(err, c.secrets...).Error()
	// The URL is in the error text already; say it once, in front.
	if ue := (*url.Error)(nil); errors.As(err, &ue) {
		detail = httpauth.Clean(ue.Err, c.secrets...).Error()
	}
	e := &Error{Server: c.server, Op: op, Status: status, Err: err, Detail: detail}
	var (
		dnsErr  *net.DNSError
		opErr   *net.OpError
		certErr *tls.CertificateVerificationError
		uaErr   x509.UnknownAuthorityError
		hostErr x509.HostnameError
	)
	switch {
	case errors.Is(context.Cause(ctx), errStall):
		e.Kind, e.Detail = ErrTimeout, fmt.Sprintf("no answer for %s", c.opt.Timeout)
		e.Hint = "the server may be overloaded or the network down; try again, or allow more time"
	case ctx.Err() != nil:
		e.Kind, e.Detail, e.Err = context.Canceled, "cancelled", context.Cause(ctx)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			e.Kind, e.Detail, e.Hint = ErrTimeout, "the time allowed ran out", "try again, or allow more time"
		}
	case errors.Is(err, httpauth.ErrDowngrade):
		e.Kind, e.Hint = ErrServer, "what was asked over https is never sent again in the clear; ask the server's administrator to keep it on https"
	case errors.As(err, &certErr), errors.As(err, &uaErr), errors.As(err, &hostErr):
		e.Kind, e.Hint = ErrUnreachable, "the server's TLS certificate is not trusted; check the URL's host"
	case errors.As(err, &dnsErr):
		e.Kind, e.Detail, e.Hint = ErrUnreachable, "unknown host "+dnsErr.Name, "check the URL's host name"
	case errors.As(err, &opErr) && opErr.Op == "dial":
		e.Kind, e.Detail = ErrUnreachable, "does not answer ("+httpauth.Clean(opErr.Err, c.secrets...).Error()+")"
		e.Hint = "check the URL's host and port, and that the server is running"
	default:
		e.Kind, e.Hint = ErrUnreachable, "the connection broke; try again"
	}
	return e
}

// malformed is an *Error for an answer that is not what DICOMweb says.
func (c *Client) malformed(op, detail string, err error) error {
	return &Error{Server: c.server, Op: op, Kind: ErrMalformed, Err: err,
		Detail: "malformed answer: " + detail, Hint: "the server may not speak DICOMweb at this URL; check that it is the DICOMweb root"}
}

// bodyError is the *Error for a failure while reading an answer's body:
// a stall, a cancel, a cut connection.
func (c *Client) bodyError(op string, r *response, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return c.fail(r.Request.Context(), op, r.StatusCode, err)
}

// encodeQuery writes q escaping only what a query may not hold raw: a
// QIDO-RS value's wildcards (*, ?), carets and hyphens stay as they are,
// and a space is %20, never "+". (Orthanc 1.10 does not percent-decode
// query values at all, so with it only values that need no escaping
// match: search "XR*CHEST" rather than "XR CHEST".)
func encodeQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(escapeQuery(k))
			b.WriteByte('=')
			b.WriteString(escapeQuery(v))
		}
	}
	return b.String()
}

func escapeQuery(s string) string {
	const raw = "-._~*^,:;@!$'()/?"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(raw, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
