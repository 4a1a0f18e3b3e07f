package inference

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/ollama/ollama/api"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// streamChat serves /api/chat as Ollama's server streams it: one JSON line a
// token, and the final record only when done is true (the repeat limit
// closes the stream without it).
func streamChat(t *testing.T, tokens []string, done bool) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/chat" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		enc := json.NewEncoder(w)
		for _, tok := range tokens {
			enc.Encode(api.ChatResponse{Model: "m", Message: api.Message{Role: "assistant", Content: tok}})
			w.(http.Flusher).Flush()
		}
		if done {
			enc.Encode(api.ChatResponse{Model: "m", Done: true, DoneReason: "stop",
				Metrics: api.Metrics{EvalCount: len(tokens), PromptEvalCount: 7}})
		}
	}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return NewClient(u, srv.Client())
}

// TestRepeatLimitIsAResult (issue 28, item 2): a stream the runtime ends
// after core.RuntimeRepeatLimit identical tokens, with no final record, is
// a result with done_reason repeat_limit and the tokens counted; fewer
// identical tokens is still the runner stopping.
func TestRepeatLimitIsAResult(t *testing.T) {
	looping := []string{"The", " lungs", " are"}
	for range core.RuntimeRepeatLimit {
		looping = append(looping, " clear")
	}
	for _, tc := range []struct {
		name   string
		tokens []string
		done   bool
		status core.Status
		reason string
	}{
		{"repeat limit", looping, false, core.StatusOK, core.DoneRepeatLimit},
		{"one short of it", looping[:len(looping)-1], false, core.StatusError, ""},
		{"done record", looping, true, core.StatusOK, "stop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := streamChat(t, tc.tokens, tc.done)
			res, err := c.Chat(context.Background(), core.Request{Model: "m", Prompt: "Describe"}, nil)
			if res.Status != tc.status || res.DoneReason != tc.reason {
				t.Fatalf("status %q, done_reason %q (err %v), want %q, %q", res.Status, res.DoneReason, err, tc.status, tc.reason)
			}
			if tc.status == core.StatusOK {
				if err != nil {
					t.Errorf("err = %v, want nil for a result", err)
				}
				if res.EvalCount != len(tc.tokens) {
					t.Errorf("eval_count %d, want %d", res.EvalCount, len(tc.tokens))
				}
				if !strings.HasSuffix(res.Output, " clear clear") {
					t.Errorf("output %q lost its tokens", res.Output)
				}
			} else if err == nil || !strings.Contains(err.Error(), "ended the answer early") {
				t.Errorf("err = %v, want the runner-stopped error", err)
			}
		})
	}
	if got := core.DoneReasonText(core.DoneRepeatLimit); got != "stopped: the runtime ends an answer after 31 identical tokens" {
		t.Errorf("DoneReasonText = %q", got)
	}
}
