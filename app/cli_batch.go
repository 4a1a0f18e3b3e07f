package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
)

const batchUsage = "usage: medgemma-workbench batch (--manifest FILE.jsonl|FILE.csv | --images DIR|FILE.zip) --prompts FILE.yaml " +
	"[--model NAME]... [--repeat N] [--concurrency N] [--endpoint URL [--api-key KEY]] --out FILE.jsonl [--csv FILE.csv] " +
	"[--seed N] [--temperature T] [--num-predict N] [--num-ctx N] [--frame N] [--window C,W | --preset NAME] " +
	"[--encoding display|ct3] [--fit pad|stretch] [--retries N] [--include-phi] [--json]"

// batchOptions are the batch command's flags, checked.
type batchOptions struct {
	manifest, images, prompts string
	models                    []string
	repeat, concurrency       int
	endpoint, apiKey          string
	out, csv                  string
	options                   inference.Options
	prep                      batch.Prep
	prepare                   dicomview.PrepareOptions
	retries                   int
	json                      bool
	includePHI                bool
}

func (c *cli) batch(args []string) error {
	o, err := c.parseBatch(args)
	if err != nil {
		return err
	}
	// Ctrl-C once: start nothing new, finish the runs in flight and write
	// a consistent file. Twice: stop those too.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	drain := make(chan struct{})
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	go func() {
		select {
		case <-sig:
		case <-ctx.Done():
			return
		}
		close(drain)
		fmt.Fprintln(c.stderr, "\nbatch: stopping — finishing the runs in flight (Ctrl-C again to abort them)")
		select {
		case <-sig:
			cancel()
		case <-ctx.Done():
		}
	}()
	return c.runBatch(ctx, drain, o)
}

// parseBatch reads and checks the batch command's flags.
func (c *cli) parseBatch(args []string) (batchOptions, error) {
	fs := newFlags("batch", &c.cfg)
	var (
		o                         batchOptions
		models                    stringList
		seed                      optionalInt
		temp                      optionalFloat
		window, preset, enc, fit  string
		numPredict, numCtx, frame int
		hasManifest, hasImages    bool
	)
	fs.StringVar(&o.manifest, "manifest", "", "JSON Lines or CSV manifest: id, images, question, answer, choices")
	fs.StringVar(&o.images, "images", "", "a folder or ZIP of images: one item per DICOM, PNG or JPEG file")
	fs.StringVar(&o.prompts, "prompts", "", "YAML or JSON prompts file: system, and prompts: [{name, template}]")
	fs.Var(&models, "model", "model name; repeat for several (default: an installed MedGemma, else the demo model)")
	fs.IntVar(&o.repeat, "repeat", 1, "repetitions of each (item, prompt, model)")
	fs.IntVar(&o.concurrency, "concurrency", 1, "requests in flight at once")
	fs.StringVar(&o.endpoint, "endpoint", "", "an OpenAI-compatible API base URL, e.g. http://host:8000/v1, instead of Ollama")
	fs.StringVar(&o.apiKey, "api-key", "", "API key for --endpoint (default $"+inference.EnvOpenAIKey+")")
	fs.StringVar(&o.out, "out", "", "result file, JSON Lines; an existing one is resumed")
	fs.StringVar(&o.csv, "csv", "", "CSV copy of the results (default: --out with .csv)")
	fs.Var(&seed, "seed", "random seed")
	fs.Var(&temp, "temperature", "sampling temperature")
	fs.IntVar(&numPredict, "num-predict", 0, "maximum tokens to generate")
	fs.IntVar(&numCtx, "num-ctx", 0, "context window in tokens (Ollama only)")
	fs.IntVar(&frame, "frame", 0, "frame number of multi-frame images, from 1")
	fs.StringVar(&window, "window", "", "window as CENTER,WIDTH (default: each file's own)")
	fs.StringVar(&preset, "preset", "", "window preset: "+presetNames())
	fs.StringVar(&enc, "encoding", "", "model-input encoding: display or ct3")
	fs.StringVar(&fit, "fit", "", "pad (keep aspect) or stretch")
	fs.IntVar(&o.retries, "retries", inference.DefaultBackoff.Retries, "retries of a request answered 429 or 5xx, with exponential backoff")
	fs.BoolVar(&o.json, "json", false, "print a JSON summary on stdout at the end")
	fs.BoolVar(&o.includePHI, "include-phi", false, "keep file names and paths in the rows (images, ids of items the manifest does not name, errors); they may hold patient names")
	pos, err := parse(fs, args)
	if err != nil {
		return o, err
	}
	hasManifest, hasImages = o.manifest != "", o.images != ""
	switch {
	case len(pos) > 0:
		return o, usagef("batch: unexpected argument %q\n%s", pos[0], batchUsage)
	case hasManifest == hasImages:
		return o, usagef("batch: give --manifest or --images (one of them)\n%s", batchUsage)
	case o.prompts == "" || o.out == "":
		return o, usagef("batch: --prompts and --out are required\n%s", batchUsage)
	case o.repeat < 1 || o.concurrency < 1 || o.retries < 0:
		return o, usagef("batch: --repeat and --concurrency must be ≥ 1, --retries ≥ 0")
	case o.endpoint != "" && numCtx != 0:
		return o, usagef("batch: --num-ctx has no OpenAI-compatible equivalent; set the server's context length instead (vllm serve --max-model-len N)")
	case o.endpoint != "" && len(models) == 0:
		return o, usagef("batch: --endpoint needs --model NAME (the name the server serves)")
	}
	o.models = models
	o.options = inference.Options{Seed: seed.v, Temperature: temp.v, NumPredict: numPredict, NumCtx: numCtx}
	imf := imageFlags{window: window, preset: preset}
	w, err := imf.windowFlag()
	if err != nil {
		return o, err
	}
	if enc != "" && enc != dicomview.EncodingDisplay && enc != dicomview.EncodingCT3 {
		return o, usagef("--encoding %q: want display or ct3", enc)
	}
	if enc == dicomview.EncodingCT3 && w != nil {
		return o, usagef("--encoding ct3 uses its own three Hounsfield windows; drop --window/--preset")
	}
	o.prepare = dicomview.PrepareOptions{Frame: frame, Window: w, Encoding: enc}
	switch fit {
	case "", "pad":
	case "stretch":
		o.prepare.Fit = dicomview.FitStretch
	default:
		return o, usagef("--fit %q: want pad or stretch", fit)
	}
	o.prep = batch.Prep{Frame: frame, Window: window, Preset: preset, Encoding: enc, Fit: fit}
	if o.csv == "" {
		o.csv = strings.TrimSuffix(o.out, filepath.Ext(o.out)) + ".csv"
	}
	if filepath.Clean(o.csv) == filepath.Clean(o.out) {
		return o, usagef("batch: --out %s would be overwritten by the CSV: name the JSON Lines file FILE.jsonl, or give --csv", o.out)
	}
	if o.apiKey == "" {
		o.apiKey = os.Getenv(inference.EnvOpenAIKey)
	}
	return o, nil
}

