package inference

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/filelock"
)

// TestOneServerPerDataDir: a second runtime on the same data dir uses the
// server the first one started (as a second process does: the lock is per
// open file), never stops it, and takes over once the owner stops.
func TestOneServerPerDataDir(t *testing.T) {
	dir := t.TempDir()
	owner := startRuntime(t, RuntimeConfig{DataDir: dir})
	rec, err := ReadServerRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	if rec.PID != owner.PID() || rec.OwnerPID != os.Getpid() || rec.URL != owner.State().URL || rec.Version != core.RuntimeVersion {
		t.Fatalf("record %+v, owner pid %d at %s", rec, owner.PID(), owner.State().URL)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	second, err := NewRuntime(RuntimeConfig{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(second.Stop)
	c, err := second.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.URL() != owner.State().URL || second.PID() != owner.PID() {
		t.Fatalf("second runtime uses %s (pid %d), owner runs %s (pid %d)", c.URL(), second.PID(), owner.State().URL, owner.PID())
	}
	if st := second.State(); st.Phase != core.PhaseReady || st.OwnerPID != os.Getpid() || st.Version != core.RuntimeVersion ||
		len(st.Compute) == 0 || ComputeSummary(st.Compute) != ComputeSummary(owner.State().Compute) {
		t.Errorf("second state %+v", st)
	}
	second.Stop()
	if !filelock.ProcessAlive(owner.PID()) {
		t.Fatal("the second runtime's Stop stopped the owner's server")
	}
	if _, err := owner.Client(ctx); err != nil {
		t.Fatal(err)
	}

	// The owner goes: the next use takes over with a server of its own.
	old := owner.PID()
	if _, err := second.Client(ctx); err != nil {
		t.Fatal(err)
	}
	owner.Stop()
	if _, err := ReadServerRecord(dir); !os.IsNotExist(err) {
		t.Errorf("record after the owner stopped: %v, want none", err)
	}
	c, err = second.Client(ctx)
	if err != nil {
		t.Fatalf("take over: %v", err)
	}
	if _, err := c.Version(ctx); err != nil || second.PID() == old || second.PID() == 0 {
		t.Fatalf("after take-over: pid %d (old %d), %v", second.PID(), old, err)
	}
	rec, _ = ReadServerRecord(dir)
	if rec.PID != second.PID() {
		t.Errorf("record names pid %d, the new owner runs %d", rec.PID, second.PID())
	}
	log, _ := os.ReadFile(filepath.Join(dir, "logs", "ollama.log"))
	if n := strings.Count(string(log), "=== medgemma-workbench: starting"); n != 2 {
		t.Errorf("%d servers started, want 2 (the owner's, then the one that took over)", n)
	}
}

// TestNoPruneWhileTransferring: a server that starts while a live process
// has a pull or import in flight runs with OLLAMA_NOPRUNE=1; records of
// dead processes are removed and do not count.
func TestNoPruneWhileTransferring(t *testing.T) {
	for _, tc := range []struct {
		name     string
		live     bool // this process has a transfer in flight
		deadPID  bool // a record left by a dead process
		wantFlag bool
	}{
		{"none", false, false, false},
		{"in flight", true, false, true},
		{"dead process's record", false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			rt, err := NewRuntime(RuntimeConfig{DataDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if tc.live {
				end := rt.BeginTransfer()
				defer end()
			}
			dead := filepath.Join(dir, "transfers", "999999999-1")
			if tc.deadPID {
				os.MkdirAll(filepath.Dir(dead), 0o700)
				os.WriteFile(dead, []byte("999999999\n"), 0o600)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := rt.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer rt.Stop()
			env, err := os.ReadFile("/proc/" + strconv.Itoa(rt.PID()) + "/environ")
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(string(env), "OLLAMA_NOPRUNE=1"); got != tc.wantFlag {
				t.Errorf("OLLAMA_NOPRUNE=1 in the server's environment: %v, want %v", got, tc.wantFlag)
			}
			if _, err := os.Stat(dead); tc.deadPID && !os.IsNotExist(err) {
				t.Errorf("dead process's record kept: %v", err)
			}
		})
	}
}
