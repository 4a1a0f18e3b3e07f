// Command bench measures the managed Ollama runtime with the shape-faithful
// MedGemma 4B model (see inference/demomodel.Write4B). It is built static
// (CGO_ENABLED=0) so that it runs on a machine without Go; bench/gpu/run.sh
// drives it. It talks to a running `ollama serve` at $OLLAMA_HOST.
//
//	bench wait -timeout 60s
//	bench import -gguf FILE -digest sha256:… -name NAME
//	bench quantize -from NAME -name NAME2 -q q8_0
//	bench bandwidth
//	bench measure -models a,b -image image.png -bw GBPS [-out table.md]
//
// Every number is a research measurement of random weights; the answers are
// noise.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/ollama/ollama/fs/ggml"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bench wait|import|quantize|bandwidth|measure [flags]")
		os.Exit(2)
	}
	cmds := map[string]func(context.Context, []string) error{
		"import":    importModel,
		"quantize":  quantize,
		"bandwidth": bandwidth,
		"measure":   measure,
		"wait":      wait,
	}
	run, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "bench: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
	if err := run(context.Background(), os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "bench %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func client() (*api.Client, error) { return api.ClientFromEnvironment() }

// wait waits for the server's heartbeat.
func wait(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("wait", flag.ExitOnError)
	timeout := fs.Duration("timeout", time.Minute, "how long to wait")
	fs.Parse(args)
	c, err := client()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(*timeout)
	for {
		hctx, cancel := context.WithTimeout(ctx, time.Second)
		err := c.Heartbeat(hctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no heartbeat after %v: %w", *timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// exists reports whether the server has the model name.
func exists(ctx context.Context, c *api.Client, name string) bool {
	_, err := c.Show(ctx, &api.ShowRequest{Model: name})
	return err == nil
}

// clientFor returns a client for making model name, and done when the
// model exists already (there is nothing to make).
func clientFor(ctx context.Context, name string) (c *api.Client, done bool, err error) {
	if c, err = client(); err != nil {
		return nil, false, err
	}
	if exists(ctx, c, name) {
		fmt.Fprintf(os.Stderr, "%s: exists\n", name)
		return c, true, nil
	}
	return c, false, nil
}

// progress prints a create's status lines, once each.
func progress(name string) func(api.ProgressResponse) error {
	last := ""
	return func(r api.ProgressResponse) error {
		if r.Status != "" && r.Status != last {
			fmt.Fprintf(os.Stderr, "%s: %s\n", name, r.Status)
			last = r.Status
		}
		return nil
	}
}

// importModel uploads a GGUF whose digest is known and creates a model
// from it; it does nothing when the model exists.
func importModel(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("import", flag.ExitOnError)
	path := fs.String("gguf", "", "GGUF file")
	digest := fs.String("digest", "", "its sha256:<hex> digest")
	name := fs.String("name", "", "model name")
	fs.Parse(args)
	c, done, err := clientFor(ctx, *name)
	if err != nil || done {
		return err
	}
	f, err := os.Open(*path)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	if err := c.CreateBlob(ctx, *digest, f); err != nil {
		return fmt.Errorf("upload %s: %w", *path, err)
	}
	fmt.Fprintf(os.Stderr, "%s: uploaded in %v\n", *name, time.Since(start).Round(time.Millisecond))
	req := &api.CreateRequest{Model: *name, Files: map[string]string{"model.gguf": *digest}}
	if err := c.Create(ctx, req, progress(*name)); err != nil {
		return fmt.Errorf("create %s: %w", *name, err)
	}
	fmt.Fprintf(os.Stderr, "%s: imported in %v\n", *name, time.Since(start).Round(time.Millisecond))
	return nil
}

// quantize creates a quantized copy of a model through the API.
func quantize(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("quantize", flag.ExitOnError)
	from := fs.String("from", "", "source model (F16)")
	name := fs.String("name", "", "model to create")
	q := fs.String("q", "q4_K_M", "quantization (q8_0, q4_K_M, …)")
	fs.Parse(args)
	c, done, err := clientFor(ctx, *name)
	if err != nil || done {
		return err
	}
	start := time.Now()
	req := &api.CreateRequest{Model: *name, From: *from, Quantize: *q}
	if err := c.Create(ctx, req, progress(*name)); err != nil {
		return fmt.Errorf("quantize %s to %s: %w", *from, *q, err)
	}
	fmt.Fprintf(os.Stderr, "%s: quantized in %v\n", *name, time.Since(start).Round(time.Millisecond))
	return nil
}

// bandwidth prints the host memory bandwidth in GB/s, (read + write bytes)
// per second of a 1 GiB copy split over all cores, the best of five: the
// CPU counterpart of the GPU's device-to-device copy.
func bandwidth(_ context.Context, _ []string) error {
	fmt.Printf("%.1f\n", memcpyBandwidth(1<<30, runtime.GOMAXPROCS(0), 5)/1e9)
	return nil
}

func memcpyBandwidth(size, workers, tries int) float64 {
	src, dst := make([]byte, size), make([]byte, size)
	for i := range src {
		src[i] = byte(i)
	}
	copy(dst, src) // fault the pages in
	chunk := size / workers
	best := 0.0
	for range tries {
		var wg sync.WaitGroup
		start := time.Now()
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				copy(dst[w*chunk:(w+1)*chunk], src[w*chunk:(w+1)*chunk])
			}()
		}
		wg.Wait()
		best = max(best, 2*float64(chunk*workers)/time.Since(start).Seconds())
	}
	return best
}

// result is one model's measurements.
type result struct {
	Model          string
	Quant          string
	SizeBytes      int64 // /api/ps size
	VRAMBytes      int64 // /api/ps size_vram
	TextBytes      uint64
	LoadWall       time.Duration
	TTFT           time.Duration
	PromptTokens   int
	PromptRate     float64
	DecodeTokens   int
	DecodeRate     float64
	Single         float64 // one text request, eval tokens / wall
	Parallel       float64 // n concurrent text requests, all eval tokens / wall
	ParallelPerReq float64 // their mean eval rate
	Roofline       float64 // tokens/s the bandwidth allows
}

type measureConfig struct {
	image      []byte
	numPredict int
	numCtx     int
	parallel   int
	bw         float64 // bytes/s
}

func measure(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("measure", flag.ExitOnError)
	models := fs.String("models", "", "comma-separated models to measure")
	imagePath := fs.String("image", "4-896.png", "896×896 PNG for the image prompt")
	numPredict := fs.Int("num-predict", 128, "tokens to generate per request")
	numCtx := fs.Int("num-ctx", 4096, "context length per request")
	parallel := fs.Int("parallel", 4, "concurrent requests (the server needs OLLAMA_NUM_PARALLEL at least this)")
	bwGBps := fs.Float64("bw", 0, "memory bandwidth in GB/s, (read + write bytes)/s of a copy")
	bwSource := fs.String("bw-source", "", "how -bw was measured")
	device := fs.String("device", runtime.GOARCH+" CPU", "what ran it, for the table")
	out := fs.String("out", "", "also write the markdown table here")
	requireGPU := fs.Bool("require-gpu", false, "fail when a model is not loaded on the GPU (size_vram 0)")
	fs.Parse(args)

	img, err := os.ReadFile(*imagePath)
	if err != nil {
		return err
	}
	if cfg, err := png.DecodeConfig(bytes.NewReader(img)); err != nil || cfg.Width != 896 || cfg.Height != 896 {
		return fmt.Errorf("%s: want an 896×896 PNG (%v)", *imagePath, err)
	}
	c, err := client()
	if err != nil {
		return err
	}
	version, _ := c.Version(ctx)
	cfg := measureConfig{image: img, numPredict: *numPredict, numCtx: *numCtx, parallel: *parallel, bw: *bwGBps * 1e9}

	var results []result
	var errs []error
	for _, m := range strings.Split(*models, ",") {
		fmt.Fprintf(os.Stderr, "measure %s\n", m)
		r, err := measureModel(ctx, c, m, cfg)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", m, err))
			fmt.Fprintf(os.Stderr, "measure %s: %v\n", m, err)
			continue
		}
		if *requireGPU && r.VRAMBytes == 0 {
			errs = append(errs, fmt.Errorf("%s: not on the GPU (size_vram 0)", m))
		}
		results = append(results, r)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Device: %s. Ollama %s. Bandwidth %.1f GB/s (%s). ", *device, version, *bwGBps, *bwSource)
	fmt.Fprintf(&b, "%d tokens generated per request, num_ctx %d, greedy; image prompt = one 896×896 PNG + a one-line instruction.\n\n", *numPredict, *numCtx)
	b.WriteString(table(results, *parallel))
	fmt.Print(b.String())
	if *out != "" {
		if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return errors.Join(errs...)
}

func table(rs []result, parallel int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| model | weights GB (text) | load s | VRAM GB / total | TTFT image s | prompt tok/s | decode tok/s | roofline tok/s | decode / roofline | 1 req tok/s | %d req aggregate tok/s |\n", parallel)
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		ratio := "–"
		roof := "–"
		if r.Roofline > 0 {
			roof = fmt.Sprintf("%.0f", r.Roofline)
			ratio = fmt.Sprintf("%.0f %%", 100*r.DecodeRate/r.Roofline)
		}
		fmt.Fprintf(&b, "| %s | %.2f | %.1f | %.2f / %.2f | %.2f | %.0f (%d tok) | %.1f | %s | %s | %.1f | %.1f (%.1f each) |\n",
			r.Quant, float64(r.TextBytes)/1e9, r.LoadWall.Seconds(),
			float64(r.VRAMBytes)/1e9, float64(r.SizeBytes)/1e9, r.TTFT.Seconds(), r.PromptRate, r.PromptTokens,
			r.DecodeRate, roof, ratio, r.Single, r.Parallel, r.ParallelPerReq)
	}
	b.WriteString("\nload s: wall time of a request that only loads the model, all others unloaded. TTFT: request sent to first streamed token, model loaded, prompt not cached. ")
	b.WriteString("prompt tok/s: prompt_eval_count / prompt_eval_duration of the image request (image encoding included). decode tok/s: eval_count / eval_duration of the same request. ")
	b.WriteString("roofline: bandwidth ÷ bytes of the text weights (token_embd doubles as the output projection, so every decoded token reads them all once). ")
	fmt.Fprintf(&b, "1 req / %d req: text prompts, generated tokens ÷ wall time, with OLLAMA_NUM_PARALLEL=%d.\n", parallel, parallel)
	return b.String()
}

// measureModel runs the measurements of one model in the order the table
// lists them; it stays one function (gocyclo 21) because each step is an
// error check on the device and the order is the table's.
func measureModel(ctx context.Context, c *api.Client, model string, cfg measureConfig) (result, error) {
	r := result{Model: model}
	show, err := c.Show(ctx, &api.ShowRequest{Model: model, Verbose: true})
	if err != nil {
		return r, err
	}
	r.Quant = show.Details.QuantizationLevel
	for _, t := range show.Tensors {
		if strings.HasPrefix(t.Name, "v.") || strings.HasPrefix(t.Name, "mm.") {
			continue
		}
		kind, err := ggml.ParseTensorType(t.Type)
		if err != nil {
			return r, fmt.Errorf("tensor %s: %w", t.Name, err)
		}
		r.TextBytes += ggml.Tensor{Kind: uint32(kind), Shape: t.Shape}.Size()
	}
	if cfg.bw > 0 && r.TextBytes > 0 {
		r.Roofline = cfg.bw / float64(r.TextBytes)
	}

	// Unload everything, then time a load.
	ps, err := c.ListRunning(ctx)
	if err != nil {
		return r, err
	}
	for _, m := range ps.Models {
		if err := c.Generate(ctx, &api.GenerateRequest{Model: m.Name, KeepAlive: &api.Duration{}}, func(api.GenerateResponse) error { return nil }); err != nil {
			return r, fmt.Errorf("unload %s: %w", m.Name, err)
		}
	}
	opts := map[string]any{"num_ctx": cfg.numCtx, "temperature": 0, "seed": 1, "num_predict": cfg.numPredict}
	keep := &api.Duration{Duration: time.Hour}
	start := time.Now()
	err = c.Generate(ctx, &api.GenerateRequest{Model: model, KeepAlive: keep, Options: opts}, func(api.GenerateResponse) error { return nil })
	if err != nil {
		return r, fmt.Errorf("load: %w", err)
	}
	r.LoadWall = time.Since(start)
	fmt.Fprintf(os.Stderr, "  loaded in %v\n", r.LoadWall.Round(time.Millisecond))

	ps, err = c.ListRunning(ctx)
	if err != nil {
		return r, err
	}
	for _, m := range ps.Models {
		if m.Name == model || m.Model == model || strings.TrimSuffix(m.Name, ":latest") == model {
			r.SizeBytes, r.VRAMBytes = m.Size, m.SizeVRAM
		}
	}

	// Warm up with a short text request, then the image request.
	warm := map[string]any{"num_ctx": cfg.numCtx, "temperature": 0, "seed": 1, "num_predict": 4}
	if _, err := chat(ctx, c, model, "warm-up", nil, warm, keep); err != nil {
		return r, fmt.Errorf("warm-up: %w", err)
	}
	img, err := chat(ctx, c, model, "image", []api.ImageData{cfg.image}, opts, keep)
	if err != nil {
		return r, fmt.Errorf("image request: %w", err)
	}
	m := img.final.Metrics
	r.TTFT = img.ttft
	r.PromptTokens = m.PromptEvalCount
	r.PromptRate = rate(m.PromptEvalCount, m.PromptEvalDuration)
	r.DecodeTokens = m.EvalCount
	r.DecodeRate = rate(m.EvalCount, m.EvalDuration)
	fmt.Fprintf(os.Stderr, "  image: TTFT %v, prompt %d tok at %.1f/s, decode %d tok at %.1f/s\n",
		r.TTFT.Round(time.Millisecond), m.PromptEvalCount, r.PromptRate, m.EvalCount, r.DecodeRate)

	one, err := concurrent(ctx, c, model, 1, opts, keep)
	if err != nil {
		return r, err
	}
	r.Single = one.aggregate
	many, err := concurrent(ctx, c, model, cfg.parallel, opts, keep)
	if err != nil {
		return r, err
	}
	r.Parallel, r.ParallelPerReq = many.aggregate, many.perRequest
	fmt.Fprintf(os.Stderr, "  1 request %.1f tok/s, %d requests %.1f tok/s in all\n", r.Single, cfg.parallel, r.Parallel)
	return r, nil
}

func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// chatRun is one streamed chat's timing and final accounting.
type chatRun struct {
	ttft  time.Duration
	wall  time.Duration
	final api.ChatResponse
}

var nonce struct {
	sync.Mutex
	n int
}

// chat runs one streamed chat. A system line that differs every call keeps
// the runner from reusing a cached prompt, so every request evaluates its
// whole prompt, image included.
func chat(ctx context.Context, c *api.Client, model, what string, images []api.ImageData, opts map[string]any, keep *api.Duration) (chatRun, error) {
	nonce.Lock()
	nonce.n++
	n := nonce.n
	nonce.Unlock()
	req := &api.ChatRequest{
		Model: model,
		Messages: []api.Message{
			{Role: "system", Content: fmt.Sprintf("Benchmark run %d (%s); research use only.", n, what)},
			{Role: "user", Content: "Describe this medical image.", Images: images},
		},
		Options:   opts,
		KeepAlive: keep,
	}
	var run chatRun
	start := time.Now()
	err := c.Chat(ctx, req, func(r api.ChatResponse) error {
		if run.ttft == 0 && r.Message.Content != "" {
			run.ttft = time.Since(start)
		}
		if r.Done {
			run.final = r
		}
		return nil
	})
	run.wall = time.Since(start)
	if err == nil && !run.final.Done {
		err = io.ErrUnexpectedEOF
	}
	return run, err
}

type concurrency struct {
	aggregate  float64 // all generated tokens ÷ wall time
	perRequest float64 // mean of each request's eval rate
}

// concurrent runs n text chats at once.
func concurrent(ctx context.Context, c *api.Client, model string, n int, opts map[string]any, keep *api.Duration) (concurrency, error) {
	runs := make([]chatRun, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i], errs[i] = chat(ctx, c, model, fmt.Sprintf("text %d of %d", i+1, n), nil, opts, keep)
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return concurrency{}, err
	}
	var tokens int
	var each float64
	for _, r := range runs {
		tokens += r.final.EvalCount
		each += rate(r.final.EvalCount, r.final.EvalDuration)
	}
	return concurrency{aggregate: float64(tokens) / wall.Seconds(), perRequest: each / float64(n)}, nil
}
