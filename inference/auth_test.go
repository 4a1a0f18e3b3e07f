package inference

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/httpauth"
)

// recorder is a round tripper that records the Authorization header of
// each request it is given, by URL, and answers 204.
type recorder struct {
	mu   sync.Mutex
	auth map[string]string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.auth[req.URL.String()] = req.Header.Get("Authorization")
	r.mu.Unlock()
	return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Request: req}, nil
}

// TestAuthTransportSendsToItsOriginOnly: the token goes to the configured
// scheme, host and port (default ports made explicit, host case ignored)
// and to nothing else, whatever header the request already carries.
func TestAuthTransportSendsToItsOriginOnly(t *testing.T) {
	base, _ := url.Parse("https://gpu.lab/v1")
	_, creds := splitCredentials(base, "tok-123")
	for _, tc := range []struct {
		url  string
		want bool
	}{
		{"https://gpu.lab/api/chat", true},
		{"https://gpu.lab:443/api/chat", true},
		{"https://GPU.Lab/api/chat", true},
		{"http://gpu.lab/api/chat", false},     // downgrade to http
		{"http://gpu.lab:443/api/chat", false}, // downgrade, same port
		{"https://gpu.lab:8443/api/chat", false},
		{"https://evil.example/api/chat", false},
		{"https://gpu.lab.evil.example/api/chat", false},
	} {
		t.Run(tc.url, func(t *testing.T) {
			rec := &recorder{auth: map[string]string{}}
			tr := authTransport{Creds: creds, Next: rec}
			req, _ := http.NewRequest(http.MethodGet, tc.url, nil)
			req.Header.Set("Authorization", "Bearer first-hop") // as a redirected request carries it
			if _, err := tr.RoundTrip(req); err != nil {
				t.Fatal(err)
			}
			got := rec.auth[tc.url]
			if tc.want && got != "Bearer tok-123" {
				t.Errorf("Authorization = %q, want the token", got)
			}
			if !tc.want && got != "" {
				t.Errorf("Authorization = %q sent to another origin", got)
			}
		})
	}
}

