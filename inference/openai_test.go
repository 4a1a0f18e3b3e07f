package inference

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOpenAIChat checks the request an OpenAI-compatible server receives
// (path, bearer key, system and user messages, the image as a PNG data
// URL, seed, temperature, max_tokens) and how its answer is read.
func TestOpenAIChat(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\nnot really")
	var got struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
		Seed        *int     `json:"seed"`
		Temperature *float64 `json:"temperature"`
		MaxTokens   *int     `json:"max_tokens"`
		NumCtx      any      `json:"num_ctx"`
	}
	var auth, path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, path = r.Header.Get("Authorization"), r.URL.Path
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &got); err != nil {
			t.Errorf("body %s: %v", b, err)
		}
		io.WriteString(w, `{"id":"x","model":"m","system_fingerprint":"fp","choices":[{"index":0,"message":{"role":"assistant",`+
			`"content":"<unused94>thought: look<unused95>  Yes, a PET."},"finish_reason":"length"}],"usage":{"prompt_tokens":290,"completion_tokens":8}}`)
	}))
	defer srv.Close()
	c, err := NewOpenAIClient(srv.URL+"/v1/", "sk-test")
	if err != nil {
		t.Fatal(err)
	}
	seed, temp := 7, 0.0
	req := core.Request{Model: "medgemma", System: "You are an expert radiologist.", Prompt: "Is this a PET?",
		Images: []core.Image{{PNG: png}}, Options: core.Options{Seed: &seed, Temperature: &temp, NumPredict: 8, NumCtx: 8192}}
	var chunks []string
	res, err := c.Chat(context.Background(), req, func(s string) { chunks = append(chunks, s) })
	if err != nil {
		t.Fatal(err)
	}
	if path != "/v1/chat/completions" || auth != "Bearer sk-test" {
		t.Errorf("request to %s with %q", path, auth)
	}
	if got.Model != "medgemma" || len(got.Messages) != 2 || got.Messages[0].Role != "system" || got.Messages[1].Role != "user" {
		t.Fatalf("request %+v", got)
	}
	var parts []struct {
		Type     string `json:"type"`
		Text     string `json:"text"`
		ImageURL struct {
			URL string `json:"url"`
		} `json:"image_url"`
	}
	if err := json.Unmarshal(got.Messages[1].Content, &parts); err != nil || len(parts) != 2 {
		t.Fatalf("user content %s (%v)", got.Messages[1].Content, err)
	}
	if parts[1].Type != "text" || parts[1].Text != "Is this a PET?" ||
		parts[0].Type != "image_url" || parts[0].ImageURL.URL != "data:image/png;base64,"+base64.StdEncoding.EncodeToString(png) {
		t.Errorf("user content %+v", parts)
	}
	if got.Seed == nil || *got.Seed != 7 || got.Temperature == nil || *got.Temperature != 0 || got.MaxTokens == nil || *got.MaxTokens != 8 || got.NumCtx != nil {
		t.Errorf("options sent: seed %v temperature %v max_tokens %v num_ctx %v", got.Seed, got.Temperature, got.MaxTokens, got.NumCtx)
	}
	if res.Status != core.StatusOK || res.Output != "Yes, a PET." || res.Thinking != "thought: look" || res.DoneReason != "length" ||
		!res.Truncated || res.PromptEvalCount != 290 || res.EvalCount != 8 || len(chunks) != 1 || chunks[0] != res.Output {
		t.Errorf("result %+v, chunks %q", res, chunks)
	}
}

func TestOpenAIErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		header    string
		body      string
		retry     bool
		after     time.Duration
		unknown   bool
		wantInMsg string
	}{
		{"rate limited", 429, "2", `{"error":{"message":"slow down"}}`, true, 2 * time.Second, false, "slow down"},
		{"overloaded", 503, "", `{"error":"server busy"}`, true, 0, false, "server busy"},
		{"unknown model", 404, "", `{"error":{"message":"model \"nope\" not found"}}`, false, 0, true, "not found"},
		{"bad request", 400, "", `{"object":"error","message":"bad image"}`, false, 0, false, "bad image"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c, _ := NewOpenAIClient(srv.URL+"/v1", "")
			res, err := c.Chat(context.Background(), core.Request{Model: "nope", Prompt: "hi"}, nil)
			if err == nil || res.Status != core.StatusError || !strings.Contains(err.Error(), tc.wantInMsg) {
				t.Fatalf("err %v, result %+v", err, res)
			}
			after, retry := Retryable(err)
			if retry != tc.retry || after != tc.after || errors.Is(err, ErrUnknownModel) != tc.unknown {
				t.Errorf("Retryable = %s, %v; unknown model %v", after, retry, errors.Is(err, ErrUnknownModel))
			}
		})
	}
	if _, err := NewOpenAIClient("host:8000", ""); err == nil {
		t.Error("an endpoint without a scheme was accepted")
	}
}

