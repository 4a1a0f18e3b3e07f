package inference

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/inference/demomodel"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

const textOnlyName = "demo-text-only"

var shared struct {
	once sync.Once
	rt   *Runtime
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.rt != nil {
		shared.rt.Stop()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// demoRuntime is a managed runtime shared by this package's tests, with the
// demo model and its text-only variant imported.
func demoRuntime(t *testing.T) (*Runtime, *Client) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts the managed runtime (ollama serve) and imports the demo model")
	}
	shared.once.Do(func() {
		if shared.dir, shared.err = os.MkdirTemp("", "mgw-inference-test-"); shared.err != nil {
			return
		}
		rt, err := NewRuntime(RuntimeConfig{DataDir: shared.dir})
		if err != nil {
			shared.err = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if shared.err = rt.Start(ctx); shared.err != nil {
			return
		}
		shared.rt = rt
		c, err := rt.Client(ctx)
		if err != nil {
			shared.err = err
			return
		}
		demo := filepath.Join(shared.dir, "demo.gguf")
		if _, shared.err = demomodel.Write(demo); shared.err != nil {
			return
		}
		if shared.err = c.ImportGGUF(ctx, core.DemoModelName, demo, "", nil); shared.err != nil {
			return
		}
		text := filepath.Join(shared.dir, "text.gguf")
		if _, shared.err = demomodel.WriteTextOnly(text); shared.err != nil {
			return
		}
		shared.err = c.ImportGGUF(ctx, textOnlyName, text, "", nil)
	})
	if shared.err != nil {
		t.Fatalf("demo runtime: %v", shared.err)
	}
	c, err := shared.rt.Client(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return shared.rt, c
}

func crImage(t *testing.T) core.Image {
	t.Helper()
	im, err := dicomview.Load(dicomtest.File(t, "4.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := im.Prepare(dicomview.PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p.RequestImage()
}

func seed(n int) *int { return &n }

func TestFactsAndVisionPreflight(t *testing.T) {
	_, c := demoRuntime(t)
	ctx := context.Background()
	demo, err := c.Facts(ctx, core.DemoModelName)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("demo facts: %+v", demo)
	if !demo.Can("vision") || demo.ContextLength != demomodel.ContextLength || demo.ParameterCount <= 0 ||
		!strings.HasPrefix(demo.Digest, "") || demo.Digest == "" || demo.Quantization == "" || demo.Architecture != "gemma3" {
		t.Errorf("demo facts = %+v", demo)
	}
	text, err := c.Facts(ctx, textOnlyName)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("text-only facts: %+v", text)
	if text.Can("vision") || !text.Can("completion") || text.ParameterCount >= demo.ParameterCount {
		t.Errorf("text-only facts = %+v", text)
	}
	if _, err := Preflight(core.Request{Model: textOnlyName, Prompt: "x", Images: []core.Image{crImage(t)}}, text); !errors.Is(err, ErrNoVision) {
		t.Errorf("image to the text-only model: err = %v, want ErrNoVision", err)
	}
	// Without an image it answers.
	p, err := Preflight(core.Request{Model: textOnlyName, Prompt: "hello", Options: core.Options{NumPredict: 4, Seed: seed(1)}}, text)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Chat(ctx, p.Request, nil); err != nil {
		t.Errorf("text-only chat: %v", err)
	}
	if _, err := c.Facts(ctx, "no-such-model"); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("facts of an unknown model: err = %v", err)
	}
}

func TestLongPromptRaisesNumCtx(t *testing.T) {
	_, c := demoRuntime(t)
	ctx := context.Background()
	f, err := c.Facts(ctx, core.DemoModelName)
	if err != nil {
		t.Fatal(err)
	}
	// As long as 16 slices' worth of tokens; text because the vision tower
	// takes seconds per image on a CPU.
	req := core.Request{Model: core.DemoModelName, Prompt: strings.Repeat("lung ", 2600), Options: core.Options{NumPredict: 4, Seed: seed(1)}}
	p, err := Preflight(req, f)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Raised || p.Request.Options.NumCtx <= defaultNumCtx {
		t.Fatalf("num_ctx %d, want it raised above %d", p.Request.Options.NumCtx, defaultNumCtx)
	}
	res, err := c.Chat(ctx, p.Request, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("estimated %d prompt tokens, runtime counted %d, num_ctx %d", p.PromptTokens, res.PromptEvalCount, res.NumCtx)
	if res.PromptEvalCount < 2600 || res.PromptEvalCount > p.PromptTokens {
		t.Errorf("runtime counted %d prompt tokens; want ≥ 2600 (nothing dropped) and ≤ the estimate %d", res.PromptEvalCount, p.PromptTokens)
	}
	// The same prompt in a window too small for it fails; it is never cut.
	small := p.Request
	small.Options.NumCtx = 1024
	if res, err := c.Chat(ctx, small, nil); err == nil {
		t.Errorf("a prompt of %d tokens in num_ctx 1024 succeeded: %+v", p.PromptTokens, res)
	}
	// 520 images do not fit the demo model's 131,072 tokens (MedGemma
	// 4B's): refused up front.
	req.Prompt = "Compare these slices."
	req.Images = make([]core.Image, 520)
	if _, err := Preflight(req, f); !errors.Is(err, ErrContextTooSmall) {
		t.Errorf("520 images: err = %v, want ErrContextTooSmall", err)
	}
}

func TestLengthIsTruncated(t *testing.T) {
	_, c := demoRuntime(t)
	res, err := c.Chat(context.Background(), core.Request{Model: core.DemoModelName, Prompt: "Describe", Options: core.Options{NumPredict: 3, Seed: seed(1)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.DoneReason != "length" || !res.Truncated || res.Status != core.StatusOK {
		t.Errorf("num_predict 3: %+v, want done_reason length, truncated", res)
	}
}

// TestStallTimesOut freezes the runner mid-answer (SIGSTOP): the request
// ends with ErrStalled after the stall timeout, the partial answer kept.
func TestStallTimesOut(t *testing.T) {
	rt, c0 := demoRuntime(t)
	c := *c0
	c.StallTimeout = time.Second
	var stopped atomic.Int32
	var chunks atomic.Int32
	begin := time.Now()
	var stalledAt time.Time
	res, err := c.Chat(context.Background(), core.Request{Model: core.DemoModelName, Prompt: "Describe", Options: core.Options{NumPredict: 2000, Seed: seed(2)}}, func(string) {
		if chunks.Add(1) == 1 {
			for _, pid := range rt.RunnerPIDs() {
				if syscall.Kill(pid, syscall.SIGSTOP) == nil {
					stopped.Store(int32(pid))
				}
			}
			stalledAt = time.Now()
		}
	})
	if pid := stopped.Load(); pid != 0 {
		syscall.Kill(int(pid), syscall.SIGCONT)
	} else {
		t.Fatalf("no runner process found under pid %d", rt.PID())
	}
	waited := time.Since(stalledAt)
	t.Logf("stalled after %d chunks; error after %s: %v", chunks.Load(), waited.Round(time.Millisecond), err)
	if !errors.Is(err, ErrStalled) || res.Status != core.StatusError || res.Output == "" {
		t.Fatalf("err = %v, status %s, output %q; want ErrStalled with the partial answer", err, res.Status, res.Output)
	}
	if waited > 5*time.Second {
		t.Errorf("gave up %s after the stall, want about 1 s", waited)
	}
	_ = begin
	// The runtime answers again.
	if _, err := c0.Chat(context.Background(), core.Request{Model: core.DemoModelName, Prompt: "again", Options: core.Options{NumPredict: 4}}, nil); err != nil {
		t.Errorf("after the stall: %v", err)
	}
}

func TestPullFromUnreachableRegistry(t *testing.T) {
	_, c := demoRuntime(t)
	// A registry address nothing listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	name := addr + "/library/medgemma:4b"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var updates []core.Progress
	err = c.Pull(ctx, name, 0, func(p core.Progress) { updates = append(updates, p) })
	t.Logf("pull %s: %v (%d progress updates)", name, err, len(updates))
	if err == nil {
		t.Fatal("pull from an unreachable registry succeeded")
	}
	for _, want := range []string{name, "registry", "network"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, ferr := c.FindModel(ctx, name); !errors.Is(ferr, ErrUnknownModel) {
		t.Errorf("after the failed pull the model is registered: %v", ferr)
	}
}

func TestImportErrorsAndDelete(t *testing.T) {
	_, c := demoRuntime(t)
	ctx := context.Background()
	notGGUF := filepath.Join(t.TempDir(), "x.gguf")
	os.WriteFile(notGGUF, []byte("hello"), 0o600)
	for _, path := range []string{notGGUF, filepath.Join(t.TempDir(), "missing.gguf")} {
		if err := c.ImportGGUF(ctx, "x", path, "", nil); !errors.Is(err, ErrBadModelFile) || !strings.Contains(err.Error(), path) {
			t.Errorf("import %s: err = %v, want ErrBadModelFile naming the file", path, err)
		}
	}
	if err := c.ImportSafetensors(ctx, "x", t.TempDir(), "", nil); !errors.Is(err, ErrBadModelFile) {
		t.Errorf("import an empty folder: err = %v", err)
	}
	// A copy under another name, then removed.
	if err := c.ImportGGUF(ctx, "to-remove", filepath.Join(shared.dir, "text.gguf"), "", nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, "to-remove"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.FindModel(ctx, "to-remove"); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("after rm: %v", err)
	}
	if err := c.Delete(ctx, "to-remove"); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("rm of an unknown model: %v", err)
	}
}

func TestLoadedShowsWhereItRuns(t *testing.T) {
	_, c := demoRuntime(t)
	ctx := context.Background()
	if _, err := c.Chat(ctx, core.Request{Model: core.DemoModelName, Prompt: "x", Options: core.Options{NumPredict: 2}}, nil); err != nil {
		t.Fatal(err)
	}
	loaded, err := c.Loaded(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, l := range loaded {
		t.Logf("loaded: %s %s size %d vram %d ctx %d", l.Name, l.Processor(), l.Size, l.SizeVRAM, l.NumCtx)
		if strings.HasPrefix(l.Name, core.DemoModelName) {
			found = true
			if l.Size <= 0 || l.NumCtx <= 0 {
				t.Errorf("loaded %+v", l)
			}
		}
	}
	if !found {
		t.Errorf("%s not among the loaded models %+v", core.DemoModelName, loaded)
	}
}

// TestAttachWithBearer attaches through a proxy that demands a bearer
// token, as a lab would put in front of a shared GPU server.
func TestAttachWithBearer(t *testing.T) {
	rt, _ := demoRuntime(t)
	target, _ := url.Parse(rt.State().URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		proxy.ServeHTTP(w, r)
	})}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	base := "http://" + l.Addr().String()

	ctx := context.Background()
	att, err := NewRuntime(RuntimeConfig{URL: base, Token: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := att.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Chat(ctx, core.Request{Model: core.DemoModelName, Prompt: "x", Options: core.Options{NumPredict: 3}}, nil)
	if err != nil || res.EvalCount == 0 {
		t.Fatalf("chat through the proxy: %+v, %v", res, err)
	}
	if att.PID() != 0 || att.Managed() {
		t.Error("attach mode started a server")
	}
	noToken, _ := NewRuntime(RuntimeConfig{URL: base})
	if _, err := noToken.Client(ctx); err == nil {
		t.Error("without the token the proxy let us in")
	}
}

// TestManagedListensOnLoopbackOnly checks with `ss -ltnp` that neither the
// managed server nor its runner listens on a non-loopback address.
func TestManagedListensOnLoopbackOnly(t *testing.T) {
	rt, c := demoRuntime(t)
	if _, err := c.Chat(context.Background(), core.Request{Model: core.DemoModelName, Prompt: "x", Options: core.Options{NumPredict: 2}}, nil); err != nil {
		t.Fatal(err)
	}
	pids := map[string]bool{strconv.Itoa(rt.PID()): true}
	for _, p := range rt.RunnerPIDs() {
		pids[strconv.Itoa(p)] = true
	}
	out, err := exec.Command("ss", "-ltnpH").Output()
	if err != nil {
		t.Fatalf("ss -ltnp: %v (install iproute2)", err)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 {
			continue
		}
		for pid := range pids {
			if !strings.Contains(f[5], "pid="+pid+",") {
				continue
			}
			seen[pid] = true
			host, _, _ := net.SplitHostPort(f[3])
			if ip := net.ParseIP(strings.Trim(host, "[]")); ip == nil || !ip.IsLoopback() {
				t.Errorf("pid %s listens on %s, want loopback only", pid, f[3])
			} else {
				t.Logf("pid %s listens on %s", pid, f[3])
			}
		}
	}
	if len(seen) < 2 {
		t.Errorf("ss shows listening sockets for %d of the server and runner pids %v, want both", len(seen), pids)
	}
}

// TestImportSafetensorsQ8 imports the generated Hugging Face checkpoint of
// Gemma3ForConditionalGeneration with --quantize q8_0: the model has the
// vision capability and an image adds at least 256 prompt tokens.
func TestImportSafetensorsQ8(t *testing.T) {
	_, c := demoRuntime(t)
	ctx := context.Background()
	dir := t.TempDir()
	if err := demomodel.WriteHF(dir); err != nil {
		t.Fatal(err)
	}
	var steps []string
	if err := c.ImportSafetensors(ctx, "demo-hf-q8", dir, "q8_0", func(p core.Progress) { steps = append(steps, p.Status) }); err != nil {
		t.Fatalf("import: %v (steps %q)", err, steps)
	}
	t.Cleanup(func() { c.Delete(context.Background(), "demo-hf-q8") })
	f, err := c.Facts(ctx, "demo-hf-q8")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("facts %+v; steps %q", f, steps)
	if !f.Can("vision") || f.Quantization != "Q8_0" || f.ContextLength != demomodel.ContextLength {
		t.Errorf("imported model: %+v, want vision, Q8_0, context %d", f, demomodel.ContextLength)
	}
	base := core.Request{Model: "demo-hf-q8", Prompt: "Describe this X-ray", Options: core.Options{NumPredict: 3, Seed: seed(1)}}
	without, err := c.Chat(ctx, base, nil)
	if err != nil {
		t.Fatal(err)
	}
	with := base
	with.Images = []core.Image{crImage(t)}
	p, err := Preflight(with, f)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Chat(ctx, p.Request, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("prompt tokens: %d with the image, %d without", res.PromptEvalCount, without.PromptEvalCount)
	if d := res.PromptEvalCount - without.PromptEvalCount; d < core.ImageTokens {
		t.Errorf("the image added %d prompt tokens, want ≥ %d", d, core.ImageTokens)
	}
}
