package inference

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/filelock"
	"github.com/medgemma-workbench/medgemma-workbench/internal/logfile"
	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
)

// RuntimeConfig says how to run or reach the Ollama server.
type RuntimeConfig struct {
	// URL, when set, attaches to an existing server; none is started.
	URL string
	// Token, when set with URL, is sent as "Authorization: Bearer Token",
	// for a server behind an authenticating proxy.
	Token string
	// Binary is an explicit path to the ollama binary (managed mode).
	Binary string
	// DataDir holds the runtime's models (DataDir/models) and its log
	// (DataDir/logs/ollama.log).
	DataDir string
	// Port is the preferred port; when it is 0 or busy a free one is used.
	Port int
	// Env is extra environment for the child, e.g. "OLLAMA_FLASH_ATTENTION=1".
	// OLLAMA_DEBUG in it, as in ours, is dropped unless Debug is set.
	Env []string
	// Debug runs the managed server with OLLAMA_DEBUG=1. Its log then
	// holds every prompt in full (patient information): off by default,
	// and OLLAMA_DEBUG is removed from the server's environment.
	Debug bool
	// NumParallel is how many requests to one model the managed server
	// serves at once (OLLAMA_NUM_PARALLEL); 0 keeps Ollama's default.
	NumParallel int
	// KeepAlive is how long the managed server keeps an idle model loaded
	// (OLLAMA_KEEP_ALIVE; negative: for ever); 0 keeps Ollama's default of
	// 5 minutes.
	KeepAlive time.Duration
	// StartTimeout bounds the wait for the first heartbeat (default 60 s).
	StartTimeout time.Duration
	// Grace is how long a polite stop waits before killing (default 5 s).
	Grace time.Duration
}

// Runtime is a managed `ollama serve` child process, supervised and
// restarted when it dies, or an attached server that is only used.
type Runtime struct {
	cfg    RuntimeConfig
	binary string

	missing error // set by NewMissingRuntime: every use fails with it

	mu      sync.Mutex
	state   core.State
	base    *url.URL
	client  *Client
	pid     int
	cancel  context.CancelFunc
	done    chan struct{}
	readyCh chan struct{}   // closed on each transition to ready; replaced when not ready
	logw    *logfile.Writer // the managed server's log, while supervised

	startMu   sync.Mutex     // one Start at a time
	lock      *filelock.Lock // the data dir's runtime lock, while this process owns the server
	following bool           // using the server another process owns
}

// NewRuntime returns a runtime for cfg. In managed mode it locates the
// binary now: cfg.Binary, then the project's build (build/ollama/ollama
// next to the executable or the working directory, or above them), then
// PATH. The returned error wraps [ErrRuntimeNotFound] and names the set-up
// command.
func NewRuntime(cfg RuntimeConfig) (*Runtime, error) {
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 60 * time.Second
	}
	if cfg.Grace == 0 {
		cfg.Grace = 5 * time.Second
	}
	r := &Runtime{cfg: cfg, readyCh: make(chan struct{})}
	if cfg.URL != "" {
		u, err := ParseHost(cfg.URL)
		if err != nil {
			return nil, err
		}
		r.client = NewBearerClient(u, cfg.Token)
		r.base = r.client.base // without user information
		r.state = core.State{Mode: core.RuntimeAttached, URL: r.client.URL(), Phase: core.PhaseStopped}
		return r, nil
	}
	bin, err := FindBinary(cfg.Binary)
	if err != nil {
		return nil, err
	}
	r.binary = bin
	r.state = core.State{Mode: core.RuntimeManaged, Phase: core.PhaseStopped}
	return r, nil
}

// NewMissingRuntime returns a managed runtime whose binary could not be
// found (err, from [NewRuntime], wraps [ErrRuntimeNotFound]): its state is
// failed with err, and Start and Client return err. The desktop workbench
// uses it to open its window anyway and say how to set the runtime up.
func NewMissingRuntime(cfg RuntimeConfig, err error) *Runtime {
	return &Runtime{cfg: cfg, missing: err, readyCh: make(chan struct{}),
		state: core.State{Mode: core.RuntimeManaged, Phase: core.PhaseFailed, Err: err.Error()}}
}

// Missing returns the error of a runtime made by [NewMissingRuntime], or nil.
func (r *Runtime) Missing() error { return r.missing }

