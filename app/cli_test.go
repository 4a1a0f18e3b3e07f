package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/pacs/pacstest"
)

var (
	demoOnce sync.Once
	demoDir  string
	demoErr  error
)

// demoDataDir is a data dir shared by the tests of this package, with the
// demo model installed once.
func demoDataDir(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts the managed runtime (ollama serve) to install the demo model")
	}
	demoOnce.Do(func() {
		demoDir, demoErr = os.MkdirTemp("", "mgw-app-test-")
		if demoErr != nil {
			return
		}
		_, demoErr = runCLI("--data-dir", demoDir, "models", "demo")
	})
	if demoErr != nil {
		t.Fatalf("install demo model: %v", demoErr)
	}
	return demoDir
}

func TestMain(m *testing.M) {
	code := pacstest.Main(m) // runs the tests, then stops the shared PACS
	if demoDir != "" {
		os.RemoveAll(demoDir)
	}
	os.Exit(code)
}

// runCLI runs the CLI in-process and returns its stdout.
func runCLI(args ...string) (string, error) {
	var out, errb bytes.Buffer
	c := &cli{stdout: &out, stderr: &errb}
	err := c.run(args)
	return out.String(), err
}

type askJSON struct {
	RunID           int64    `json:"run_id"`
	Model           string   `json:"model"`
	ModelDigest     string   `json:"model_digest"`
	RuntimeVersion  string   `json:"runtime_version"`
	ImageSHA256     []string `json:"image_sha256"`
	PromptEvalCount int      `json:"prompt_eval_count"`
	EvalCount       int      `json:"eval_count"`
	Output          string   `json:"output"`
	DoneReason      string   `json:"done_reason"`
	Status          string   `json:"status"`
	Chunks          int      `json:"chunks"`
	TotalDurationMS int64    `json:"total_duration_ms"`
	PromptVersion   string   `json:"prompt_version"`
}

func ask(t *testing.T, args ...string) askJSON {
	t.Helper()
	out, err := runCLI(append([]string{"ask", "--json"}, args...)...)
	if err != nil {
		t.Fatalf("ask %v: %v", args, err)
	}
	var a askJSON
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("ask --json printed %q: %v", out, err)
	}
	return a
}

