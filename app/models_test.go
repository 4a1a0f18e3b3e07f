package app

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/inference/demomodel"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

func listFacts(t *testing.T, dir string) map[string]core.Facts {
	t.Helper()
	out, err := runCLI("--data-dir", dir, "models", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	facts := map[string]core.Facts{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var f core.Facts
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("models list --json line %q: %v", line, err)
		}
		facts[strings.TrimSuffix(f.Name, ":latest")] = f
	}
	return facts
}

// TestTextOnlyGGUFRefusesImages imports a GGUF converted without the
// vision tower: it imports, and an image sent to it fails before anything
// is sent, with exit code 2 and a message saying why and what to do.
func TestTextOnlyGGUFRefusesImages(t *testing.T) {
	dir := demoDataDir(t)
	gguf := filepath.Join(t.TempDir(), "text-only.gguf")
	if _, err := demomodel.WriteTextOnly(gguf); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI("--data-dir", dir, "models", "import", "--name", "medgemma-no-vision", "--gguf", gguf); err != nil {
		t.Fatalf("import: %v", err)
	}
	facts := listFacts(t, dir)
	if f := facts["medgemma-no-vision"]; f.Name == "" || f.Can("vision") || !f.Can("completion") {
		t.Errorf("text-only model facts %+v", f)
	}
	if f := facts[core.DemoModelName]; !f.Can("vision") || f.ContextLength != demomodel.ContextLength || f.ParameterCount == 0 {
		t.Errorf("demo model facts %+v", f)
	}

	_, err := runCLI("--data-dir", dir, "ask", "--model", "medgemma-no-vision", "--image", dicomtest.File(t, "4.dcm"), "--prompt", "Describe")
	t.Logf("ask with an image: exit %d: %v", ExitCode(err), err)
	if ExitCode(err) != 2 || !errors.Is(err, inference.ErrNoVision) {
		t.Fatalf("exit %d, err %v; want exit 2 and ErrNoVision", ExitCode(err), err)
	}
	for _, want := range []string{"medgemma-no-vision", "vision", "models import"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	h := openHistory(t, dir)
	runs, herr := h.Runs(context.Background(), 1)
	if herr != nil || len(runs) != 1 || runs[0].Model != "medgemma-no-vision" || runs[0].EvalCount != 0 || runs[0].Status != core.StatusError {
		t.Errorf("refused run logged as %+v (%v), want an error with nothing generated", runs, herr)
	}

	if _, err := runCLI("--data-dir", dir, "models", "rm", "medgemma-no-vision"); err != nil {
		t.Fatal(err)
	}
	_, err = runCLI("--data-dir", dir, "models", "rm", "medgemma-no-vision")
	if ExitCode(err) != 2 {
		t.Errorf("rm of a removed model: exit %d, %v", ExitCode(err), err)
	}
}

// TestImportSafetensorsCLI imports the generated Hugging Face checkpoint
// of Gemma3ForConditionalGeneration through the CLI with --quantize q8_0:
// it lists with the vision capability and Q8_0, and asking it with 4.dcm
// adds at least 256 prompt tokens to the same prompt without the image.
func TestImportSafetensorsCLI(t *testing.T) {
	dir := demoDataDir(t)
	hf := t.TempDir()
	if err := demomodel.WriteHF(hf); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI("--data-dir", dir, "models", "import", "--name", "medgemma-hf-q8", "--safetensors", hf, "--quantize", "q8_0"); err != nil {
		t.Fatalf("models import --safetensors: %v", err)
	}
	t.Cleanup(func() { runCLI("--data-dir", dir, "models", "rm", "medgemma-hf-q8") })
	f := listFacts(t, dir)["medgemma-hf-q8"]
	t.Logf("imported: %+v", f)
	if !f.Can("vision") || f.Quantization != "Q8_0" || f.ContextLength != demomodel.ContextLength {
		t.Fatalf("imported model %+v, want vision, Q8_0, context %d", f, demomodel.ContextLength)
	}
	base := []string{"--data-dir", dir, "--model", "medgemma-hf-q8", "--prompt", "Describe this X-ray", "--num-predict", "2", "--seed", "1"}
	without := ask(t, base...)
	with := ask(t, append(base, "--image", dicomtest.File(t, "4.dcm"))...)
	t.Logf("prompt tokens: %d with 4.dcm, %d without", with.PromptEvalCount, without.PromptEvalCount)
	if d := with.PromptEvalCount - without.PromptEvalCount; d < core.ImageTokens {
		t.Errorf("the image added %d prompt tokens, want ≥ %d", d, core.ImageTokens)
	}
}

func TestModelsUsageAndBadFiles(t *testing.T) {
	dir := demoDataDir(t)
	for _, args := range [][]string{
		{"models"}, {"models", "nope"}, {"models", "pull"}, {"models", "import", "--name", "x"},
		{"models", "import", "--gguf", "a", "--safetensors", "b", "--name", "x"},
	} {
		if _, err := runCLI(append([]string{"--data-dir", dir}, args...)...); ExitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, ExitCode(err), err)
		}
	}
	bad := filepath.Join(t.TempDir(), "notes.gguf")
	os.WriteFile(bad, []byte("not a model"), 0o600)
	_, err := runCLI("--data-dir", dir, "models", "import", "--name", "x", "--gguf", bad)
	if ExitCode(err) != 2 || !strings.Contains(err.Error(), bad) {
		t.Errorf("import of a non-GGUF: exit %d, %v", ExitCode(err), err)
	}
}