func TestBackoffAndRetryAfter(t *testing.T) {
	b := Backoff{Retries: 4, Base: 100 * time.Millisecond, Max: time.Second}
	for _, tc := range []struct {
		attempt int
		after   time.Duration
		lo, hi  time.Duration
	}{
		{1, 0, 50 * time.Millisecond, 100 * time.Millisecond},
		{2, 0, 100 * time.Millisecond, 200 * time.Millisecond},
		{3, 0, 200 * time.Millisecond, 400 * time.Millisecond},
		{10, 0, 500 * time.Millisecond, time.Second},
		{1, 3 * time.Second, 3 * time.Second, 3 * time.Second},
	} {
		for _, r := range []float64{0, 0.5, 0.999} {
			b.Rand = func() float64 { return r }
			if d := b.Delay(tc.attempt, tc.after); d < tc.lo || d > tc.hi {
				t.Errorf("Delay(%d, %s) with jitter %.3f = %s, want in [%s, %s]", tc.attempt, tc.after, r, d, tc.lo, tc.hi)
			}
		}
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"": 0, "0": 0, "3": 3 * time.Second, "-1": 0, "soon": 0,
		"Thu, 26 Nov 2026 12:00:10 GMT": 10 * time.Second,
		"Thu, 26 Nov 2026 11:00:00 GMT": 0,
	} {
		if got := ParseRetryAfter(v, now); got != want {
			t.Errorf("ParseRetryAfter(%q) = %s, want %s", v, got, want)
		}
	}
}

func TestRetryableRunnerStopped(t *testing.T) {
	err := fmt.Errorf("chat with m: %w in the middle of the answer (boom)", ErrRunnerStopped)
	if _, ok := Retryable(err); !ok {
		t.Error("a stopped runner is not retried")
	}
	if _, ok := Retryable(fmt.Errorf("chat: %w", ErrNoVision)); ok {
		t.Error("a model without vision is retried")
	}
}

// TestRetryableServerWentAway (issue 26, item 3): a request whose server
// went away — the connection refused, reset or cut off mid-answer, as
// when the process that owned the managed server exits — is retried by a
// batch (which then finds the next server); a refusal of the request
// itself is not.
func TestRetryableServerWentAway(t *testing.T) {
	for _, err := range []error{
		&url.Error{Op: "Post", URL: "http://127.0.0.1:1/api/chat", Err: io.EOF},
		&url.Error{Op: "Post", URL: "http://127.0.0.1:1/api/chat", Err: &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}},
		fmt.Errorf("read answer: %w", io.ErrUnexpectedEOF),
		&net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)},
	} {
		if _, ok := Retryable(err); !ok {
			t.Errorf("%v is not retried", err)
		}
	}
	if _, ok := Retryable(&HTTPError{StatusCode: 400}); ok {
		t.Error("a 400 is retried")
	}
}

// TestFailedAnswerSaysWhatWasKept (issue 26, item 17): an answer cut off
// says the partial answer is kept only when there is one.
func TestFailedAnswerSaysWhatWasKept(t *testing.T) {
	ctx := context.Background()
	_, err := classify(ctx, ctx, "m", core.Result{}, streamEnd{}, nil)
	if err == nil || !strings.Contains(err.Error(), "nothing was generated") || strings.Contains(err.Error(), "partial answer") {
		t.Errorf("nothing generated: %v", err)
	}
	_, err = classify(ctx, ctx, "m", core.Result{Output: "The liver"}, streamEnd{}, nil)
	if err == nil || !strings.Contains(err.Error(), "the partial answer is kept") {
		t.Errorf("a partial answer: %v", err)
	}
}