// batchSummary is what batch --json prints.
type batchSummary struct {
	Runs       int     `json:"runs"`
	Skipped    int     `json:"skipped"`
	OK         int     `json:"ok"`
	Failed     int     `json:"failed"`
	Cancelled  int     `json:"cancelled"`
	NotStarted int     `json:"not_started"`
	Rows       int     `json:"rows"`
	Out        string  `json:"out"`
	CSV        string  `json:"csv"`
	Seconds    float64 `json:"seconds"`
}

// runBatch runs a checked batch. Closing drain stops it from starting
// runs; cancelling ctx stops those in flight.
func (c *cli) runBatch(ctx context.Context, drain <-chan struct{}, o batchOptions) error {
	start := time.Now()
	if err := c.cfg.resolve(); err != nil {
		return err
	}
	items, prompts, cleanup, err := loadBatchInputs(o, c.cfg.DataDir)
	if err != nil {
		return err
	}
	defer cleanup()

	cfg := c.cfg
	if o.endpoint != "" {
		cfg.NoRuntime = true
	} else if o.concurrency > cfg.NumParallel {
		// The managed server must serve that many requests at once.
		cfg.NumParallel = o.concurrency
	}
	s, err := NewServices(ctx, cfg, "cli batch")
	if err != nil {
		return err
	}
	defer s.Close()

	var bar *progressBar
	res, err := s.runBatchWith(ctx, drain, o, items, prompts, batchHooks{
		started: func(runs, skipped int) {
			if skipped > 0 {
				fmt.Fprintf(c.stderr, "batch: %d of %d runs already in %s; doing the other %d\n", skipped, runs, o.out, runs-skipped)
			}
		},
		running: func() *progressBar {
			bar = newProgressBar(c.stderr)
			return bar
		},
		retrying: func(rt batch.Retry) { bar.note("batch: " + rt.String()) },
		warn: func(line string) {
			if bar != nil {
				bar.note(line)
			} else {
				fmt.Fprintln(c.stderr, line)
			}
		},
	})
	if err != nil {
		return err
	}
	sum := res.sum

	fmt.Fprintf(c.stderr, "batch: %d runs done now (%d ok, %d failed), %d already done; %d rows in %s and %s (%s)\n",
		sum.OK+sum.Failed, sum.OK, sum.Failed, res.skipped, res.rows, o.out, o.csv, time.Since(start).Round(100*time.Millisecond))
	if o.json {
		json.NewEncoder(c.stdout).Encode(batchSummary{Runs: res.runs, Skipped: res.skipped, OK: sum.OK, Failed: sum.Failed,
			Cancelled: sum.Cancelled, NotStarted: sum.NotStarted, Rows: res.rows, Out: o.out, CSV: o.csv,
			Seconds: time.Since(start).Seconds()})
	}
	switch {
	case res.werr != nil:
		return res.werr
	case res.ferr != nil:
		return res.ferr
	case sum.Cancelled+sum.NotStarted > 0:
		return fmt.Errorf("batch interrupted: %d of %d runs left to do (%d stopped in flight); run the same command again to finish", sum.Cancelled+sum.NotStarted, res.runs, sum.Cancelled)
	case sum.Failed > 0:
		return fmt.Errorf("batch: %d of %d runs failed (their rows have status error; run the same command again to retry them); the first: %w", sum.Failed, res.runs-res.skipped, sum.FirstError)
	}
	return nil
}

