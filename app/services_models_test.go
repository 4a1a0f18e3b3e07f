package app

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/ui"
)

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
	var demo core.Facts
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
	if st.Phase != core.PhaseReady || st.Version == "" || sum == "" {
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
	err = b.Pull(ctx, name, 17*time.Millisecond, func(core.Progress) { updates++ })
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
	err = b.Import(ctx, core.ImportSpec{Name: "x", GGUF: bad}, nil)
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
	if !errors.Is(missing, inference.ErrRuntimeNotFound) || !strings.Contains(missing.Error(), core.SetupCommand) {
		t.Errorf("RuntimeMissing = %v", missing)
	}
	if st := s.RuntimeState(); st.Phase != core.PhaseFailed {
		t.Errorf("state %+v, want failed", st)
	}
	if _, err := s.ModelFacts(ctx); !errors.Is(err, inference.ErrRuntimeNotFound) {
		t.Errorf("ModelFacts: %v", err)
	}
}
