package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestManifestCredentialsGoToTheirOriginOnly (issue 26, item 1): with the
// environment's PACS credentials set, a batch manifest's dicomweb://
// source on another server gets no Authorization header; on the server
// the environment names it does; the same host over http where the
// environment says https (a downgrade) gets none, and with no server
// named none goes anywhere.
func TestManifestCredentialsGoToTheirOriginOnly(t *testing.T) {
	var mu sync.Mutex
	var auths []string
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/dicom+json")
		w.Write([]byte("[]"))
	}))
	defer rec.Close()
	configured := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the configured server was asked %s for a source on another", r.URL)
	}))
	defer configured.Close()
	src := strings.Replace(rec.URL, "http://", "dicomweb://", 1) + "/studies/1.2.3"
	t.Setenv(EnvPACSUser, "alice")
	t.Setenv(EnvPACSPassword, "s3cret")
	t.Setenv(EnvPACSToken, "")
	for _, tc := range []struct {
		name, envURL string
		wantAuth     bool
	}{
		{"another server", configured.URL, false},
		{"the configured server", rec.URL, true},
		{"a downgrade from https", strings.Replace(rec.URL, "http://", "https://", 1), false},
		{"no server configured", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvPACSURL, tc.envURL)
			mu.Lock()
			auths = nil
			mu.Unlock()
			if _, ok, _ := manifestSources(context.Background(), t.TempDir())(src); !ok {
				t.Fatalf("%s not taken as a DICOMweb source", src)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(auths) == 0 {
				t.Fatal("no request reached the source's server")
			}
			for _, a := range auths {
				if got := a != ""; got != tc.wantAuth {
					t.Errorf("Authorization %q, want sent: %v", a, tc.wantAuth)
				}
			}
		})
	}
}
