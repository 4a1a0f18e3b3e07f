package app

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference/demomodel"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// serverStarts lists, for each managed server started on a data dir, the
// workbench process that started it, from the line the runtime writes
// into its log before each one.
func serverStarts(t *testing.T, dataDir string) []int {
	t.Helper()
	logs, _ := filepath.Glob(filepath.Join(dataDir, "runtime", "logs", "ollama.log*"))
	var pids []int
	for _, p := range logs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(line, "=== medgemma-workbench: starting") {
				continue
			}
			var pid int
			if i := strings.LastIndex(line, "(workbench pid "); i >= 0 {
				fmt.Sscanf(line[i:], "(workbench pid %d)", &pid)
			}
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestImportSurvivesOtherProcesses: a 2 GB import in one process while
// other processes on the same data dir list models and ask the demo
// model. They use the importing process's server instead of starting
// their own (a second `ollama serve` on the same models folder prunes
// the blobs of an import in flight); exactly one server runs for all of
// them and the import succeeds.
func TestImportSurvivesOtherProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 2 GB")
	}
	bin := binary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	run := func(args ...string) (string, int, error) {
		cmd := exec.Command(bin, append([]string{"--data-dir", data}, args...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if err != nil {
			err = fmt.Errorf("%v: %s", err, stderr.String())
		}
		return stdout.String(), cmd.Process.Pid, err
	}
	if _, _, err := run("models", "demo"); err != nil {
		t.Fatalf("models demo: %v", err)
	}
	before := len(serverStarts(t, data))

	// The demo model padded with 2 GB that Ollama stores but never reads:
	// big enough that the import takes seconds. The padding is a hole in
	// the file, so it costs no disk until the runtime copies it.
	big := filepath.Join(dir, "big.gguf")
	if _, err := demomodel.Write(big); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(big)
	const pad = 2 << 30
	if err := os.Truncate(big, fi.Size()+pad); err != nil {
		t.Fatal(err)
	}

	importer := exec.Command(bin, "--data-dir", data, "models", "import", "--name", "big", "--gguf", big)
	var impOut, impErr syncBuffer
	importer.Stdout, importer.Stderr = &impOut, &impErr
	began := time.Now()
	if err := importer.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- importer.Wait() }()
	// Wait until it is uploading: its server is up, the blob is being
	// written.
	for !strings.Contains(impErr.String(), "uploading") {
		select {
		case err := <-exited:
			t.Fatalf("import ended before uploading: %v %s", err, impErr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Since(began) > 2*time.Minute {
			t.Fatal("import never started uploading")
		}
	}
	uploading := time.Since(began)

	calls := [][]string{
		{"models", "list", "--json"},
		{"ask", "--model", core.DemoModelName, "--prompt", "Hello", "--num-predict", "2", "--json"},
		{"models", "list"},
	}
	// Calls one after another until the import ends. The call that is
	// running when the importing process exits may fail (its server goes
	// with it) or start a server of its own (it takes over): it is not
	// counted.
	done := 0
	calledDuring := map[int]bool{}
	var importErr error
	finished := false
	for !finished {
		args := calls[done%len(calls)]
		callStart := time.Now()
		out, pid, err := run(args...)
		ended := time.Now()
		t.Logf("call %d %v pid %d: %s, err %v", done, args[:2], pid, ended.Sub(callStart).Round(time.Millisecond), err)
		wait := time.Duration(0)
		if err != nil {
			wait = 3 * time.Second // did the importer exit under it?
		}
		select {
		case importErr = <-exited:
			finished = true
		case <-time.After(wait):
		}
		if t0, ok := impOut.first(); ok && t0.Before(ended) {
			// The import had ended and its process was stopping its
			// server: this call overlapped the owner's exit.
			break
		}
		if err != nil {
			log, _ := os.ReadFile(filepath.Join(data, "runtime", "logs", "ollama.log"))
			t.Fatalf("%v during the import: %v\nimport: %s\nserver log:\n%s", args, err, impErr.String(), tail(string(log), 40))
		}
		if args[0] == "models" && !strings.Contains(out, core.DemoModelName) {
			t.Errorf("%v during the import: %q lacks the demo model", args, out)
		}
		calledDuring[pid] = true
		done++
	}
	if !finished {
		importErr = <-exited
	}
	took := time.Since(began)
	t.Logf("import: uploading after %s, done after %s; %d calls from other processes meanwhile", uploading.Round(time.Millisecond), took.Round(time.Millisecond), done)
	if importErr != nil {
		t.Fatalf("import: %v\n%s", importErr, impErr.String())
	}
	if done < 3 {
		t.Fatalf("only %d calls ran during the import: make it bigger", done)
	}
	starts := serverStarts(t, data)[before:]
	byImporter, byCalls := 0, 0
	for _, pid := range starts {
		switch {
		case pid == importer.Process.Pid:
			byImporter++
		case calledDuring[pid]:
			byCalls++
		}
	}
	t.Logf("servers started: %d by the importing process, %d by the %d calls during the import (start lines by pid: %v)", byImporter, byCalls, done, starts)
	if byImporter != 1 || byCalls != 0 {
		log, _ := os.ReadFile(filepath.Join(data, "runtime", "logs", "ollama.log"))
		for _, l := range strings.Split(string(log), "\n") {
			if strings.HasPrefix(l, "===") {
				t.Log(l)
			}
		}
		t.Errorf("servers started: %d by the importing process, %d by the calls; want 1 and 0", byImporter, byCalls)
	}
	out, _, err := run("models", "list")
	if err != nil || !strings.Contains(out, "big:latest") {
		t.Fatalf("after the import: %v %q", err, out)
	}
}

// syncBuffer is a bytes.Buffer a child process writes while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	t0 time.Time // of the first write
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.t0.IsZero() {
		s.t0 = time.Now()
	}
	return s.b.Write(p)
}

// first is when the first bytes were written.
func (s *syncBuffer) first() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.t0, !s.t0.IsZero()
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