// TestCredentialsNotSentOnRedirect: the Ollama client's bearer token and
// the OpenAI client's key reach the configured server, and are not sent
// when it redirects to another port, another host name or from https to
// http. A user and password in the URL go as basic auth, to the same
// origin only.
func TestCredentialsNotSentOnRedirect(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{} // "server path" → Authorization
	record := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[name+" "+r.Host+" "+r.URL.Path] = r.Header.Get("Authorization")
			mu.Unlock()
			if strings.HasSuffix(r.URL.Path, "/models") {
				io.WriteString(w, `{"data":[{"id":"m"}]}`)
				return
			}
			io.WriteString(w, `{"version":"0.17.4"}`)
		}
	}
	other := httptest.NewServer(record("other"))
	defer other.Close()
	otherPort := other.Listener.Addr().(*net.TCPAddr).Port

	// Each first server redirects /to/TARGET/... to TARGET (a path on
	// itself, the other server, or itself under the name localhost).
	redirecting := func(name string, tls bool) *httptest.Server {
		var srv *httptest.Server
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rest, ok := strings.CutPrefix(r.URL.Path, "/to/")
			if !ok {
				record(name)(w, r)
				return
			}
			where, path, _ := strings.Cut(rest, "/")
			self, _ := url.Parse(srv.URL)
			var target string
			switch where {
			case "same":
				target = srv.URL + "/" + path
			case "port":
				target = other.URL + "/" + path
			case "host":
				target = self.Scheme + "://localhost:" + self.Port() + "/" + path
			case "http": // https → http on the other server
				target = "http://127.0.0.1:" + strconv.Itoa(otherPort) + "/" + path
			}
			mu.Lock()
			seen[name+" redirect "+rest] = r.Header.Get("Authorization")
			mu.Unlock()
			http.Redirect(w, r, target, http.StatusFound)
		})
		if tls {
			srv = httptest.NewTLSServer(h)
		} else {
			srv = httptest.NewServer(h)
		}
		return srv
	}
	plain := redirecting("plain", false)
	defer plain.Close()
	secure := redirecting("secure", true)
	defer secure.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const token = "tok-s3cret"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:pw"))
	ollama := func(base string, tok string, tls bool) error {
		u, _ := url.Parse(base)
		var hc *http.Client
		if tls {
			hc = secure.Client()
		}
		c := newClient(u, hc, tok)
		_, err := c.Version(ctx)
		return err
	}
	openai := func(base, key string, tls bool) error {
		c, err := NewOpenAIClient(base, key)
		if err != nil {
			return err
		}
		if tls {
			at := c.hc.Transport.(authTransport)
			at.Next = secure.Client().Transport
			c.hc.Transport = at
		}
		_, err = c.Models(ctx)
		return err
	}
	for _, tc := range []struct {
		name   string
		client func(base, secret string, tls bool) error
		srv    *httptest.Server
		user   bool // credentials as user:password in the URL
		where  string
		hop2   string // the server and path the redirect lands on
		want   bool   // the second hop carries the credentials
		suffix string
	}{
		{"ollama same origin", ollama, plain, false, "same", "plain %s /api/version", true, "api/version"},
		{"ollama other port", ollama, plain, false, "port", "other %s /api/version", false, "api/version"},
		{"ollama other host", ollama, plain, false, "host", "plain %s /api/version", false, "api/version"},
		{"ollama https to http", ollama, secure, false, "http", "other %s /api/version", false, "api/version"},
		{"ollama basic, other port", ollama, plain, true, "port", "other %s /api/version", false, "api/version"},
		{"ollama basic, same origin", ollama, plain, true, "same", "plain %s /api/version", true, "api/version"},
		{"openai same origin", openai, plain, false, "same", "plain %s /v1/models", true, "v1/models"},
		{"openai other port", openai, plain, false, "port", "other %s /v1/models", false, "v1/models"},
		{"openai other host", openai, plain, false, "host", "plain %s /v1/models", false, "v1/models"},
		// A downgrade is refused outright (issue 26, item 6): below.
		{"openai https to http", openai, secure, false, "http", "other %s /v1/models", false, "refused"},
		{"openai basic, other port", openai, plain, true, "port", "other %s /v1/models", false, "v1/models"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			clear(seen)
			mu.Unlock()
			u, _ := url.Parse(tc.srv.URL)
			secret, want := token, "Bearer "+token
			if tc.user {
				u.User = url.UserPassword("alice", "pw")
				secret, want = "", basic
			}
			base := u.String() + "/to/" + tc.where
			if strings.HasPrefix(tc.suffix, "v1") || tc.suffix == "refused" {
				base += "/v1"
			}
			err := tc.client(base, secret, tc.srv == secure)
			if tc.suffix == "refused" {
				mu.Lock()
				defer mu.Unlock()
				for k := range seen {
					if strings.HasPrefix(k, "other ") {
						t.Errorf("the plain server heard %q", k)
					}
				}
				if !errors.Is(err, httpauth.ErrDowngrade) {
					t.Errorf("an https→http redirect: %v, want it refused", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			first := ""
			for k, v := range seen {
				if strings.Contains(k, " redirect ") {
					first = v
				}
			}
			if first != want {
				t.Errorf("first hop Authorization = %q, want %q (seen %v)", first, want, seen)
			}
			host := u.Host
			switch tc.where {
			case "port", "http":
				host = other.Listener.Addr().String()
			case "host":
				host = "localhost:" + u.Port()
			}
			key := strings.Replace(tc.hop2, "%s", host, 1)
			got, ok := seen[key]
			if !ok {
				t.Fatalf("redirect did not reach %q (seen %v)", key, seen)
			}
			if tc.want && got != want {
				t.Errorf("same-origin redirect: Authorization = %q, want %q", got, want)
			}
			if !tc.want && got != "" {
				t.Errorf("redirect to %s carried Authorization %q", key, got)
			}
		})
	}
}

// TestNoCredentialsInErrors: a user and password in a URL, a bearer token
// and an API key (even when a server echoes them back) appear in no error
// text or state that the runtime and the clients produce.
func TestNoCredentialsInErrors(t *testing.T) {
	const user, pass, token = "alice", "s3cret-pw", "tok-s3cret"
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A proxy that quotes what it was sent.
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, `{"error":"upstream refused `+r.Header.Get("Authorization")+` from `+r.URL.String()+`"}`)
	}))
	defer echo.Close()
	down := "http://" + user + ":" + pass + "@" + closed
	up := strings.Replace(echo.URL, "http://", "http://"+user+":"+pass+"@", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	texts := map[string]func() string{
		"attached runtime, server down": func() string {
			rt, err := NewRuntime(RuntimeConfig{URL: down, Token: token})
			if err != nil {
				return err.Error()
			}
			_, err = rt.Client(ctx)
			st := rt.State()
			return errText(err) + " | " + st.URL + " | " + st.Err
		},
		"bad url": func() string {
			_, err := ParseHost("ftp://" + user + ":" + pass + "@gpu.lab:1")
			return errText(err)
		},
		"client models, server down": func() string {
			u, _ := url.Parse(down)
			c := NewBearerClient(u, token)
			_, err := c.Models(ctx)
			return errText(err) + " | " + c.URL()
		},
		"client chat, server echoes token": func() string {
			u, _ := url.Parse(echo.URL)
			res, err := NewBearerClient(u, token).Chat(ctx, core.Request{Model: "m", Prompt: "hi"}, nil)
			return errText(err) + " | " + res.Error
		},
		"client chat, user in url, server down": func() string {
			u, _ := url.Parse(down)
			res, err := NewClient(u, nil).Chat(ctx, core.Request{Model: "m", Prompt: "hi"}, nil)
			return errText(err) + " | " + res.Error
		},
		"openai chat, server down": func() string {
			c, _ := NewOpenAIClient(down+"/v1", token)
			res, err := c.Chat(ctx, core.Request{Model: "m", Prompt: "hi"}, nil)
			return errText(err) + " | " + res.Error + " | " + c.URL()
		},
		"openai chat, server echoes key": func() string {
			c, _ := NewOpenAIClient(up+"/v1", token)
			res, err := c.Chat(ctx, core.Request{Model: "m", Prompt: "hi"}, nil)
			return errText(err) + " | " + res.Error
		},
		"openai models, server echoes basic auth": func() string {
			c, _ := NewOpenAIClient(up+"/v1", "")
			_, err := c.Models(ctx)
			return errText(err)
		},
		"openai bad url": func() string {
			_, err := NewOpenAIClient("ftp://"+user+":"+pass+"@gpu.lab/v1", token)
			return errText(err)
		},
	}
	for name, f := range texts {
		t.Run(name, func(t *testing.T) {
			s := f()
			t.Logf("%s", s)
			if strings.TrimSpace(strings.Trim(s, " |")) == "" {
				t.Fatal("no error text to check")
			}
			for _, secret := range []string{pass, token, user + ":", base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))} {
				if strings.Contains(s, secret) {
					t.Errorf("text holds %q: %s", secret, s)
				}
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
