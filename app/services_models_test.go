package app

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/ui"
)

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

	a := ask(t, "--data-dir", dir, "--num-gpu", "0", "--keep-alive", "90s", "--model", inference.DemoModelName,
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
	r := cfg.requestDefaults(inference.Request{Prompt: "hi"})
	if r.Options.NumGPU == nil || *r.Options.NumGPU != 1 || r.Options.NumCtx != 8192 || r.KeepAlive == nil || *r.KeepAlive != time.Minute {
		t.Errorf("defaults not applied: %+v keep %v", r.Options, r.KeepAlive)
	}
	zero := 0
	r = cfg.requestDefaults(inference.Request{Options: inference.Options{NumGPU: &zero, NumCtx: 2048}})
	if *r.Options.NumGPU != 0 || r.Options.NumCtx != 2048 {
		t.Errorf("a request's own options were overridden: %+v", r.Options)
	}
	// A default context too small for the images is left to the
	// pre-flight check to raise.
	small := Config{NumCtx: 1024}
	r = small.requestDefaults(inference.Request{Images: make([]inference.Image, 2)})
	if r.Options.NumCtx != 0 {
		t.Errorf("num_ctx %d for two images, want it left unset", r.Options.NumCtx)
	}
}

func TestSettingsFillWhatFlagsLeave(t *testing.T) {
	two := 2
	set := ui.Settings{DataDir: "/prefs/data", RuntimeMode: ui.RuntimeAttach, OllamaURL: "http://gpu-box:11434",
		OllamaToken: "tok", NumCtx: 8192, KeepAlive: time.Hour, NumGPU: &two, Parallel: 4}
	noEnv := func(string) string { return "" }

	var cfg Config
	applySettings(&cfg, set, noEnv)
	if cfg.DataDir != "/prefs/data" || cfg.OllamaURL != "http://gpu-box:11434" || cfg.OllamaToken != "tok" ||
		cfg.NumCtx != 8192 || cfg.KeepAlive != time.Hour || *cfg.NumGPU != 2 || cfg.NumParallel != 4 {
		t.Errorf("from settings: %+v", cfg)
	}

	zero := 0
	cfg = Config{DataDir: "/flag", OllamaURL: "http://flag:1", NumGPU: &zero, NumParallel: 1, KeepAlive: time.Second}
	applySettings(&cfg, set, noEnv)
	if cfg.DataDir != "/flag" || cfg.OllamaURL != "http://flag:1" || cfg.OllamaToken != "" || *cfg.NumGPU != 0 ||
		cfg.NumParallel != 1 || cfg.KeepAlive != time.Second {
		t.Errorf("flags must win: %+v", cfg)
	}

	env := map[string]string{EnvDataDir: "/env", "OLLAMA_HOST": "envhost:1"}
	cfg = Config{}
	applySettings(&cfg, set, func(k string) string { return env[k] })
	if cfg.DataDir != "" || cfg.OllamaURL != "" {
		t.Errorf("the environment must win (resolve reads it): %+v", cfg)
	}

	cfg = Config{}
	managed := set
	managed.RuntimeMode = ui.RuntimeManaged
	applySettings(&cfg, managed, noEnv)
	if cfg.OllamaURL != "" || cfg.OllamaToken != "" {
		t.Errorf("managed mode attached to %q", cfg.OllamaURL)
	}
}

// TestGUIBackend drives the Models tab's back end on the real runtime:
// facts with capabilities, the devices ("CPU only" without a GPU), a
// pull from an unreachable registry that fails clearly and registers
// nothing, an import of a file that is no GGUF, and removal.
func TestGUIBackend(t *testing.T) {
	dir := demoDataDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := NewServices(ctx, Config{DataDir: dir}, KindGUI)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var b ui.Backend = s

	facts, err := b.ModelFacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var demo inference.Facts
	for _, f := range facts {
		if inference.IsDemo(f.Name) {
			demo = f
		}
	}
	if !demo.Demo || !demo.Can("vision") || demo.ContextLength == 0 || demo.Digest == "" {
		t.Errorf("demo model facts %+v", demo)
	}
	st := b.RuntimeState()
	sum := inference.ComputeSummary(st.Compute)
	t.Logf("runtime %s %s %s: %s", st.Mode, st.URL, st.Version, sum)
	if st.Phase != inference.PhaseReady || st.Version == "" || sum == "" {
		t.Errorf("state %+v", st)
	}
	if _, err := os.Stat("/dev/nvidia0"); err != nil && sum != "CPU only" {
		t.Errorf("devices %q, want CPU only", sum)
	}
	if _, err := b.Loaded(ctx); err != nil {
		t.Error(err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	name := l.Addr().String() + "/library/medgemma:4b"
	l.Close()
	var updates int
	err = b.Pull(ctx, name, 17*time.Millisecond, func(inference.Progress) { updates++ })
	t.Logf("pull: %v (%d updates)", err, updates)
	if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "cannot download") {
		t.Errorf("pull from an unreachable registry: %v", err)
	}
	after, _ := b.ModelFacts(ctx)
	for _, f := range after {
		if strings.Contains(f.Name, "library/medgemma") {
			t.Errorf("a half-pulled model %s is registered", f.Name)
		}
	}

	bad := filepath.Join(t.TempDir(), "notes.gguf")
	os.WriteFile(bad, []byte("not a model"), 0o600)
	err = b.Import(ctx, inference.ImportSpec{Name: "x", GGUF: bad}, nil)
	if !errors.Is(err, inference.ErrBadModelFile) || !strings.Contains(err.Error(), bad) {
		t.Errorf("import of a non-GGUF: %v", err)
	}
	if err := b.RemoveModel(ctx, "no-such-model"); !errors.Is(err, inference.ErrUnknownModel) {
		t.Errorf("remove of an unknown model: %v", err)
	}
	out, err := runCLI("--data-dir", dir, "models", "ps")
	if err != nil || !strings.Contains(out, "\ncompute: "+sum+"\n") {
		t.Errorf("models ps printed %q (%v), want a compute line saying %q", out, err, sum)
	}
}

// TestGUIOpensWithoutRuntime: the desktop's services open when the
// runtime binary is missing, and say how to set it up; the CLI's refuse.
func TestGUIOpensWithoutRuntime(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{DataDir: dir, OllamaBin: filepath.Join(dir, "no-ollama")}
	ctx := context.Background()
	if _, err := NewServices(ctx, cfg, "cli models list"); !errors.Is(err, inference.ErrRuntimeNotFound) {
		t.Fatalf("cli: %v, want ErrRuntimeNotFound", err)
	}
	s, err := NewServices(ctx, cfg, KindGUI)
	if err != nil {
		t.Fatalf("gui: %v", err)
	}
	defer s.Close()
	missing := s.RuntimeMissing()
	if !errors.Is(missing, inference.ErrRuntimeNotFound) || !strings.Contains(missing.Error(), inference.SetupCommand) {
		t.Errorf("RuntimeMissing = %v", missing)
	}
	if st := s.RuntimeState(); st.Phase != inference.PhaseFailed {
		t.Errorf("state %+v, want failed", st)
	}
	if _, err := s.ModelFacts(ctx); !errors.Is(err, inference.ErrRuntimeNotFound) {
		t.Errorf("ModelFacts: %v", err)
	}
}