// loadBatchInputs reads a checked batch's items and prompts; a ZIP is
// extracted under dataDir/tmp. cleanup removes the files extracted from a
// ZIP; call it when the batch is over.
func loadBatchInputs(o batchOptions, dataDir string) (items []batch.Item, prompts *batch.PromptSet, cleanup func(), err error) {
	cleanup = func() {}
	switch {
	case o.manifest != "":
		items, err = batch.LoadManifest(o.manifest)
	default:
		st, serr := os.Stat(o.images)
		if serr != nil {
			return nil, nil, cleanup, usagef("--images %s: %v", o.images, serr)
		}
		if st.IsDir() {
			items, err = batch.ScanDir(o.images)
		} else {
			// Extract under the data folder (not the system's shared
			// temp), removing what a killed batch left there first.
			batch.CleanTemp(dataDir)
			tmp, remove, terr := batch.TempDir(dataDir)
			if terr != nil {
				return nil, nil, cleanup, terr
			}
			cleanup = remove
			items, err = batch.ExtractZip(o.images, tmp, batch.DefaultZipLimits)
		}
	}
	if err == nil {
		prompts, err = batch.LoadPrompts(o.prompts)
	}
	if err != nil {
		cleanup()
		return nil, nil, func() {}, &UsageError{err}
	}
	return items, prompts, cleanup, nil
}

// batchHooks are what the command line and the window show of a batch.
// Each may be nil.
type batchHooks struct {
	// started is called once the result file is read: runs is the
	// batch's number of runs, skipped how many of them it already holds.
	started func(runs, skipped int)
	// running is called just before the runs start; its bar, when not
	// nil, shows their progress.
	running func() *progressBar
	// progress is called after each run ends (one call at a time).
	progress func(batch.Progress)
	// retrying is called before a request is sent again (from several
	// goroutines at once).
	retrying func(batch.Retry)
	// warn is called with a warning line, such as images that may carry
	// burned-in annotations going to another machine.
	warn func(string)
}

// batchResult is how a batch ended: the runner's summary, the batch's
// runs, those skipped as already done, the rows in the result file, and
// the errors writing it (werr) or finishing it and its CSV (ferr).
type batchResult struct {
	sum                 batch.Summary
	runs, skipped, rows int
	werr, ferr          error
}

