package batch

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// retryAfterBackend answers every request 429 with a Retry-After.
type retryAfterBackend struct{ after time.Duration }

func (b retryAfterBackend) Ask(ctx context.Context, req inference.Request) (int64, inference.Result, error) {
	err := &inference.HTTPError{StatusCode: 429, Message: "slow down", RetryAfter: b.after}
	return 0, inference.Result{Status: inference.StatusError, Error: err.Error()}, err
}

// TestRunnerShowsRetryWait checks that the wait before a retry is reported
// (and capped at a minute however long the server asks for).
func TestRunnerShowsRetryWait(t *testing.T) {
	for _, tc := range []struct {
		after time.Duration
		want  string
		wait  time.Duration
	}{
		{12 * time.Second, "in 12 s (server asked)", 12 * time.Second},
		{3 * time.Hour, "in 60 s (server asked)", time.Minute},
		{0, "(backoff)", 0},
	} {
		t.Run(tc.want, func(t *testing.T) {
			spec := testSpec(t)
			jobs, _ := spec.Jobs()
			jobs = jobs[:1]
			out, err := OpenOutput(filepath.Join(t.TempDir(), "out.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var (
				mu  sync.Mutex
				got []Retry
			)
			r := &Runner{Backend: retryAfterBackend{tc.after}, Prepare: fakePrepare,
				Backoff: inference.Backoff{Retries: 3, Base: time.Millisecond, Max: 2 * time.Millisecond},
				Retrying: func(rt Retry) {
					mu.Lock()
					got = append(got, rt)
					mu.Unlock()
					cancel() // do not wait
				}}
			start := time.Now()
			r.Run(ctx, jobs, out)
			if time.Since(start) > 10*time.Second {
				t.Error("the runner waited")
			}
			if len(got) != 1 {
				t.Fatalf("%d retry reports, want 1", len(got))
			}
			rt := got[0]
			line := rt.String()
			if !strings.Contains(line, "retrying item "+jobs[0].Item.ID) || !strings.Contains(line, tc.want) {
				t.Errorf("line %q, want it to say %q", line, tc.want)
			}
			if tc.wait > 0 && (rt.Wait != tc.wait || !rt.ServerAsked) {
				t.Errorf("wait %v (server asked %v), want %v", rt.Wait, rt.ServerAsked, tc.wait)
			}
		})
	}
}
