package app

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestOllamaDebugFlag: only --ollama-debug turns the managed runtime's
// debug log (which holds prompts) on.
func TestOllamaDebugFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"models", "list"}, false},
		{[]string{"--ollama-debug", "models", "list"}, true},
		{[]string{"--ollama-debug=false"}, false},
	} {
		var cfg Config
		fs := newFlags("medgemma-workbench", &cfg)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if got := cfg.runtimeConfig().Debug; got != tc.want {
			t.Errorf("%v: Debug = %v, want %v", tc.args, got, tc.want)
		}
	}
}

// TestWorkbenchLogIsCapped: a workbench.log past the cap is rotated when
// the services open.
func TestWorkbenchLogIsCapped(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	os.MkdirAll(logs, 0o700)
	old := strings.Repeat("x", 11<<20)
	os.WriteFile(filepath.Join(logs, "workbench.log"), []byte(old), 0o600)
	s, err := NewServices(t.Context(), Config{DataDir: dir, NoRuntime: true}, "test")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	cur, _ := os.Stat(filepath.Join(logs, "workbench.log"))
	prev, _ := os.Stat(filepath.Join(logs, "workbench.log.1"))
	if cur == nil || prev == nil || prev.Size() != int64(len(old)) || cur.Size() == 0 || cur.Size() > 4096 {
		t.Fatalf("workbench.log %v, .1 %v: want the old log in .1 and a fresh one", cur, prev)
	}
	t.Logf("workbench.log %d bytes, workbench.log.1 %d bytes", cur.Size(), prev.Size())
}

// TestRuntimeFlags: --keep-alive, --num-gpu and --parallel reach the
// managed server's environment and every request's options, and are
// logged with the run.
func TestRuntimeFlags(t *testing.T) {
	var cfg Config
	pos, err := parse(newFlags("test", &cfg), []string{"--keep-alive", "90s", "ask", "--num-gpu", "0", "--parallel", "3"})
	if err != nil || len(pos) != 1 {
		t.Fatalf("parse: %v %v", pos, err)
	}
	if cfg.KeepAlive != 90*time.Second || cfg.NumGPU == nil || *cfg.NumGPU != 0 || cfg.NumParallel != 3 {
		t.Fatalf("config %+v", cfg)
	}
	for _, bad := range [][]string{{"--num-gpu", "all"}, {"--keep-alive", "5"}, {"--parallel", "x"}} {
		if _, err := runCLI(append(bad, "models", "list")...); ExitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", bad, ExitCode(err), err)
		}
	}

	dir := demoDataDir(t)
	if runtime.GOOS == "linux" {
		cfg.DataDir = dir
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		s, err := NewServices(ctx, cfg, "test")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Runtime().Start(ctx); err != nil {
			t.Fatal(err)
		}
		env, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(s.Runtime().PID()), "environ"))
		if err != nil {
			t.Fatal(err)
		}
		vars := strings.Split(string(env), "\x00")
		for _, want := range []string{"OLLAMA_NUM_PARALLEL=3", "OLLAMA_KEEP_ALIVE=1m30s"} {
			if !contains(vars, want) {
				t.Errorf("the server's environment lacks %s", want)
			}
		}
		s.Close()
	}

	a := ask(t, "--data-dir", dir, "--num-gpu", "0", "--keep-alive", "90s", "--model", core.DemoModelName,
		"--prompt", "Say hi", "--num-predict", "4", "--seed", "1")
	run, err := openHistory(t, dir).Run(context.Background(), a.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Options.NumGPU == nil || *run.Options.NumGPU != 0 {
		t.Errorf("logged options %+v, want num_gpu 0", run.Options)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestRequestDefaults(t *testing.T) {
	one := 1
	cfg := Config{NumGPU: &one, NumCtx: 8192, KeepAlive: time.Minute}
	r := cfg.requestDefaults(core.Request{Prompt: "hi"})
	if r.Options.NumGPU == nil || *r.Options.NumGPU != 1 || r.Options.NumCtx != 8192 || r.KeepAlive == nil || *r.KeepAlive != time.Minute {
		t.Errorf("defaults not applied: %+v keep %v", r.Options, r.KeepAlive)
	}
	zero := 0
	r = cfg.requestDefaults(core.Request{Options: core.Options{NumGPU: &zero, NumCtx: 2048}})
	if *r.Options.NumGPU != 0 || r.Options.NumCtx != 2048 {
		t.Errorf("a request's own options were overridden: %+v", r.Options)
	}
	// A default context too small for the images is left to the
	// pre-flight check to raise.
	small := Config{NumCtx: 1024}
	r = small.requestDefaults(core.Request{Images: make([]core.Image, 2)})
	if r.Options.NumCtx != 0 {
		t.Errorf("num_ctx %d for two images, want it left unset", r.Options.NumCtx)
	}
}