func TestPullUnreachableRegistryCLI(t *testing.T) {
	dir := demoDataDir(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	name := l.Addr().String() + "/library/medgemma:4b"
	l.Close()
	_, err = runCLI("--data-dir", dir, "models", "pull", name)
	t.Logf("pull: exit %d: %v", ExitCode(err), err)
	if ExitCode(err) != 1 || !strings.Contains(err.Error(), "cannot download") {
		t.Fatalf("exit %d, %v", ExitCode(err), err)
	}
	for n := range listFacts(t, dir) {
		if strings.Contains(n, "library/medgemma") {
			t.Errorf("a half-pulled model %s is registered", n)
		}
	}
}

// TestRunnerKilledMidGeneration kills the model runner 20 times while it
// streams: each time the caller gets an error within 5 s, the partial
// answer is in history, and the next request succeeds.
func TestRunnerKilledMidGeneration(t *testing.T) {
	dir := demoDataDir(t)
	ctx := context.Background()
	s, err := NewServices(ctx, Config{DataDir: dir}, "test faults")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := openHistory(t, dir)
	seed := 7
	long := core.Request{Model: core.DemoModelName, Prompt: "Describe at length", Options: core.Options{NumPredict: 4000, Seed: &seed}}
	short := core.Request{Model: core.DemoModelName, Prompt: "Again", Options: core.Options{NumPredict: 4}}
	const trials = 20
	var worst time.Duration
	for i := range trials {
		var killedAt time.Time
		chunks := 0
		id, res, err := s.Ask(ctx, long, func(string) {
			chunks++
			if chunks == 2 {
				for _, pid := range s.Runtime().RunnerPIDs() {
					syscall.Kill(pid, syscall.SIGKILL)
				}
				killedAt = time.Now()
			}
		})
		if killedAt.IsZero() {
			t.Fatalf("trial %d: the answer ended after %d chunks before the kill: %+v %v", i+1, chunks, res, err)
		}
		took := time.Since(killedAt)
		worst = max(worst, took)
		if err == nil || res.Status != core.StatusError {
			t.Fatalf("trial %d: status %s, err %v; want an error", i+1, res.Status, err)
		}
		if took > 5*time.Second {
			t.Errorf("trial %d: the error came %s after the kill, want ≤ 5 s", i+1, took)
		}
		run, herr := h.Run(ctx, id)
		if herr != nil {
			t.Fatal(herr)
		}
		if run.Output == "" || run.Output != res.Output || run.Status != core.StatusError || run.Error == "" {
			t.Errorf("trial %d: history has status %s, output %q, error %q; want the partial answer %q", i+1, run.Status, run.Output, run.Error, res.Output)
		}
		if i == 0 {
			t.Logf("error after the kill: %v", err)
		}
		if _, res, err := s.Ask(ctx, short, nil); err != nil || res.Status != core.StatusOK {
			t.Fatalf("trial %d: the request after the kill: %v", i+1, err)
		}
	}
	t.Logf("%d of %d kills: error within %s at worst, partial answer in history, next request ok", trials, trials, worst.Round(time.Millisecond))
}

// TestAskReportsTruncationAndNumCtx: an answer cut off by num_predict is
// reported as truncated, and num_ctx is always set explicitly.
func TestAskReportsTruncationAndNumCtx(t *testing.T) {
	dir := demoDataDir(t)
	out, err := runCLI("--data-dir", dir, "ask", "--json", "--model", core.DemoModelName, "--prompt", "Describe", "--num-predict", "3", "--seed", "1")
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		DoneReason string `json:"done_reason"`
		Truncated  bool   `json:"truncated"`
		NumCtx     int    `json:"num_ctx"`
	}
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if a.DoneReason != "length" || !a.Truncated || a.NumCtx != 4096 {
		t.Errorf("ask --num-predict 3: %s; want done_reason length, truncated, num_ctx 4096", out)
	}
}
