package app

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// ollamaServer is an `ollama serve` of the test's own, on a loopback port,
// serving the models of a data dir's managed runtime.
type ollamaServer struct {
	URL string
	cmd *exec.Cmd
}

// startOllama starts `ollama serve` in a process group of its own on a
// free loopback port, with the models of dataDir's runtime (the demo
// model), and waits until it answers. It is killed when the test ends.
func startOllama(t testing.TB, dataDir string) *ollamaServer {
	t.Helper()
	bin, err := inference.FindBinary("")
	if err != nil {
		t.Skipf("no ollama: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "OLLAMA_HOST="+host, "OLLAMA_NO_CLOUD=1", "OLLAMA_NOPRUNE=1",
		"OLLAMA_MODELS="+filepath.Join(dataDir, "runtime", "models"), "OLLAMA_NUM_PARALLEL=4", "OLLAMA_KEEP_ALIVE=10m")
	logf, err := os.Create(filepath.Join(t.TempDir(), "ollama.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &ollamaServer{URL: "http://" + host, cmd: cmd}
	t.Cleanup(func() { s.kill(); logf.Close() })
	for deadline := time.Now().Add(time.Minute); ; {
		resp, err := http.Get(s.URL + "/api/version")
		if err == nil {
			resp.Body.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("ollama serve at %s never answered: %v", host, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill sends SIGKILL to the server and its model runners.
func (s *ollamaServer) kill() {
	if s.cmd.Process != nil {
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		s.cmd.Wait()
	}
}

// TestBatchSurvivesKilledEndpoint: a batch shared by two real `ollama
// serve`s, one as Ollama and one through its OpenAI-compatible /v1; the
// Ollama one is killed (SIGKILL) with runs in flight. The other answers
// the rest: every run is in the file exactly once, ok, and each row
// names the server that answered, without credentials.
func TestBatchSurvivesKilledEndpoint(t *testing.T) {
	demo := demoDataDir(t)
	a, b := startOllama(t, demo), startOllama(t, demo)
	m := dicomBatch(t)
	out := filepath.Join(m, "out.jsonl")
	urlA := strings.Replace(a.URL, "http://", "http://lab:s3cret@", 1)
	args := []string{"--data-dir", t.TempDir(), "batch", "--manifest", filepath.Join(m, "manifest.jsonl"),
		"--prompts", filepath.Join(m, "prompts.yaml"), "--model", inference.DemoModelName, "--repeat", "2",
		"--num-predict", "8", "--seed", "1", "--temperature", "0", "--concurrency", "2",
		"--endpoint", "ollama+" + urlA, "--endpoint", b.URL + "/v1", "--out", out}
	const total = 5 * 2 * 2
	killed := make(chan int, 1)
	go func() {
		for deadline := time.Now().Add(3 * time.Minute); lines(out) < 2 && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
		a.kill()
		killed <- lines(out)
	}()
	var stdout, stderr bytes.Buffer
	c := &cli{stdout: &stdout, stderr: &stderr}
	start := time.Now()
	err := c.run(args)
	t.Logf("%s: %v\n%s", time.Since(start).Round(time.Millisecond), err, stderr.String())
	if err != nil {
		t.Fatal(err)
	}
	at := <-killed
	rows := consistentRows(t, out)
	if len(rows) != total {
		t.Fatalf("%d rows, want %d", len(rows), total)
	}
	by := map[string]int{}
	moved := 0
	for _, r := range rows {
		by[r.Backend+" "+r.Endpoint]++
		moved += r.Moved
		if strings.Contains(r.Endpoint, "s3cret") || strings.Contains(r.Endpoint, "lab@") {
			t.Errorf("row %s: endpoint %q carries the credentials", r.Key, r.Endpoint)
		}
	}
	t.Logf("killed %s after %d rows; rows by endpoint %v; %d moved", a.URL, at, by, moved)
	// Under load the killed server may not have finished a run before it
	// died; what it had in flight must have moved.
	if by["ollama "+a.URL]+by["openai "+b.URL+"/v1"] != total || by["openai "+b.URL+"/v1"] == 0 || moved == 0 {
		t.Errorf("rows by endpoint %v, %d moved: want every row from the two servers and runs moved off %s", by, moved, a.URL)
	}
	if !strings.Contains(stderr.String(), "not answering") {
		t.Errorf("stderr does not say the endpoint went down: %s", stderr.String())
	}

	// Resumed with the dead server still named: nothing to do.
	stderr.Reset()
	if err := c.run(args); err != nil {
		t.Fatalf("resume: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), fmt.Sprintf("%d of %d runs already", total, total)) {
		t.Errorf("resume: %s", stderr.String())
	}
	if n := len(consistentRows(t, out)); n != total {
		t.Errorf("%d rows after resuming, want %d", n, total)
	}
}

// TestEndpointsFile: the endpoints file's kinds, concurrency, weights and
// keys from the environment; a key is never in the file.
func TestEndpointsFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "endpoints.yaml")
	os.WriteFile(path, []byte("endpoints:\n  - url: http://gpu1:8000/v1\n    concurrency: 8\n    weight: 2\n    api_key_env: MGW_TEST_KEY\n  - url: ollama+http://127.0.0.1:11434\n"), 0o600)
	t.Setenv("MGW_TEST_KEY", "k1")
	eps, err := batch.LoadEndpoints(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) != 2 || eps[0].Kind != batch.KindOpenAI || eps[0].APIKey != "k1" || eps[0].Concurrency != 8 || eps[0].Weight != 2 ||
		eps[1].Kind != batch.KindOllama || eps[1].URL != "http://127.0.0.1:11434" {
		t.Errorf("endpoints %+v", eps)
	}
	os.WriteFile(path, []byte("endpoints:\n  - url: http://gpu1:8000/v1\n    api_key: inline\n"), 0o600)
	if _, err := batch.LoadEndpoints(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("a key in the file: %v, want an error naming %s", err, path)
	}
	_, err = runCLI("batch", "--manifest", "m.jsonl", "--prompts", "p.yaml", "--out", filepath.Join(dir, "o.jsonl"), "--model", "x",
		"--endpoint", "http://a/v1", "--endpoint", "http://b/v1", "--api-key", "k")
	if ExitCode(err) != 2 || !strings.Contains(err.Error(), "every server") {
		t.Errorf("--api-key with two endpoints: %v", err)
	}
}
