package inference

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// startRuntime starts a managed runtime in a temporary data dir, failing
// with the set-up command when the binary has not been built.
func startRuntime(t *testing.T, cfg RuntimeConfig) *Runtime {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts the managed runtime (ollama serve)")
	}
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	rt, err := NewRuntime(cfg)
	if err != nil {
		t.Fatalf("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := rt.Start(ctx); err != nil {
		t.Fatalf("start runtime: %v", err)
	}
	t.Cleanup(rt.Stop)
	return rt
}

func alive(pid int) bool { return pid > 0 && syscall.Kill(pid, 0) == nil }

func TestManagedRuntimeStartsOnLoopbackAndStops(t *testing.T) {
	rt := startRuntime(t, RuntimeConfig{})
	st := rt.State()
	if st.Mode != core.RuntimeManaged || st.Phase != core.PhaseReady {
		t.Fatalf("state = %+v, want managed and ready", st)
	}
	if st.Version != core.RuntimeVersion {
		t.Errorf("runtime version = %q, want %q (is build/ollama stamped?)", st.Version, core.RuntimeVersion)
	}
	u, _ := url.Parse(st.URL)
	if u.Hostname() != "127.0.0.1" {
		t.Errorf("listens on %s, want 127.0.0.1 only", u.Host)
	}
	env, err := os.ReadFile("/proc/" + strconv.Itoa(rt.PID()) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"OLLAMA_NO_CLOUD=1", "OLLAMA_HOST=" + u.Host, "OLLAMA_MODELS="} {
		if !strings.Contains(string(env), want) {
			t.Errorf("child environment lacks %s", want)
		}
	}
	if log, err := os.ReadFile(rt.LogPath()); err != nil || !strings.Contains(string(log), "Listening on 127.0.0.1") {
		t.Errorf("log %s: want the server's own log (err %v)", rt.LogPath(), err)
	}
	pid := rt.PID()
	rt.Stop()
	deadline := time.Now().Add(2 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(pid) {
		t.Errorf("ollama (pid %d) still running after Stop", pid)
	}
	if rt.State().Phase != core.PhaseStopped {
		t.Errorf("phase after stop = %s", rt.State().Phase)
	}
}

func TestManagedRuntimeRestartsAfterKill(t *testing.T) {
	rt := startRuntime(t, RuntimeConfig{})
	old := rt.PID()
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	// The client waits for the restarted server.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var c *Client
	for {
		var err error
		c, err = rt.Client(ctx)
		if err != nil {
			t.Fatalf("no server within 3 s of the kill: %v (state %+v)", err, rt.State())
		}
		if rt.PID() != old {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := c.Version(ctx); err != nil {
		t.Fatalf("restarted server: %v", err)
	}
	st := rt.State()
	t.Logf("restarted in %s: pid %d → %d, %+v", time.Since(killed).Round(time.Millisecond), old, rt.PID(), st)
	if st.Restarts != 1 {
		t.Errorf("restarts = %d, want 1", st.Restarts)
	}
}

func TestBusyPortIsAvoided(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	rt := startRuntime(t, RuntimeConfig{Port: port})
	u, _ := url.Parse(rt.State().URL)
	if u.Port() == strconv.Itoa(port) {
		t.Fatalf("runtime took the busy port %d", port)
	}
	if _, err := rt.Client(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestAttachedRuntimeStartsNothing(t *testing.T) {
	server := startRuntime(t, RuntimeConfig{})
	rt, err := NewRuntime(RuntimeConfig{URL: server.State().URL})
	if err != nil {
		t.Fatal(err)
	}
	if rt.Managed() {
		t.Fatal("a runtime with a URL must be attached")
	}
	c, err := rt.Client(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.URL() != server.State().URL {
		t.Errorf("attached to %s, want %s", c.URL(), server.State().URL)
	}
	if rt.PID() != 0 {
		t.Errorf("attached runtime started pid %d", rt.PID())
	}
	if st := rt.State(); st.Mode != core.RuntimeAttached || st.Phase != core.PhaseReady || st.Version != core.RuntimeVersion {
		t.Errorf("state = %+v", st)
	}
	rt.Stop() // must not stop the server it attached to
	if _, err := server.Client(context.Background()); err != nil || !alive(server.PID()) {
		t.Errorf("attached Stop stopped the server: %v", err)
	}
}

func TestAttachedRuntimeNotAnswering(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	rt, err := NewRuntime(RuntimeConfig{URL: addr})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = rt.Client(ctx)
	if err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("err = %v, want one naming %s", err, addr)
	}
}

func TestMissingBinaryNamesSetupCommand(t *testing.T) {
	_, err := NewRuntime(RuntimeConfig{Binary: "/nonexistent/ollama", DataDir: t.TempDir()})
	if !errors.Is(err, ErrRuntimeNotFound) {
		t.Fatalf("err = %v, want ErrRuntimeNotFound", err)
	}
	for _, want := range []string{"/nonexistent/ollama", core.SetupCommand} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestParseHost(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"127.0.0.1:11500", "http://127.0.0.1:11500"},
		{"http://example.org:8080/", "http://example.org:8080"},
		{"https://gpu.lab", "https://gpu.lab:11434"},
		{":9999", "http://127.0.0.1:9999"},
	} {
		u, err := ParseHost(tc.in)
		if err != nil || u.String() != tc.want {
			t.Errorf("ParseHost(%q) = %v, %v; want %s", tc.in, u, err, tc.want)
		}
	}
	for _, bad := range []string{"", "ftp://x:1", "http://"} {
		if _, err := ParseHost(bad); err == nil {
			t.Errorf("ParseHost(%q) accepted", bad)
		}
	}
}

// A server that dies leaves its model runners behind unless the runtime
// reaps them; each holds the model's memory (VRAM on a GPU).
func TestKilledServerLeavesNoRunners(t *testing.T) {
	demoRuntime(t) // the demo model, in shared.dir
	rt := startRuntime(t, RuntimeConfig{DataDir: shared.dir})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := rt.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Chat(ctx, core.Request{Model: core.DemoModelName, Prompt: "Hello", Options: core.Options{NumPredict: 2}}, nil); err != nil {
		t.Fatal(err)
	}
	runners := rt.RunnerPIDs()
	if len(runners) == 0 {
		t.Fatal("no runner process after a chat")
	}
	if err := syscall.Kill(rt.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for _, pid := range runners {
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if alive(pid) {
			t.Errorf("runner %d outlived its killed server", pid)
		}
	}
	if _, err := rt.Client(ctx); err != nil {
		t.Errorf("no restart after the kill: %v", err)
	}
}