// ParseHost turns an Ollama host setting ("host:port", "http://host:port",
// ":port") into a base URL, as OLLAMA_HOST is read.
func ParseHost(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("empty ollama url")
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("bad ollama url %q: want http://HOST:PORT", redact.Text(s))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("bad ollama url %q: scheme must be http or https", redact.URL(s))
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		host, port = u.Host, "11434"
	}
	if host == "" {
		host = "127.0.0.1"
	}
	u.Host = net.JoinHostPort(host, port)
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// Binary is the path of the managed binary ("" when attached).
func (r *Runtime) Binary() string { return r.binary }

// Managed reports whether this runtime starts its own server.
func (r *Runtime) Managed() bool { return r.cfg.URL == "" }

// State returns a snapshot of the runtime's state.
func (r *Runtime) State() core.State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state
}

// PID is the managed server's process id, or 0.
func (r *Runtime) PID() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pid
}

// LogPath is the managed server's log file, size-capped: the older lines
// are in LogPath.1 … LogPath.3.
func (r *Runtime) LogPath() string { return filepath.Join(r.cfg.DataDir, "logs", "ollama.log") }

// Client waits until the server is ready (or ctx ends) and returns a client
// for it. A managed runtime that is not started is started.
func (r *Runtime) Client(ctx context.Context) (*Client, error) {
	if r.missing != nil {
		return nil, r.missing
	}
	if !r.Managed() {
		return r.attachedClient(ctx)
	}
	r.mu.Lock()
	started, following, fc := r.done != nil, r.following, r.client
	r.mu.Unlock()
	if following {
		return r.followedClient(ctx, fc)
	}
	if !started {
		if err := r.Start(ctx); err != nil {
			return nil, err
		}
		r.mu.Lock()
		following, fc = r.following, r.client
		r.mu.Unlock()
		if following {
			return fc, nil
		}
	}
	return r.waitReady(ctx)
}

// attachedClient checks that the server someone else runs answers, and
// marks the runtime ready when it does.
func (r *Runtime) attachedClient(ctx context.Context) (*Client, error) {
	r.mu.Lock()
	c := r.client
	r.mu.Unlock()
	if err := c.err(c.api.Heartbeat(ctx)); err != nil {
		r.setPhase(core.PhaseFailed, err.Error())
		return nil, fmt.Errorf("ollama server at %s is not answering: %w (start it, or drop --ollama-url to use the managed runtime)", c.URL(), err)
	}
	if st := r.State(); st.Phase != core.PhaseReady {
		v, _ := c.api.Version(ctx)
		r.mu.Lock()
		r.state.Phase, r.state.Version, r.state.Err = core.PhaseReady, v, ""
		r.mu.Unlock()
	}
	return c, nil
}

