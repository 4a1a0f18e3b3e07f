package httpauth

import (
	"errors"
	"net/http"
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