// runBatchWith runs a checked batch on s: the command line's batch and
// the window's Batch tab share it. It picks the default model when none
// is named, skips the runs the result file already holds, checks the
// models, runs the others and finishes the file and its CSV. The error
// is one that stopped the batch before it ran; how the runs ended is in
// the result. Closing drain stops it from starting runs; cancelling ctx
// stops those in flight.
func (s *Services) runBatchWith(ctx context.Context, drain <-chan struct{}, o batchOptions, items []batch.Item, prompts *batch.PromptSet, h batchHooks) (batchResult, error) {
	var res batchResult
	if o.endpoint == "" && len(o.models) == 0 {
		m, err := s.DefaultModel(ctx)
		if err != nil {
			return res, err
		}
		o.models = []string{m}
	}
	// The result file first: its lock refuses a second batch on it, and a
	// file that is not a batch result is refused before anything runs.
	out, err := batch.OpenOutput(o.out)
	if err != nil {
		var ie *batch.InputError
		if errors.As(err, &ie) {
			if errors.Is(err, batch.ErrLocked) {
				return res, &UsageError{err}
			}
			return res, &UsageError{fmt.Errorf("%w (the --out file is not a batch result and was left as it is; give another)", err)}
		}
		return res, err
	}
	defer out.Close()

	r := &batch.Runner{
		Concurrency: o.concurrency,
		Backoff:     inference.Backoff{Retries: o.retries, Base: inference.DefaultBackoff.Base, Max: inference.DefaultBackoff.Max},
		Options:     o.options,
		Prep:        o.prep,
		Drain:       drain,
		IncludePHI:  o.includePHI,
	}
	var warnOnce sync.Once
	r.Prepare = func(path string) (inference.Image, error) {
		_, p, err := PrepareImage(path, o.prepare)
		if err != nil {
			return inference.Image{}, err
		}
		im := p.RequestImage()
		// Before the pixels leave the machine: once per batch.
		if w := burnInWarning(r.Endpoint, []inference.Image{im}); w != "" && h.warn != nil {
			warnOnce.Do(func() { h.warn("batch: " + w + " (the first; there may be more)") })
		}
		return im, nil
	}
	spec := batch.Spec{Items: items, Prompts: prompts, Models: o.models, Repeat: o.repeat, Options: o.options, Prep: o.prep,
		IncludePHI: o.includePHI}
	// The server is part of each run's key, so it is known before the
	// runs are.
	checkEndpoint, err := batchBackend(ctx, s, r, o, items, &spec)
	if err != nil {
		return res, err
	}
	jobs, err := spec.Jobs()
	if err != nil {
		return res, &UsageError{err}
	}
	var pending []batch.Job
	for _, j := range jobs {
		if !out.Done(j.Key) {
			pending = append(pending, j)
		}
	}
	res.runs, res.skipped = len(jobs), len(jobs)-len(pending)
	if h.started != nil {
		h.started(res.runs, res.skipped)
	}
	if len(pending) > 0 && checkEndpoint != nil {
		if err := checkEndpoint(); err != nil {
			return res, err
		}
	}
	r.Retrying = h.retrying
	var bar *progressBar
	if h.running != nil {
		bar = h.running()
	}
	r.Progress = func(p batch.Progress) {
		if bar != nil {
			bar.update(p)
		}
		if h.progress != nil {
			h.progress(p)
		}
	}
	res.sum, res.werr = r.Run(ctx, pending, out)
	if bar != nil {
		bar.done()
	}
	res.ferr = out.Finish(jobs, o.csv)
	res.rows = len(out.Rows(nil))
	return res, nil
}

// batchBackend sets the runner's backend and the spec's server (backend,
// endpoint and model digests, for the runs' keys): the endpoint's, or the
// runtime's, after checking that the models are there. For an endpoint
// the check needs the network and is returned, to run only when there is
// something to do.
func batchBackend(ctx context.Context, s *Services, r *batch.Runner, o batchOptions, items []batch.Item, spec *batch.Spec) (check func() error, err error) {
	if o.endpoint != "" {
		oc, err := inference.NewOpenAIClient(o.endpoint, o.apiKey)
		if err != nil {
			return nil, &UsageError{err}
		}
		r.BackendName, r.Endpoint = "openai", redact.URL(oc.URL())
		spec.Backend, spec.Endpoint = r.BackendName, oc.URL()
		r.Backend = batch.BackendFunc(func(ctx context.Context, req inference.Request) (int64, inference.Result, error) {
			return s.AskWith(ctx, req, nil, oc.Chat)
		})
		return func() error { return checkEndpointModels(ctx, oc, o.models) }, nil
	}
	r.BackendName = "ollama"
	if !s.Runtime().Managed() {
		r.Endpoint = redact.URL(s.Runtime().State().URL)
	}
	digests, err := checkOllamaModels(ctx, s, o.models, items)
	if err != nil {
		return nil, err
	}
	spec.Backend, spec.Endpoint, spec.Digests = r.BackendName, r.Endpoint, digests
	r.Backend = batch.BackendFunc(func(ctx context.Context, req inference.Request) (int64, inference.Result, error) {
		return s.Ask(ctx, req, nil)
	})
	return nil, nil
}

