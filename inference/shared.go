package inference

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/atomicfile"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/filelock"
)

// One managed server per data dir. The process that holds the lock on
// DataDir/runtime.lock starts and supervises the server, and records it
// in DataDir/runtime.json; any other process using the same data dir
// finds the lock held and uses that server instead of starting a second
// one on the same models folder (Ollama prunes the blobs of a pull or an
// import in flight when it starts). Only the owner stops the server; when
// it exits, the next process to need the runtime takes over.

// ServerRecord is what the owner of a data dir's runtime records about
// the server it runs, in DataDir/runtime.json.
type ServerRecord struct {
	// PID is the server's process id, OwnerPID the workbench process that
	// started and supervises it.
	PID      int    `json:"pid"`
	OwnerPID int    `json:"owner_pid"`
	URL      string `json:"url"`
	Port     int    `json:"port"`
	Version  string `json:"version"`
	// Started is when this server process started.
	Started time.Time `json:"started"`
	// Compute lists the devices the server found (from its log).
	Compute []core.Compute `json:"compute,omitempty"`
}

func (r *Runtime) lockPath() string   { return filepath.Join(r.cfg.DataDir, "runtime.lock") }
func (r *Runtime) recordPath() string { return filepath.Join(r.cfg.DataDir, "runtime.json") }

// ReadServerRecord reads the record of the server that a data dir's
// owner runs; it may be stale (see [Runtime] for how it is checked).
func ReadServerRecord(dataDir string) (ServerRecord, error) {
	var rec ServerRecord
	b, err := os.ReadFile(filepath.Join(dataDir, "runtime.json"))
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, fmt.Errorf("read %s: %w", filepath.Join(dataDir, "runtime.json"), err)
	}
	return rec, nil
}

func (r *Runtime) writeRecord(rec ServerRecord) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(r.recordPath(), append(b, '\n'), 0o600)
}

// acquire takes the data dir's runtime lock: true when this process now
// owns the runtime, false when another process holds it.
func (r *Runtime) acquire() (bool, error) {
	if err := os.MkdirAll(r.cfg.DataDir, 0o700); err != nil {
		return false, fmt.Errorf("start ollama: %w", err)
	}
	switch l, err := filelock.TryLock(r.lockPath()); {
	case err == nil:
		r.lock = l
		return true, nil
	case errors.Is(err, filelock.ErrLocked):
		return false, nil
	default:
		return false, fmt.Errorf("start ollama: %w", err)
	}
}

// release removes the record and lets the lock go.
func (r *Runtime) release() {
	if r.lock == nil {
		return
	}
	_ = os.Remove(r.recordPath())
	r.lock.Unlock()
	r.lock = nil
}

// liveRecord returns the owner's record when its server is running and
// answers.
func (r *Runtime) liveRecord(ctx context.Context) (ServerRecord, *Client, bool) {
	rec, err := ReadServerRecord(r.cfg.DataDir)
	if err != nil || !filelock.ProcessAlive(rec.PID) {
		return rec, nil, false
	}
	u, err := url.Parse(rec.URL)
	if err != nil || u.Host == "" {
		return rec, nil, false
	}
	c := NewClient(u, nil)
	vctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := c.Version(vctx); err != nil {
		return rec, nil, false
	}
	return rec, c, true
}

// ownerStillServes reports whether the server this follower uses is still
// the one its data dir's owner started, checked before every request: the
// runtime lock is held, the record names the server followed, that server
// process is alive, and (on Linux) it owns the socket listening on the
// recorded port. When the owner has exited or its server died, a process
// of another user that binds the freed port passes none of this, and is
// sent nothing: the follower takes over instead.
func (r *Runtime) ownerStillServes() bool {
	if l, err := filelock.TryLock(r.lockPath()); err == nil {
		l.Unlock() // no owner: the caller takes over
		return false
	}
	rec, err := ReadServerRecord(r.cfg.DataDir)
	r.mu.Lock()
	pid, base := r.pid, r.base
	r.mu.Unlock()
	if err != nil || rec.PID != pid || base == nil || base.Port() != strconv.Itoa(rec.Port) || !filelock.ProcessAlive(rec.PID) {
		return false
	}
	return listensOn(rec.PID, rec.Port)
}

