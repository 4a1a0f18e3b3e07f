package inference

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

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
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	owner, err := NewRuntime(RuntimeConfig{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := owner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	oc, err := owner.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	follower, err := NewRuntime(RuntimeConfig{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer follower.Stop()
	fc, err := follower.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fc.URL() != oc.URL() || follower.State().OwnerPID == 0 {
		t.Fatalf("the follower uses %s, the owner runs %s", fc.URL(), oc.URL())
	}
	u, _ := url.Parse(oc.URL())
	port, _ := strconv.Atoi(u.Port())

	owner.Stop()
	// Someone else binds the freed port at once and answers like Ollama.
	var l net.Listener
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