func openHistory(t *testing.T, dataDir string) *history.Store {
	t.Helper()
	h, err := history.Open(filepath.Join(dataDir, "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func TestAskWithDICOMImage(t *testing.T) {
	dir := demoDataDir(t)
	cr := dicomtest.File(t, "4.dcm")

	out, err := runCLI("prepare", cr, "--out", filepath.Join(t.TempDir(), "in.png"), "--json")
	if err != nil {
		t.Fatal(err)
	}
	var prep struct {
		SHA256        string `json:"sha256"`
		Width, Height int
	}
	if err := json.Unmarshal([]byte(out), &prep); err != nil || prep.Width != 896 || prep.Height != 896 {
		t.Fatalf("prepare --json = %s (%v)", out, err)
	}

	common := []string{"--data-dir", dir, "--model", core.DemoModelName, "--system", "You are an expert radiologist.",
		"--prompt", "Describe this X-ray", "--seed", "1", "--temperature", "0", "--num-predict", "12"}
	with := ask(t, append(common, "--image", cr)...)
	without := ask(t, common...)
	t.Logf("prompt_eval_count: %d with the image, %d without; %d chunks; %d ms", with.PromptEvalCount, without.PromptEvalCount, with.Chunks, with.TotalDurationMS)

	if d := with.PromptEvalCount - without.PromptEvalCount; d < 256 {
		t.Errorf("the image added %d prompt tokens, want ≥ 256", d)
	}
	if with.Chunks < 2 {
		t.Errorf("answer arrived in %d chunks, want ≥ 2 (streamed)", with.Chunks)
	}
	if len(with.ImageSHA256) != 1 || with.ImageSHA256[0] != prep.SHA256 {
		t.Errorf("ask sent image %v, prepare printed %s", with.ImageSHA256, prep.SHA256)
	}
	if with.Status != "ok" || with.ModelDigest == "" || with.RuntimeVersion != core.RuntimeVersion {
		t.Errorf("ask result = %+v", with)
	}

	h := openHistory(t, dir)
	run, err := h.Run(context.Background(), with.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.ImageSHA256) != 1 || run.ImageSHA256[0] != prep.SHA256 {
		t.Errorf("history has image %v, prepare printed %s", run.ImageSHA256, prep.SHA256)
	}
	if run.Status != core.StatusOK || run.Output != with.Output || run.Model != core.DemoModelName ||
		run.ModelDigest != with.ModelDigest || run.PromptEvalCount != with.PromptEvalCount || run.Source != "4.dcm" ||
		run.Options.Seed == nil || *run.Options.Seed != 1 || run.Options.NumPredict != 12 || run.System == "" {
		t.Errorf("history run = %+v, want what ask printed", run)
	}
	png, err := h.ImagePNG(context.Background(), prep.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(png); hex.EncodeToString(sum[:]) != prep.SHA256 {
		t.Errorf("stored PNG does not hash to %s", prep.SHA256)
	}
}

func TestStopCancelsWithinASecondAndIsLogged(t *testing.T) {
	dir := demoDataDir(t)
	s, err := NewServices(context.Background(), Config{DataDir: dir}, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu        sync.Mutex
		chunks    int
		cancelled time.Time
	)
	onChunk := func(string) {
		mu.Lock()
		defer mu.Unlock()
		if chunks++; chunks == 5 {
			cancelled = time.Now()
			cancel() // as the Stop button does
		}
	}
	req := core.Request{Model: core.DemoModelName, Prompt: "Write a very long report.",
		Options: core.Options{NumPredict: 4000}} // far more than arrive before the cancel
	id, res, err := s.Ask(ctx, req, onChunk)
	returned := time.Now()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled; result %+v", err, res)
	}
	mu.Lock()
	took := returned.Sub(cancelled)
	mu.Unlock()
	t.Logf("generation stopped %s after cancel, %d chunks kept", took.Round(time.Millisecond), res.Chunks)
	if took > time.Second {
		t.Errorf("stop took %s, want < 1 s", took)
	}
	run, err := openHistory(t, dir).Run(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != core.StatusCancelled || run.Output == "" || run.Output != res.Output {
		t.Errorf("history run status %q, output %q; want cancelled with the partial answer", run.Status, run.Output)
	}
}

func TestAskAfterServerKilled(t *testing.T) {
	dir := demoDataDir(t)
	s, err := NewServices(context.Background(), Config{DataDir: dir}, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	req := core.Request{Model: core.DemoModelName, Prompt: "Hello", Options: core.Options{NumPredict: 4}}
	if _, _, err := s.Ask(ctx, req, nil); err != nil {
		t.Fatal(err)
	}
	pid := s.Runtime().PID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Wait until the supervisor has noticed, so the next ask meets the restart.
	for deadline := time.Now().Add(3 * time.Second); s.Runtime().PID() == pid && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	_, res, err := s.Ask(ctx, req, nil)
	if err != nil {
		t.Fatalf("ask after the server was killed: %v", err)
	}
	if res.Status != core.StatusOK || s.Runtime().State().Restarts != 1 {
		t.Errorf("result %+v, runtime %+v", res, s.Runtime().State())
	}
}

func TestAskAttachedStartsNoChild(t *testing.T) {
	shared := demoDataDir(t)
	// A server "the user started": the same models, another port.
	server, err := inference.NewRuntime(inference.RuntimeConfig{DataDir: filepath.Join(shared, "runtime")})
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer server.Stop()

	dir := t.TempDir()
	a := ask(t, "--data-dir", dir, "--ollama-url", server.State().URL, "--model", core.DemoModelName,
		"--prompt", "Hello", "--num-predict", "4")
	if a.Status != "ok" {
		t.Fatalf("attached ask: %+v", a)
	}
	if _, err := os.Stat(filepath.Join(dir, "runtime", "logs", "ollama.log")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("attached ask started a managed runtime (its log exists: %v)", err)
	}
	if run, err := openHistory(t, dir).Run(context.Background(), a.RunID); err != nil || run.RuntimeVersion != core.RuntimeVersion {
		t.Errorf("history run %+v, %v", run, err)
	}
}

func TestAskUnknownModelIsBadInput(t *testing.T) {
	dir := demoDataDir(t)
	_, err := runCLI("--data-dir", dir, "ask", "--model", "no-such-model", "--prompt", "hi")
	if ExitCode(err) != 2 || !strings.Contains(err.Error(), "no-such-model") {
		t.Fatalf("err = %v (exit %d), want exit 2 naming the model", err, ExitCode(err))
	}
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// binary builds the real medgemma-workbench binary once.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: builds the race-instrumented binary and runs it")
	}
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mgw-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "medgemma-workbench")
		args := append([]string{"build", "-tags", "sqlite_fts5", "-o", binPath}, raceFlags...)
		cmd := exec.Command("go", append(args, ".")...)
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatalf("build binary: %v", binErr)
	}
	return binPath
}

func TestBadInputExitsTwoNamingTheFile(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	empty := filepath.Join(dir, "empty.dcm")
	trunc := filepath.Join(dir, "truncated.dcm")
	os.WriteFile(text, []byte("this is not an image\n"), 0o600)
	os.WriteFile(empty, nil, 0o600)
	full, err := os.ReadFile(dicomtest.File(t, "4.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(trunc, full[:len(full)/2], 0o600)

	for _, file := range []string{text, empty, trunc} {
		for _, args := range [][]string{
			{"prepare", file, "--out", filepath.Join(dir, "out.png")},
			{"render", file, "--out", filepath.Join(dir, "out.png")},
			{"--data-dir", dir, "ask", "--prompt", "hi", "--image", file},
		} {
			name := args[0] + " " + filepath.Base(file)
			t.Run(name, func(t *testing.T) {
				cmd := exec.Command(bin, args...)
				// The POSIX locale once made Fyne log to stderr at start-up.
				cmd.Env = append(os.Environ(), "LANG=C", "LC_ALL=C")
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				err := cmd.Run()
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 2 {
					t.Fatalf("exit = %v, want 2; stderr %q", err, stderr.String())
				}
				msg := strings.TrimSuffix(stderr.String(), "\n")
				if strings.Contains(msg, "\n") || !strings.Contains(msg, file) || strings.Contains(msg, "goroutine") {
					t.Errorf("stderr = %q, want one line naming %s", stderr.String(), file)
				}
				if stdout.Len() != 0 {
					t.Errorf("stdout = %q, want nothing", stdout.String())
				}
			})
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out.png")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed prepare left an output file")
	}
}

func TestMissingRuntimeNamesSetupCommand(t *testing.T) {
	bin := binary(t)
	// Run from a folder with no build/ollama above it and no ollama on PATH.
	dir := t.TempDir()
	lone := filepath.Join(dir, "medgemma-workbench")
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lone, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(lone, "--data-dir", filepath.Join(dir, "data"), "models", "list")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit = %v, want 1; stderr %q", err, stderr.String())
	}
	if msg := stderr.String(); !strings.Contains(msg, core.SetupCommand) || strings.Count(msg, "\n") != 1 {
		t.Errorf("stderr = %q, want one line naming %s", msg, core.SetupCommand)
	}
}

func TestPrepareMatchesLibrary(t *testing.T) {
	cr := dicomtest.File(t, "4.dcm")
	out := filepath.Join(t.TempDir(), "in.png")
	if _, err := runCLI("prepare", cr, "--out", out, "--preset", "ct-lung"); err != nil {
		t.Fatal(err)
	}
	_, p, err := PrepareImage(cr, dicomview.PrepareOptions{Window: &dicomview.Window{Center: -600, Width: 1500}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	if !bytes.Equal(got, p.PNG) {
		t.Error("prepare --preset ct-lung wrote different bytes from the library with the same window")
	}
	for _, bad := range [][]string{
		{"prepare", cr},
		{"prepare", cr, "--out", out, "--preset", "nope"},
		{"prepare", cr, "--out", out, "--window", "40"},
		{"prepare", cr, "--out", out, "--fit", "crop"},
		{"frobnicate"},
	} {
		if _, err := runCLI(bad...); ExitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", bad, ExitCode(err), err)
		}
	}
}

func TestRerunSendsTheLoggedImageAndPrompt(t *testing.T) {
	dir := demoDataDir(t)
	cr := dicomtest.File(t, "3.dcm")
	first := ask(t, "--data-dir", dir, "--model", core.DemoModelName, "--image", cr,
		"--system", "You are an expert radiologist.", "--prompt", "Describe this MR.", "--seed", "5", "--temperature", "0", "--num-predict", "8")
	again := ask(t, "--data-dir", dir, "--rerun", fmt.Sprint(first.RunID))
	if again.RunID == first.RunID || again.Status != "ok" {
		t.Fatalf("rerun = %+v", again)
	}
	if len(again.ImageSHA256) != 1 || again.ImageSHA256[0] != first.ImageSHA256[0] {
		t.Errorf("rerun sent %v, the logged run had %v", again.ImageSHA256, first.ImageSHA256)
	}
	if again.PromptEvalCount != first.PromptEvalCount || again.Output != first.Output {
		t.Errorf("same image, prompt, seed and temperature 0 gave %d tokens %q, first %d tokens %q",
			again.PromptEvalCount, again.Output, first.PromptEvalCount, first.Output)
	}
	run, err := openHistory(t, dir).Run(context.Background(), again.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Prompt != "Describe this MR." || run.System != "You are an expert radiologist." || run.Options.Seed == nil || *run.Options.Seed != 5 {
		t.Errorf("rerun logged %+v", run)
	}
	// The same texts are the same prompt version, by which the log
	// filters; another prompt is another version.
	if want := core.PromptVersion("You are an expert radiologist.", "Describe this MR.", "", ""); first.PromptVersion != want ||
		again.PromptVersion != want || run.PromptVersion != want {
		t.Errorf("prompt versions: first %q, rerun %q, logged %q; want %q", first.PromptVersion, again.PromptVersion, run.PromptVersion, want)
	}
	other := ask(t, "--data-dir", dir, "--rerun", fmt.Sprint(first.RunID), "--prompt", "Describe this MR briefly.", "--num-predict", "2")
	if other.PromptVersion == first.PromptVersion || other.PromptVersion != core.PromptVersion("You are an expert radiologist.", "Describe this MR briefly.", "", "") {
		t.Errorf("a new prompt's version %q (first %q)", other.PromptVersion, first.PromptVersion)
	}
	out, err := runCLI("--data-dir", dir, "history", "list", "--json", "--prompt-version", first.PromptVersion[:6])
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct {
			RunID         int64  `json:"run_id"`
			PromptVersion string `json:"prompt_version"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil || r.PromptVersion != first.PromptVersion {
			t.Errorf("history list --prompt-version: %q (%v)", line, err)
		}
		ids = append(ids, r.RunID)
	}
	if !slices.Equal(ids, []int64{again.RunID, first.RunID}) {
		t.Errorf("history list --prompt-version %s listed runs %v, want %v", first.PromptVersion[:6], ids, []int64{again.RunID, first.RunID})
	}
	if _, err := runCLI("--data-dir", dir, "history", "list", "--prompt-version", "xyz"); ExitCode(err) != 2 {
		t.Errorf("--prompt-version xyz: %v, want exit 2", err)
	}
	if _, err := runCLI("--data-dir", dir, "ask", "--rerun", "999999"); ExitCode(err) != 2 || !strings.Contains(err.Error(), "999999") {
		t.Errorf("rerun of a missing run: %v (exit %d), want exit 2 naming it", err, ExitCode(err))
	}
}
