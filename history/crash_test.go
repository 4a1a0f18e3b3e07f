package history

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// helperEnv, when set in the environment, makes the test binary act as a
// process that logs runs to the database named by helperDBEnv (see
// helperMain) instead of running the tests.
const (
	helperEnv   = "HISTORY_TEST_HELPER"
	helperDBEnv = "HISTORY_TEST_DB"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		if err := helperMain(mode, os.Getenv(helperDBEnv)); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// helperMain logs runs the way the workbench does: begin (saved as
// running), stream, finish. After each step it prints "begun ID" or "saved
// ID" on stdout, so the parent knows what the database must hold. Mode
// "forever" logs until killed; "N" logs N runs and exits; "stall" logs a
// run and then begins one that never finishes (an answer that hangs).
func helperMain(mode, path string) error {
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		return err
	}
	defer s.Close()
	session, err := s.StartSession(ctx, "helper", "test")
	if err != nil {
		return err
	}
	n := -1
	if mode != "forever" && mode != "stall" {
		if n, err = strconv.Atoi(mode); err != nil {
			return err
		}
	}
	out := bufio.NewWriter(os.Stdout)
	img := ImageRecord{SHA256: "", PNG: []byte(fmt.Sprintf("png of process %d", os.Getpid()))}
	img.SHA256 = sha256Hex(img.PNG)
	if err := s.PutImage(ctx, img); err != nil {
		return err
	}
	for i := 0; n < 0 || i < n; i++ {
		r := &core.Run{SessionID: session, StartedAt: time.Now(), ImageSHA256: []string{img.SHA256},
			Prompt: fmt.Sprintf("prompt %d", i), Model: "demo-medgemma-arch"}
		if _, err := s.BeginRun(ctx, r); err != nil {
			return err
		}
		fmt.Fprintf(out, "begun %d\n", r.ID)
		out.Flush()
		if mode == "stall" && i == 1 {
			select {} // killed mid-answer
		}
		r.Output = strings.Repeat("answer ", 50) + strconv.Itoa(i)
		r.Status, r.DoneReason, r.EvalCount = core.StatusOK, "stop", 50
		if err := s.FinishRun(ctx, r); err != nil {
			return err
		}
		fmt.Fprintf(out, "saved %d\n", r.ID)
		out.Flush()
	}
	return nil
}

// helper starts the test binary as a helper process on the database at path.
func helper(t *testing.T, mode, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperDBEnv+"="+path)
	cmd.Stderr = new(strings.Builder)
	return cmd
}

// TestCrashSafety kills a process with SIGKILL while it logs runs, 20
// times, at varying points: the database stays intact, every run the
// process reported saved is there as saved, and the run it was in the
// middle of is marked interrupted when the database is next opened.
func TestCrashSafety(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	saved := map[int64]bool{}
	begun := map[int64]bool{}
	stalled := map[int64]bool{}
	for round := range 20 {
		// Every fourth process hangs mid-answer; the others are killed
		// wherever they are.
		stall := round%4 == 3
		mode := "forever"
		if stall {
			mode = "stall"
		}
		cmd := helper(t, mode, path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill after a varying number of saved runs; the helper keeps
		// writing meanwhile, so the kill lands at varying points.
		killAfter := 1 + round%7
		if stall {
			killAfter = 1
		}
		sc := bufio.NewScanner(stdout)
		nsaved := 0
		var hung int64 // the run begun after killAfter saved ones
		for (nsaved < killAfter || stall && hung == 0) && sc.Scan() {
			verb, id, _ := strings.Cut(sc.Text(), " ")
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil {
				t.Fatalf("round %d: helper printed %q", round, sc.Text())
			}
			switch verb {
			case "begun":
				begun[n] = true
				if nsaved == killAfter {
					hung = n
				}
			case "saved":
				saved[n] = true
				nsaved++
			}
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		// What the helper printed after the kill was decided on is not
		// counted as reported; drain it so the pipe does not block.
		for sc.Scan() {
		}
		err = cmd.Wait()
		if stall {
			stalled[hung] = true
		}
		if nsaved < killAfter {
			t.Fatalf("round %d: helper stopped after %d saved runs: %v: %s", round, nsaved, err, cmd.Stderr)
		}
	}

	s, err := Open(path) // marks the runs cut off by a kill
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var check string
	if err := s.db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v", check, err)
	}
	if err := s.db.QueryRowContext(ctx, `INSERT INTO runs_fts (runs_fts) VALUES ('integrity-check')`).Err(); err != nil {
		t.Errorf("full-text index integrity check: %v", err)
	}
	runs, err := s.Runs(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]core.Run{}
	interrupted := 0
	for _, r := range runs {
		byID[r.ID] = r
		switch r.Status {
		case core.StatusRunning:
			t.Errorf("run %d still running after every process was killed", r.ID)
		case core.StatusInterrupted:
			interrupted++
			if r.Error == "" {
				t.Errorf("interrupted run %d has no error message", r.ID)
			}
		}
	}
	for id := range saved {
		r, ok := byID[id]
		if !ok {
			t.Errorf("run %d was reported saved but is missing", id)
			continue
		}
		if r.Status != core.StatusOK || !strings.HasPrefix(r.Output, "answer") || len(r.ImageSHA256) != 1 {
			t.Errorf("run %d was reported saved but reads back as status %q, output %q", id, r.Status, ellipsize(r.Output))
		}
	}
	for id := range begun {
		if _, ok := byID[id]; !ok {
			t.Errorf("run %d was reported begun but is missing", id)
		}
	}
	if len(stalled) != 5 {
		t.Errorf("%d processes stalled mid-answer, want 5", len(stalled))
	}
	for id := range stalled {
		if r := byID[id]; r.Status != core.StatusInterrupted {
			t.Errorf("run %d, killed mid-answer, has status %q, want %q", id, r.Status, core.StatusInterrupted)
		}
	}
	t.Logf("20 kills: %d runs logged, %d reported saved, %d marked interrupted", len(runs), len(saved), interrupted)
}

// TestTwoProcessesWrite has two processes log runs into one database at
// once, as the GUI and a CLI command do: neither sees an error ("database
// is locked" included) and every run is there.
func TestTwoProcessesWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	const perProcess = 150
	var wg sync.WaitGroup
	outs := make([]string, 2)
	errs := make([]error, 2)
	stderrs := make([]string, 2)
	for i := range 2 {
		wg.Go(func() {
			cmd := helper(t, strconv.Itoa(perProcess), path)
			out, err := cmd.Output()
			outs[i], errs[i], stderrs[i] = string(out), err, fmt.Sprint(cmd.Stderr)
		})
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Errorf("process %d: %v: %s", i, errs[i], stderrs[i])
		}
		if n := strings.Count(outs[i], "saved "); n != perProcess {
			t.Errorf("process %d reported %d runs saved, want %d", i, n, perProcess)
		}
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.Search(context.Background(), core.Filter{Status: core.StatusOK})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2*perProcess {
		t.Errorf("%d runs saved, want %d", len(runs), 2*perProcess)
	}
}

func ellipsize(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
