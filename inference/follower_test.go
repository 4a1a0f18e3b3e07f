package inference

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference/demomodel"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// ownerAndFollower starts a managed runtime on dir (the owner, serving
// parallel requests at once; with the demo model when demo) and a second
// Runtime on the same dir that follows it, as two workbench processes do.
// The follower is stopped when the test ends.
func ownerAndFollower(ctx context.Context, t *testing.T, dir string, parallel int, demo bool) (owner *Runtime, oc *Client, follower *Runtime, fc *Client) {
	t.Helper()
	owner, err := NewRuntime(RuntimeConfig{DataDir: dir, NumParallel: parallel})
	if err != nil {
		t.Fatal(err)
	}
	if oc, err = owner.Client(ctx); err != nil {
		t.Fatal(err)
	}
	if demo {
		gguf := filepath.Join(dir, "demo.gguf")
		if _, err := demomodel.Write(gguf); err != nil {
			t.Fatal(err)
		}
		if err := oc.ImportGGUF(ctx, core.DemoModelName, gguf, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	if follower, err = NewRuntime(RuntimeConfig{DataDir: dir}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(follower.Stop)
	if fc, err = follower.Client(ctx); err != nil {
		t.Fatal(err)
	}
	return owner, oc, follower, fc
}

// TestFollowerNeverTalksToAnImposter (issue 26, item 2): a runtime that
// follows another's server (two Runtimes on one data dir, as two
// workbench processes are; the real ollama serve) finds, when the owner
// has stopped and a listener of someone else's has taken the freed port,
// that the port is no longer its owner's: it takes over with a server of
// its own, and the listener receives nothing.
func TestFollowerNeverTalksToAnImposter(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts ollama serve twice")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	owner, oc, follower, fc := ownerAndFollower(ctx, t, t.TempDir(), 0, false)
	if fc.URL() != oc.URL() || follower.State().OwnerPID == 0 {
		t.Fatalf("the follower uses %s, the owner runs %s", fc.URL(), oc.URL())
	}
	u, _ := url.Parse(oc.URL())
	port, _ := strconv.Atoi(u.Port())

	owner.Stop()
	// Someone else binds the freed port at once and answers like Ollama.
	var l net.Listener
	var err error
	for start := time.Now(); ; {
		if l, err = net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("the owner's port %d was never freed: %v", port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var heard atomic.Int64
	imposter := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		heard.Add(1)
		w.Write([]byte(`{"version":"0.17.4"}`))
	})}
	go imposter.Serve(l)
	defer imposter.Close()

	for range 3 {
		c, err := follower.Client(ctx)
		if err != nil {
			t.Fatalf("the follower after its owner left: %v", err)
		}
		if c.URL() == oc.URL() {
			t.Fatalf("the follower still sends to the owner's old port %d", port)
		}
		if _, err := c.Version(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := heard.Load(); n != 0 {
		t.Errorf("the listener on the freed port received %d requests", n)
	}
}

// TestOwnerKeepsItsServerForOthersRequests (issue 26, item 3): four
// requests another process (a follower on the same data dir) has in
// flight on the owner's server all finish when the owner stops: it waits
// for their leases before it stops its server.
func TestOwnerKeepsItsServerForOthersRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts ollama serve and runs the demo model")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	owner, _, follower, fc := ownerAndFollower(ctx, t, t.TempDir(), 4, true)
	type answer struct {
		res core.Result
		err error
		at  time.Time
	}
	answers := make(chan answer, 4)
	var started sync.WaitGroup
	started.Add(4)
	for i := range 4 {
		go func() {
			end := follower.Lease()
			defer end()
			temp, seed := 1.0, i+1
			var once sync.Once
			res, err := fc.Chat(ctx, core.Request{Model: core.DemoModelName, Prompt: "Tell me a long story.",
				Options: core.Options{NumPredict: 200, Temperature: &temp, Seed: &seed}}, func(string) { once.Do(started.Done) })
			once.Do(started.Done)
			answers <- answer{res, err, time.Now()}
		}()
	}
	started.Wait()
	owner.Stop() // the owner exits while the four are mid-answer
	stopped := time.Now()
	for range 4 {
		a := <-answers
		if a.err != nil || a.res.Status != core.StatusOK || a.res.EvalCount == 0 {
			t.Errorf("a request in flight when the owner stopped: %v, status %s, %d tokens", a.err, a.res.Status, a.res.EvalCount)
		}
		if a.at.After(stopped) {
			t.Errorf("the owner stopped its server %v before a request in flight ended", a.at.Sub(stopped))
		}
	}
}