// checkOllamaModels refuses, before anything runs, a model the runtime
// does not have or one that cannot read the items' images. It returns
// each model's digest.
func checkOllamaModels(ctx context.Context, s *Services, models []string, items []batch.Item) (map[string]string, error) {
	c, err := s.Runtime().Client(ctx)
	if err != nil {
		return nil, err
	}
	digests := map[string]string{}
	most := 0
	for _, it := range items {
		most = max(most, len(it.Paths))
	}
	for _, m := range models {
		f, err := c.Facts(ctx, m)
		if err != nil {
			return nil, err
		}
		if _, err := inference.Preflight(inference.Request{Model: m, Images: make([]inference.Image, most)}, f); err != nil {
			return nil, err
		}
		digests[m] = f.Digest
	}
	return digests, nil
}

// checkEndpointModels refuses a model an OpenAI-compatible server says it
// does not serve. A server that cannot list its models is not checked.
func checkEndpointModels(ctx context.Context, oc *inference.OpenAIClient, models []string) error {
	ids, err := oc.Models(ctx)
	if err != nil {
		if _, retry := inference.Retryable(err); retry || errors.Is(err, context.Canceled) {
			return err
		}
		var he *inference.HTTPError
		if errors.As(err, &he) {
			return nil // no /models; the runs will tell
		}
		return fmt.Errorf("endpoint %s is not answering: %w", oc.URL(), err)
	}
	for _, m := range models {
		if !slices.Contains(ids, m) && !slices.Contains(ids, m+":latest") {
			return fmt.Errorf("model %q: %w: %s serves %s", m, inference.ErrUnknownModel, oc.URL(), strings.Join(ids, ", "))
		}
	}
	return nil
}

// progressBar shows a batch's progress on stderr: a bar redrawn in place
// when stderr is a terminal, else a plain line every 30 s.
type progressBar struct {
	mu       sync.Mutex // between update and note
	w        io.Writer
	tty      bool
	last     time.Time
	lastLine int
	every    time.Duration
	drawn    bool
}

func newProgressBar(w io.Writer) *progressBar {
	b := &progressBar{w: w, every: 30 * time.Second}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			b.tty, b.every = true, 200*time.Millisecond
		}
	}
	b.last = time.Now()
	return b
}

func (b *progressBar) update(p batch.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now := time.Now(); p.Done < p.Total && now.Sub(b.last) < b.every {
		return
	} else {
		b.last = now
	}
	rate := 0.0
	if p.Elapsed > 0 {
		rate = float64(p.Done) / p.Elapsed.Seconds()
	}
	eta := "--"
	if e := p.ETA(); e > 0 {
		eta = e.Round(time.Second).String()
	}
	failed := ""
	if p.Failed > 0 {
		failed = fmt.Sprintf("  %d failed", p.Failed)
	}
	pct := 100 * p.Done / max(p.Total, 1)
	if !b.tty {
		if p.Done < p.Total {
			fmt.Fprintf(b.w, "batch: %d/%d runs (%d%%), %.2f runs/s, ETA %s%s\n", p.Done, p.Total, pct, rate, eta, failed)
		}
		return
	}
	const width = 30
	fill := width * p.Done / max(p.Total, 1)
	line := fmt.Sprintf("\r[%s%s] %d/%d %3d%%  %.2f runs/s  ETA %s%s", strings.Repeat("=", fill), strings.Repeat(" ", width-fill),
		p.Done, p.Total, pct, rate, eta, failed)
	pad := max(b.lastLine-len(line), 0)
	fmt.Fprint(b.w, line+strings.Repeat(" ", pad))
	b.lastLine = len(line)
	b.drawn = true
}

// note prints a line of its own between progress updates (safe from
// several goroutines; a bar drawn in place is redrawn by the next update).
func (b *progressBar) note(line string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tty && b.drawn {
		fmt.Fprint(b.w, "\r"+strings.Repeat(" ", b.lastLine)+"\r")
		b.lastLine = 0
	}
	fmt.Fprintln(b.w, line)
}

func (b *progressBar) done() {
	if b.tty && b.drawn {
		fmt.Fprintln(b.w)
	}
}
