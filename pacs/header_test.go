package pacs_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/httpauth"
	"github.com/medgemma-workbench/medgemma-workbench/pacs"
)

// headers records the given headers of each request a server heard.
type headers struct {
	mu   sync.Mutex
	seen []http.Header
}

func (h *headers) add(r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seen = append(h.seen, r.Header.Clone())
}

func (h *headers) all() []http.Header {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seen
}

// TestTokenHeaderGoesToItsServerOnly: with a token header (an
// authorization gateway's X-Api-Key), each request to the server carries
// the token in that header as it is and no Authorization; a redirect to
// another origin goes there without it; a redirect from https down to
// http is not followed, the plain server hears nothing, and the error
// masks the token the redirect quoted back.
func TestTokenHeaderGoesToItsServerOnly(t *testing.T) {
	const token = "tok-hdr-5150"
	auth := core.PACSAuth{Token: token, Header: "X-Api-Key"}

	var elsewhere, origin, plain headers
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.add(r)
		w.Header().Set("Content-Type", "application/dicom+json")
		w.Write([]byte("[]"))
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin.add(r)
		switch {
		case r.Header.Get("X-Api-Key") != token:
			http.Error(w, "missing X-Api-Key", http.StatusUnauthorized)
		case strings.HasPrefix(r.URL.Path, "/moved/"):
			http.Redirect(w, r, other.URL+"/studies", http.StatusFound)
		case strings.Contains(r.URL.Path, "/studies/9.9"):
			http.Error(w, "unknown key "+r.Header.Get("X-Api-Key"), http.StatusForbidden)
		default:
			w.Header().Set("Content-Type", "application/dicom+json")
			w.Write([]byte("[]"))
		}
	}))
	defer srv.Close()
	c, err := pacs.NewClient(srv.URL, pacs.Options{Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// The origin hears the token in its header, and only there.
	if _, err := c.FindStudies(ctx, core.PACSQuery{}); err != nil {
		t.Fatalf("find with the token header: %v", err)
	}
	moved, err := pacs.NewClient(srv.URL+"/moved", pacs.Options{Auth: auth})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := moved.FindStudies(ctx, core.PACSQuery{}); err != nil {
		t.Fatalf("find, redirected to another server: %v", err)
	}
	for i, h := range origin.all() {
		if h.Get("X-Api-Key") != token || h.Get("Authorization") != "" {
			t.Errorf("request %d to the server: X-Api-Key %q, Authorization %q", i, h.Get("X-Api-Key"), h.Get("Authorization"))
		}
	}
	if len(elsewhere.all()) == 0 {
		t.Fatal("the redirect to another server was not followed")
	}
	for _, h := range elsewhere.all() {
		if h.Get("X-Api-Key") != "" || h.Get("Authorization") != "" {
			t.Errorf("the other server heard X-Api-Key %q, Authorization %q", h.Get("X-Api-Key"), h.Get("Authorization"))
		}
	}

	// A refusal names the server, never the token.
	_, err = c.SeriesOf(ctx, "9.9")
	if !errors.Is(err, pacs.ErrForbidden) {
		t.Fatalf("a 403: %v", err)
	}
	if strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), srv.URL) {
		t.Errorf("message %q holds the token, or does not name the server", err)
	}

	// https down to http: not followed, nothing heard there.
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { plain.add(r) }))
	defer down.Close()
	tls := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The redirect quotes the token back: the error must not.
		http.Redirect(w, r, down.URL+"/studies/"+r.Header.Get("X-Api-Key"), http.StatusFound)
	}))
	defer tls.Close()
	tc, err := pacs.NewClient(tls.URL, pacs.Options{Auth: auth, Transport: tls.Client().Transport})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tc.FindStudies(ctx, core.PACSQuery{})
	if !errors.Is(err, httpauth.ErrDowngrade) || !strings.Contains(err.Error(), "never sent again in the clear") {
		t.Errorf("an https→http redirect: %v, want it refused", err)
	}
	if err != nil && (strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), down.URL+"/studies/")) {
		t.Errorf("message %q holds the token, or not the redirect's URL", err)
	}
	if n := len(plain.all()); n != 0 {
		t.Errorf("the plain http server heard %d requests", n)
	}
}

// TestTokenHeaderRefused: a client with a token header it cannot use is
// not made, and the error names the server and the problem, never the
// token.
func TestTokenHeaderRefused(t *testing.T) {
	const base = "http://pacs.lab:8042/dicom-web"
	for _, tc := range []struct {
		header, token, want string
	}{
		{"Authorization", "tok-1", "bearer"},
		{"Cookie", "tok-1", "themselves"},
		{"Host", "tok-1", "themselves"},
		{"X Api Key", "tok-1", "not an HTTP header name"},
		{"X-Api-Key", "", "no token"},
		{"X-Api-Key", "tok-1\r\nX-Other: 1", "line break"},
	} {
		_, err := pacs.NewClient(base, pacs.Options{Auth: core.PACSAuth{Token: tc.token, Header: tc.header}})
		if err == nil {
			t.Errorf("%q: a client was made", tc.header)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, base) || !strings.Contains(msg, tc.want) || tc.token != "" && strings.Contains(msg, "tok-1") {
			t.Errorf("%q: %q, want the server, %q and not the token", tc.header, msg, tc.want)
		}
	}
}
