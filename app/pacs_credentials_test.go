package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestManifestCredentialsGoToTheirOriginOnly (issue 26, item 1): with the
// environment's PACS credentials set (a user and password, or a token in
// a header of its own), a batch manifest's dicomweb:// source on another
// server gets neither an Authorization header nor the token's; on the
// server the environment names it does; the same host over http where
// the environment says https (a downgrade) gets none, and with no server
// named none goes anywhere.
func TestManifestCredentialsGoToTheirOriginOnly(t *testing.T) {
	var mu sync.Mutex
	var auths []string
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auths = append(auths, r.Header.Get("Authorization")+r.Header.Get("X-Api-Key"))
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
	for _, creds := range []struct {
		name string
		env  map[string]string
	}{
		{"basic", map[string]string{EnvPACSUser: "alice", EnvPACSPassword: "s3cret", EnvPACSToken: "", EnvPACSTokenHeader: ""}},
		{"token header", map[string]string{EnvPACSUser: "", EnvPACSPassword: "", EnvPACSToken: "tok-env-1", EnvPACSTokenHeader: "X-Api-Key"}},
	} {
		for k, v := range creds.env {
			t.Setenv(k, v)
		}
		for _, tc := range []struct {
			name, envURL string
			wantAuth     bool
		}{
			{"another server", configured.URL, false},
			{"the configured server", rec.URL, true},
			{"a downgrade from https", strings.Replace(rec.URL, "http://", "https://", 1), false},
			{"no server configured", "", false},
		} {
			t.Run(creds.name+"/"+tc.name, func(t *testing.T) {
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
						t.Errorf("credentials %q, want sent: %v", a, tc.wantAuth)
					}
				}
			})
		}
	}
}

// TestPacsTokenHeaderCLI: `pacs find --token T --token-header X-Api-Key`
// sends "X-Api-Key: T" to the server and no Authorization, and the
// environment ($MEDGEMMA_WORKBENCH_PACS_TOKEN and _TOKEN_HEADER) does the
// same; a header name that cannot carry a token (Authorization, Cookie,
// not a header name, or no token for it) is a usage error (exit 2) that
// names the server and the problem, never the token, and nothing is
// sent.
func TestPacsTokenHeaderCLI(t *testing.T) {
	const token = "tok-cli-8086"
	var mu sync.Mutex
	var heard []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		heard = append(heard, r.Header.Clone())
		mu.Unlock()
		if r.Header.Get("X-Api-Key") != token {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/dicom+json")
		w.Write([]byte(`[{"0020000D": {"vr": "UI", "Value": ["1.2.3"]}}]`))
	}))
	defer srv.Close()
	run := func(args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		c := &cli{stdout: &out, stderr: &errb}
		err := c.run(append([]string{"--data-dir", t.TempDir()}, args...))
		return out.String(), errb.String(), err
	}
	pacsEnv(t)
	t.Setenv(EnvPACSUser, "")
	t.Setenv(EnvPACSPassword, "")
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"flags", nil, []string{"--token", token, "--token-header", "X-Api-Key"}},
		{"environment", map[string]string{EnvPACSToken: token, EnvPACSTokenHeader: "X-Api-Key"}, nil},
		{"flag over the environment's bearer token", map[string]string{EnvPACSToken: token}, []string{"--token-header", "x-api-key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			mu.Lock()
			heard = nil
			mu.Unlock()
			out, _, err := run(append([]string{"pacs", "find", "--url", srv.URL, "--json"}, tc.args...)...)
			if err != nil {
				t.Fatalf("pacs find: %v", err)
			}
			var st core.PACSStudy
			if json.Unmarshal([]byte(out), &st) != nil || st.UID != "1.2.3" {
				t.Errorf("stdout %q, want the study", out)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(heard) != 1 || heard[0].Get("X-Api-Key") != token || heard[0].Get("Authorization") != "" {
				t.Errorf("the server heard %v, want one request with X-Api-Key and no Authorization", heard)
			}
		})
	}
	for _, tc := range []struct {
		name, header, token, want string
	}{
		{"Authorization", "Authorization", token, "bearer"},
		{"Cookie", "Cookie", token, "set that header themselves"},
		{"not a header name", "X Api Key", token, "not an HTTP header name"},
		{"no token", "X-Api-Key", "", "no token"},
	} {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			mu.Lock()
			heard = nil
			mu.Unlock()
			args := []string{"pacs", "find", "--url", srv.URL, "--token-header", tc.header}
			if tc.token != "" {
				args = append(args, "--token", tc.token)
			}
			out, _, err := run(args...)
			if err == nil {
				t.Fatalf("%v succeeded: %s", args, out)
			}
			msg := err.Error()
			if ExitCode(err) != 2 || !strings.Contains(msg, srv.URL) || !strings.Contains(msg, tc.want) || !strings.Contains(msg, "--token-header") {
				t.Errorf("exit %d, %q: want 2 and a line naming %s, %q and --token-header", ExitCode(err), msg, srv.URL, tc.want)
			}
			if strings.Contains(msg, token) || strings.ContainsAny(strings.TrimSpace(msg), "\n") || out != "" {
				t.Errorf("message %q holds the token or is not one line, or stdout %q is not empty", msg, out)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(heard) != 0 {
				t.Errorf("%d requests were sent", len(heard))
			}
		})
	}
}
