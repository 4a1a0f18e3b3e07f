package httpauth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// recorder is a RoundTripper that keeps the Authorization header of each
// request it is given.
type recorder struct{ got []string }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.got = append(r.got, req.Header.Get("Authorization"))
	return &http.Response{StatusCode: 200, Body: http.NoBody, Request: req}, nil
}

func TestTransportSendsToItsOriginOnly(t *testing.T) {
	base, _ := url.Parse("http://u:pw-123@pacs.lab:8042/dicom-web")
	clean, creds := Split(base, "")
	if clean.User != nil || creds.Origin != "http://pacs.lab:8042" {
		t.Fatalf("Split = %s, %+v; want the URL without its user and origin http://pacs.lab:8042", clean, creds)
	}
	for _, tc := range []struct {
		url  string
		sent bool
	}{
		{"http://pacs.lab:8042/dicom-web/studies", true},
		{"http://PACS.lab:8042/x", true},
		{"http://pacs.lab:8043/x", false},
		{"https://pacs.lab:8042/x", false},
		{"http://elsewhere:8042/x", false},
	} {
		rec := &recorder{}
		req, _ := http.NewRequest("GET", tc.url, nil)
		req.Header.Set("Authorization", "Basic someone-elses")
		if _, err := (Transport{Creds: creds, Next: rec}).RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		if got := rec.got[0] != ""; got != tc.sent {
			t.Errorf("%s: Authorization %q, want sent=%v", tc.url, rec.got[0], tc.sent)
		}
	}
	_, tok := Split(base, "tok-456")
	rec := &recorder{}
	req, _ := http.NewRequest("GET", "http://pacs.lab:8042/", nil)
	Transport{Creds: tok, Next: rec}.RoundTrip(req)
	if rec.got[0] != "Bearer tok-456" {
		t.Errorf("with a token: Authorization %q, want the bearer token (it wins over the URL's user)", rec.got[0])
	}
}

func TestCleanMasksCredentials(t *testing.T) {
	base, _ := url.Parse("http://u:pw-123@pacs.lab/")
	_, creds := Split(base, "")
	cause := errors.New(`Get "http://u:pw-123@pacs.lab/": server said dTpwdy0xMjM= and pw-123`)
	err := Clean(cause, creds.Secrets()...)
	if msg := err.Error(); strings.Contains(msg, "pw-123") || strings.Contains(msg, "dTpwdy0xMjM=") {
		t.Errorf("Clean = %q, holds a credential", msg)
	}
	if !errors.Is(err, cause) || Clean(nil) != nil {
		t.Error("Clean hides its cause, or makes an error of nil")
	}
}

// TestNoDowngradeRedirect (issue 26, item 6): a server reached over https
// that redirects to plain http is not followed, with or without
// credentials: the plain server never hears the request, and the error
// says why; an https→https redirect is still followed.
func TestNoDowngradeRedirect(t *testing.T) {
	heard := 0
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { heard++ }))
	defer plain.Close()
	var tlsSrv *httptest.Server
	tlsSrv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/down":
			http.Redirect(w, r, plain.URL+"/studies", http.StatusFound)
		case "/same":
			http.Redirect(w, r, tlsSrv.URL+"/ok", http.StatusFound)
		default:
			w.Write([]byte("ok"))
		}
	}))
	defer tlsSrv.Close()
	u, _ := url.Parse(tlsSrv.URL)
	for _, creds := range []Credentials{{}, {Origin: Origin(u), User: url.UserPassword("alice", "s3cret")}} {
		c := Client(creds, tlsSrv.Client().Transport)
		resp, err := c.Post(tlsSrv.URL+"/down", "application/dicom", strings.NewReader("patient data"))
		if err == nil {
			resp.Body.Close()
			t.Errorf("creds %v: the https→http redirect was followed", !creds.Empty())
		} else if !errors.Is(err, ErrDowngrade) {
			t.Errorf("creds %v: %v, want ErrDowngrade", !creds.Empty(), err)
		}
		resp, err = c.Get(tlsSrv.URL + "/same")
		if err != nil {
			t.Errorf("https→https redirect: %v", err)
		} else {
			resp.Body.Close()
		}
	}
	if heard != 0 {
		t.Errorf("the plain http server heard %d requests", heard)
	}
}

// TestTransportTokenHeader: a token with a header name goes in that
// header as it is, to its origin only, with no Authorization beside it;
// a request elsewhere (another host, or http for https) carries neither,
// also when someone set them for the first hop.
func TestTransportTokenHeader(t *testing.T) {
	base, _ := url.Parse("https://gw.lab/dicom-web")
	_, creds := Split(base, "tok-789")
	creds.Header = "X-Api-Key"
	for _, tc := range []struct {
		url  string
		sent bool
	}{
		{"https://gw.lab/dicom-web/studies", true},
		{"https://gw.lab:443/x", true},
		{"http://gw.lab/x", false},
		{"https://elsewhere/x", false},
	} {
		var got http.Header
		next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			got = r.Header
			return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
		})
		req, _ := http.NewRequest("GET", tc.url, nil)
		if !tc.sent {
			req.Header.Set("X-Api-Key", "someone-elses")
		}
		if _, err := (Transport{Creds: creds, Next: next}).RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		want := ""
		if tc.sent {
			want = "tok-789"
		}
		if got.Get("X-Api-Key") != want || got.Get("Authorization") != "" {
			t.Errorf("%s: X-Api-Key %q, Authorization %q; want %q and none", tc.url, got.Get("X-Api-Key"), got.Get("Authorization"), want)
		}
		if req.Header.Get("X-Api-Key") == "tok-789" {
			t.Errorf("%s: the caller's request was changed", tc.url)
		}
	}
	if s := creds.Secrets(); len(s) == 0 || s[0] != "tok-789" {
		t.Errorf("Secrets = %q, want the token", s)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