// listensOn reports whether process pid owns a TCP socket listening on
// port, from /proc (Linux); where there is no /proc it cannot tell and
// says yes.
func listensOn(pid, port int) bool {
	inodes := map[string]bool{}
	found := false
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		found = true
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			// sl local_address rem_address st … uid timeout inode
			if len(f) < 10 || f[3] != "0A" { // 0A: LISTEN
				continue
			}
			_, hexPort, _ := strings.Cut(f[1], ":")
			if p, err := strconv.ParseInt(hexPort, 16, 32); err == nil && int(p) == port {
				inodes["socket:["+f[9]+"]"] = true
			}
		}
	}
	if !found {
		return true
	}
	fds, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "fd"))
	if err != nil {
		return false
	}
	for _, fd := range fds {
		if link, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "fd", fd.Name())); err == nil && inodes[link] {
			return true
		}
	}
	return false
}

// follow makes r use the server another process owns.
func (r *Runtime) follow(rec ServerRecord, c *Client) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.following = true
	r.client = c
	r.base = c.base
	r.pid = rec.PID
	r.state.URL = c.URL()
	r.state.Version = rec.Version
	r.state.OwnerPID = rec.OwnerPID
	r.state.Compute = rec.Compute
	r.state.Phase = core.PhaseReady
	r.state.Err = ""
}

// unfollow stops using another process's server.
func (r *Runtime) unfollow(phase string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.following {
		return
	}
	if r.state.Phase == core.PhaseReady {
		r.readyCh = make(chan struct{})
	}
	r.following, r.client, r.pid = false, nil, 0
	r.state.Phase, r.state.OwnerPID = phase, 0
}

// LeaseWait bounds how long an owner that stops waits for the requests
// other processes have in flight on its server (their leases).
const LeaseWait = 10 * time.Minute

func (r *Runtime) leasesDir() string { return filepath.Join(r.cfg.DataDir, "leases") }

// Lease records, until end is called, that this process has a request in
// flight on the server another process owns: an owner that stops waits
// for the live leases (up to LeaseWait) before it stops its server, so
// that other processes' answers are not cut off. It is a no-op where this
// process owns the server or the runtime is attached.
func (r *Runtime) Lease() (end func()) {
	r.mu.Lock()
	following := r.following
	r.mu.Unlock()
	if !following || r.cfg.DataDir == "" {
		return func() {}
	}
	return writePIDFile(r.leasesDir())
}

// writePIDFile writes a file named after this process and a sequence
// number into dir, and returns what removes it.
func writePIDFile(dir string) (remove func()) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return func() {}
	}
	name := filepath.Join(dir, strconv.Itoa(os.Getpid())+"-"+strconv.FormatInt(transferSeq.Add(1), 10))
	if err := os.WriteFile(name, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		return func() {}
	}
	return func() { _ = os.Remove(name) }
}

// livePIDFiles counts the files of dir (writePIDFile's) whose process is
// alive, removing those of dead processes.
func livePIDFiles(dir string) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	live := 0
	for _, e := range entries {
		pidText, _, _ := strings.Cut(e.Name(), "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil {
			continue
		}
		if filelock.ProcessAlive(pid) {
			live++
			continue
		}
		_ = os.Remove(filepath.Join(dir, e.Name()))
	}
	return live
}

// waitLeases waits, up to max, until no other process has a request in
// flight on this owner's server.
func (r *Runtime) waitLeases(max time.Duration) {
	deadline := time.Now().Add(max)
	for livePIDFiles(r.leasesDir()) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
}

// transferSeq numbers this process's transfers.
var transferSeq atomic.Int64

func (r *Runtime) transfersDir() string { return filepath.Join(r.cfg.DataDir, "transfers") }

// BeginTransfer records that a pull or an import into this runtime is in
// flight, until end is called: while any such record of a live process
// exists, a managed server that starts (or restarts) runs with
// OLLAMA_NOPRUNE=1, so that it does not delete the blobs being written.
// It is a no-op on an attached runtime.
func (r *Runtime) BeginTransfer() (end func()) {
	if !r.Managed() || r.cfg.DataDir == "" {
		return func() {}
	}
	return writePIDFile(r.transfersDir())
}

// transfersInFlight reports whether a live process has a pull or import
// in flight; records of dead processes are removed.
func (r *Runtime) transfersInFlight() bool { return livePIDFiles(r.transfersDir()) > 0 }