// followedClient returns fc, the client for the server another process
// owns, while that server answers; when it is gone it starts over.
func (r *Runtime) followedClient(ctx context.Context, fc *Client) (*Client, error) {
	if r.ownerStillServes() && fc.api.Heartbeat(ctx) == nil {
		return fc, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	// The owner's server is gone (the owner exited, or its server is
	// restarting): take over, or use the one the new owner runs.
	r.unfollow(core.PhaseStarting)
	if err := r.Start(ctx); err != nil {
		return nil, err
	}
	return r.Client(ctx)
}

// waitReady waits until the started managed server is ready, stops, or ctx
// ends.
func (r *Runtime) waitReady(ctx context.Context) (*Client, error) {
	for {
		r.mu.Lock()
		st, ready, c, done := r.state, r.readyCh, r.client, r.done
		r.mu.Unlock()
		if st.Phase == core.PhaseReady {
			return c, nil
		}
		if done == nil {
			return nil, errors.New("ollama runtime is stopped")
		}
		select {
		case <-ready:
		case <-done:
			st := r.State()
			return nil, fmt.Errorf("ollama runtime stopped: %s (log: %s)", st.Err, r.LogPath())
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Start starts the managed server and its supervisor, and waits for the
// first heartbeat. The supervisor runs until Stop. Start on an attached
// runtime only checks that the server answers.
func (r *Runtime) Start(ctx context.Context) error {
	if r.missing != nil {
		return r.missing
	}
	if !r.Managed() {
		_, err := r.Client(ctx)
		return err
	}
	r.startMu.Lock()
	defer r.startMu.Unlock()
	r.mu.Lock()
	done, following, fc := r.done, r.following, r.client
	r.mu.Unlock()
	if done != nil {
		_, err := r.Client(ctx)
		return err
	}
	if following {
		if r.ownerStillServes() && fc.api.Heartbeat(ctx) == nil {
			return nil
		}
		r.unfollow(core.PhaseStarting)
	}
	if owner, err := r.ownOrFollow(ctx); err != nil || !owner {
		return err
	}
	r.mu.Lock()
	logw, err := r.openLog()
	if err != nil {
		r.release()
		r.mu.Unlock()
		return fmt.Errorf("start ollama: %w", err)
	}
	r.logw = logw
	sctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.done = make(chan struct{})
	firstErr := make(chan error, 1)
	r.mu.Unlock()

	go func() {
		defer close(r.done)
		defer logw.Close()
		// Pdeathsig is tied to the thread that forked the child: keep it.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		r.supervise(sctx, firstErr)
	}()

	tctx, tcancel := context.WithTimeout(ctx, r.cfg.StartTimeout)
	defer tcancel()
	select {
	case err := <-firstErr:
		if err != nil {
			r.Stop()
			return err
		}
		return nil
	case <-tctx.Done():
		r.Stop()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("ollama did not answer within %s (log: %s)", r.cfg.StartTimeout, r.LogPath())
	}
}

// Stop stops the managed server politely (SIGTERM), kills it after the
// grace period, and waits for the supervisor to end; the data dir's
// runtime is then free for another process to own. A runtime using the
// server another process owns only stops using it.
func (r *Runtime) Stop() {
	r.mu.Lock()
	following := r.following
	r.mu.Unlock()
	if following {
		r.unfollow(core.PhaseStopped)
		return
	}
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.mu.Unlock()
	if cancel == nil {
		return
	}
	// Other processes' requests in flight on this server finish first.
	r.waitLeases(LeaseWait)
	cancel()
	<-done
	r.mu.Lock()
	r.cancel, r.done = nil, nil
	r.state.Phase = core.PhaseStopped
	r.state.OwnerPID = 0
	r.pid = 0
	r.release()
	r.mu.Unlock()
}

func (r *Runtime) openLog() (*logfile.Writer, error) {
	if err := os.MkdirAll(filepath.Join(r.cfg.DataDir, "logs"), 0o700); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(r.cfg.DataDir, "models"), 0o700); err != nil {
		return nil, err
	}
	return logfile.Open(r.LogPath(), logfile.DefaultMaxSize, logfile.DefaultKeep)
}

// ownOrFollow takes the data dir's runtime (true), or finds that another
// process owns it and uses its server (false). While the owner's server
// is starting or restarting it waits, up to StartTimeout.
func (r *Runtime) ownOrFollow(ctx context.Context) (bool, error) {
	deadline := time.Now().Add(r.cfg.StartTimeout)
	for {
		owner, err := r.acquire()
		if err != nil || owner {
			return owner, err
		}
		rec, c, live := r.liveRecord(ctx)
		if live {
			r.follow(rec, c)
			return false, nil
		}
		if time.Now().After(deadline) {
			return false, fmt.Errorf("another workbench process (pid %d) runs the runtime of %s, but its server does not answer (log: %s); close that process or wait for it", rec.OwnerPID, r.cfg.DataDir, r.LogPath())
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// supervise runs the server, restarting it with backoff when it dies,
// until ctx is cancelled. The first start's outcome goes to first.
func (r *Runtime) supervise(ctx context.Context, first chan<- error) {
	backoff := 250 * time.Millisecond
	reported := false
	report := func(err error) {
		if !reported {
			reported = true
			first <- err
		}
	}
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			r.setPhase(core.PhaseRestarting, r.State().Err)
		} else {
			r.setPhase(core.PhaseStarting, "")
		}
		began := time.Now()
		err := r.runOnce(ctx, func() { report(nil) })
		if ctx.Err() != nil {
			report(ctx.Err())
			return
		}
		if !reported {
			// Failing before the first heartbeat is not worth retrying:
			// a bad binary or a broken data dir will not heal.
			r.setPhase(core.PhaseFailed, err.Error())
			report(err)
			return
		}
		r.mu.Lock()
		r.state.Restarts++
		r.state.Err = err.Error()
		r.mu.Unlock()
		if time.Since(began) > 30*time.Second {
			backoff = 250 * time.Millisecond
		}
		r.setPhase(core.PhaseRestarting, err.Error())
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// runOnce starts one server process and returns when it exits (or after
// stopping it, when ctx ends). ready is called after the first heartbeat.
func (r *Runtime) runOnce(ctx context.Context, ready func()) error {
	port, err := pickPort(r.preferredPort())
	if err != nil {
		return fmt.Errorf("start ollama: %w", err)
	}
	host := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	logw := r.logw
	fmt.Fprintf(logw, "\n=== medgemma-workbench: starting %s serve on %s at %s (workbench pid %d) ===\n", r.binary, host, time.Now().Format(time.RFC3339), os.Getpid())
	logStart := logw.Size() // this start's lines follow

	cmd := exec.Command(r.binary, "serve")
	cmd.Env = r.childEnv(host)
	// The server and its runners write to a pipe that is copied into the
	// size-capped log; runners left behind keep only the pipe open, and
	// Wait does not wait for them.
	pr, pw, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("start ollama: %w", err)
	}
	go func() {
		_, _ = io.Copy(logw, pr)
		pr.Close()
	}()
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.SysProcAttr = sysProcAttr()
	err = cmd.Start()
	started := time.Now()
	pw.Close()
	if err != nil {
		return fmt.Errorf("start %s: %w", r.binary, err)
	}
	// The server and its runners die with this process, however it ends.
	cleanup, cerr := contain(cmd.Process)
	if cerr != nil {
		fmt.Fprintf(logw, "=== medgemma-workbench: %v: the server may outlive a crash of the workbench ===\n", cerr)
	}
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		cleanup() // orphaned runners
		exited <- err
	}()

	u := &url.URL{Scheme: "http", Host: host}
	c := NewClient(u, nil)
	r.mu.Lock()
	r.pid = cmd.Process.Pid
	r.base = u
	r.state.URL = u.String()
	r.mu.Unlock()

	// Heartbeat until it answers, it exits, or we are stopped.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for up := false; !up; {
		select {
		case err := <-exited:
			return fmt.Errorf("ollama exited before answering (%v); see %s", err, r.LogPath())
		case <-ctx.Done():
			stopProcess(cmd, exited, r.cfg.Grace)
			return ctx.Err()
		case <-tick.C:
			hctx, cancel := context.WithTimeout(ctx, time.Second)
			up = c.api.Heartbeat(hctx) == nil
			cancel()
		}
	}
	vctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	version, _ := c.api.Version(vctx)
	cancel()
	// The runtime logs the devices it found before it first answers.
	compute, _ := readComputeLog(r.LogPath(), logStart)
	r.mu.Lock()
	r.state.Compute = compute
	r.client = c
	r.cfg.Port = port // keep the same address across restarts when possible
	r.state.Version = version
	r.state.OwnerPID = os.Getpid()
	r.state.Phase = core.PhaseReady
	r.state.Err = ""
	close(r.readyCh)
	r.mu.Unlock()
	// Other processes on this data dir use this server.
	if err := r.writeRecord(ServerRecord{PID: cmd.Process.Pid, OwnerPID: os.Getpid(), URL: u.String(), Port: port,
		Version: version, Started: started, Compute: compute}); err != nil {
		fmt.Fprintf(logw, "=== medgemma-workbench: cannot record the server in %s: %v ===\n", r.recordPath(), err)
	}
	ready()

	select {
	case err := <-exited:
		r.mu.Lock()
		r.readyCh = make(chan struct{})
		r.mu.Unlock()
		if err == nil {
			err = errors.New("exited")
		}
		return fmt.Errorf("ollama serve (pid %d) died: %v", cmd.Process.Pid, err)
	case <-ctx.Done():
		stopProcess(cmd, exited, r.cfg.Grace)
		return ctx.Err()
	}
}

func (r *Runtime) preferredPort() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cfg.Port
}

func (r *Runtime) setPhase(phase, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state.Phase == core.PhaseReady && phase != core.PhaseReady {
		r.readyCh = make(chan struct{})
	}
	r.state.Phase = phase
	r.state.Err = msg
}

// stopProcess sends SIGTERM, waits up to grace, then kills.
func stopProcess(cmd *exec.Cmd, exited <-chan error, grace time.Duration) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// pickPort returns preferred when it can be bound on 127.0.0.1, else a free
// port chosen by the kernel.
func pickPort(preferred int) (int, error) {
	if preferred > 0 {
		if l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(preferred))); err == nil {
			l.Close()
			return preferred, nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// childEnv is the managed server's environment: of ours only what a
// runtime needs (inheritedEnv: no credentials of the workbench's, no
// tokens), without the settings that would make it listen elsewhere, put
// models elsewhere, reach the cloud or log prompts (OLLAMA_DEBUG, unless
// Debug is set), then the runtime's own.
func (r *Runtime) childEnv(host string) []string {
	env := filterEnv(inheritedEnv(os.Environ()), r.cfg.Debug)
	env = append(env,
		"OLLAMA_HOST="+host,
		"OLLAMA_MODELS="+filepath.Join(r.cfg.DataDir, "models"),
		"OLLAMA_NO_CLOUD=1",
	)
	if r.cfg.NumParallel > 0 {
		env = append(env, "OLLAMA_NUM_PARALLEL="+strconv.Itoa(r.cfg.NumParallel))
	}
	if r.cfg.KeepAlive != 0 {
		env = append(env, "OLLAMA_KEEP_ALIVE="+r.cfg.KeepAlive.String())
	}
	if r.transfersInFlight() {
		// A pull or an import is writing blobs that no model refers to
		// yet: a server starting now must not prune them.
		env = append(env, "OLLAMA_NOPRUNE=1")
	}
	env = append(env, filterEnv(r.cfg.Env, r.cfg.Debug)...)
	if r.cfg.Debug {
		env = append(env, "OLLAMA_DEBUG=1")
	}
	return env
}

// inheritedEnv keeps the variables of env a runtime needs: where things
// are (PATH, HOME, TMPDIR, the locale), the proxies and certificates a
// pull goes through, Ollama's own settings, and the GPU drivers' and
// libraries'. Everything else stays with the workbench: its PACS password
// and tokens, the Ollama bearer token meant for another server, any
// unrelated secret of the user's shell.
func inheritedEnv(env []string) []string {
	keep := map[string]bool{"PATH": true, "HOME": true, "USER": true, "LOGNAME": true, "SHELL": true, "LANG": true,
		"LANGUAGE": true, "TZ": true, "TMPDIR": true, "TMP": true, "TEMP": true, "LD_LIBRARY_PATH": true,
		"SSL_CERT_FILE": true, "SSL_CERT_DIR": true, "HTTPS_PROXY": true, "HTTP_PROXY": true, "NO_PROXY": true,
		"https_proxy": true, "http_proxy": true, "no_proxy": true, "SYSTEMROOT": true, "LOCALAPPDATA": true,
		"USERPROFILE": true, "XDG_RUNTIME_DIR": true}
	prefixes := []string{"LC_", "OLLAMA_", "CUDA_", "NVIDIA_", "GGML_", "HIP_", "ROCR_", "ROCM_", "HSA_", "GPU_",
		"VK_", "VULKAN_", "OMP_", "JETSON_"}
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		ok := keep[k]
		for _, p := range prefixes {
			ok = ok || strings.HasPrefix(k, p)
		}
		if ok {
			out = append(out, kv)
		}
	}
	return out
}

// filterEnv drops settings that would make the child listen elsewhere, put
// models elsewhere, or reach the cloud, OLLAMA_DEBUG_LOG_REQUESTS (from
// Ollama 0.24 it writes every request, images and all, to a temporary
// folder outside the data dir) always, and OLLAMA_DEBUG (its log holds
// every prompt) unless debug.
func filterEnv(env []string, debug bool) []string {
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "OLLAMA_HOST", "OLLAMA_MODELS", "OLLAMA_NO_CLOUD", "OLLAMA_ORIGINS", "OLLAMA_CLOUD_BASE_URL", "OLLAMA_DEBUG_LOG_REQUESTS":
			continue
		case "OLLAMA_DEBUG":
			if !debug {
				continue
			}
		}
		out = append(out, kv)
	}
	return out
}

// RunnerPIDs lists the managed server's model runner processes (`ollama
// runner`, one per loaded model). It is empty when attached, when no model
// is loaded, or off Linux.
func (r *Runtime) RunnerPIDs() []int { return childPIDs(r.PID()) }
