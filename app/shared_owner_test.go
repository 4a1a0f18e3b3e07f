package app

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// ownerSetup is a data dir with the demo model, and an owner: a workbench
// process whose long answer keeps the managed server it started; it
// returns once the server is recorded and answers.
func ownerSetup(t *testing.T) (bin, data string, owner *exec.Cmd, rec inference.ServerRecord) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: runs the workbench binary and ollama serve")
	}
	bin = binary(t)
	data = filepath.Join(t.TempDir(), "data")
	if out, err := exec.Command(bin, "--data-dir", data, "models", "demo").CombinedOutput(); err != nil {
		t.Fatalf("models demo: %v\n%s", err, out)
	}
	// --parallel: the others' requests run beside the owner's, not after.
	owner = exec.Command(bin, "--data-dir", data, "--parallel", "8", "ask", "--model", core.DemoModelName,
		"--prompt", "Tell me a long story.", "--num-predict", "4000", "--temperature", "1", "--seed", "7")
	if err := owner.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Process.Kill(); owner.Wait() })
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		r, err := inference.ReadServerRecord(filepath.Join(data, "runtime"))
		if err == nil && r.OwnerPID == owner.Process.Pid {
			if resp, err := http.Get(r.URL + "/api/version"); err == nil {
				resp.Body.Close()
				return bin, data, owner, r
			}
		}
		if time.Since(start) > 2*time.Minute {
			t.Fatal("the owner's server never came up")
		}
	}
}

// leases counts the requests other processes have in flight on the
// owner's server.
func leases(data string) int {
	e, _ := os.ReadDir(filepath.Join(data, "runtime", "leases"))
	return len(e)
}

// TestOwnerExitLetsFourAsksFinish (issue 26, item 3): four `ask`
// processes answer through the server another process owns; that owner
// is stopped with Ctrl-C while they are mid-answer; all four finish.
func TestOwnerExitLetsFourAsksFinish(t *testing.T) {
	bin, data, owner, _ := ownerSetup(t)
	type done struct {
		out, stderr []byte
		err         error
	}
	ends := make(chan done, 4)
	for i := range 4 {
		cmd := exec.Command(bin, "--data-dir", data, "ask", "--model", core.DemoModelName, "--prompt", "Describe a chest X-ray.",
			"--num-predict", "100", "--temperature", "1", "--seed", strconv.Itoa(i+1), "--json")
		go func() {
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			ends <- done{out, stderr.Bytes(), err}
		}()
	}
	for start := time.Now(); leases(data) < 4; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 2*time.Minute {
			t.Fatalf("the four asks never were all in flight (%d leases)", leases(data))
		}
	}
	owner.Process.Signal(os.Interrupt) // the owner exits while they answer
	for range 4 {
		d := <-ends
		var res struct {
			Status    string `json:"status"`
			EvalCount int    `json:"eval_count"`
		}
		if d.err != nil || json.Unmarshal(d.out, &res) != nil || res.Status != "ok" || res.EvalCount == 0 {
			t.Errorf("an ask in flight when the owner exited: %v, %s %s", d.err, d.out, d.stderr)
		}
	}
	owner.Wait()
}

// TestFollowerNeverSendsToAFreedPort (issue 26, item 2): a batch in
// another process uses the owner's server; the owner dies (kill -9, its
// server with it) and a listener of our own takes the freed port at once;
// the batch's requests never reach it (it takes over with a server of its
// own, and retries the request that was cut off), and every row is ok.
func TestFollowerNeverSendsToAFreedPort(t *testing.T) {
	bin, data, owner, rec := ownerSetup(t)
	m := dicomBatch(t)
	out := filepath.Join(m, "out.jsonl")
	b := exec.Command(bin, "--data-dir", data, "batch", "--manifest", filepath.Join(m, "manifest.jsonl"),
		"--prompts", filepath.Join(m, "prompts.yaml"), "--model", core.DemoModelName, "--num-predict", "8",
		"--seed", "1", "--temperature", "0", "--out", out)
	var stderr bytes.Buffer
	b.Stderr = &stderr
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); lines(out) < 1; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 2*time.Minute {
			t.Fatalf("the batch wrote no row: %s", stderr.String())
		}
	}
	owner.Process.Signal(syscall.SIGKILL)
	owner.Wait()
	var l net.Listener
	var err error
	for start := time.Now(); ; time.Sleep(5 * time.Millisecond) {
		if l, err = net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(rec.Port))); err == nil {
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("the owner's port %d was never freed: %v", rec.Port, err)
		}
	}
	var heard atomic.Int64
	imposter := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		heard.Add(1)
		w.Write([]byte(`{"version":"0.17.4"}`))
	})}
	go imposter.Serve(l)
	defer imposter.Close()
	if err := b.Wait(); err != nil {
		t.Fatalf("the batch: %v\n%s", err, stderr.String())
	}
	rows, _, err := batch.ReadRows(out)
	if err != nil || len(rows) != 10 {
		t.Fatalf("%d rows, %v", len(rows), err)
	}
	for _, r := range rows {
		if r.Status != "ok" {
			t.Errorf("row %s/%s: %s %s", r.ItemID, r.PromptName, r.Status, r.Error)
		}
	}
	if n := heard.Load(); n != 0 {
		t.Errorf("the listener on the freed port received %d requests", n)
	}
}
