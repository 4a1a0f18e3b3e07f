package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// This file is the command line's batch: its flags parsed into a
// BatchSpec, Ctrl-C, the progress bar on stderr and the summary. The
// batch itself is the service in services_batch.go.

const batchUsage = "usage: medgemma-workbench batch (--manifest FILE.jsonl|FILE.csv | --images DIR|FILE.zip) --prompts FILE.yaml " +
	"[--model NAME]... [--repeat N] [--concurrency N] [--endpoint URL [--api-key KEY]]... [--endpoints FILE.yaml] " +
	"[--emit-openai-batch FILE.jsonl | --import-results FILE.jsonl] --out FILE.jsonl [--csv FILE.csv] " +
	"[--seed N] [--temperature T] [--num-predict N] [--num-ctx N] [--frame N] [--window C,W | --preset NAME] " +
	"[--encoding display|ct3] [--fit pad|stretch] [--retries N] [--score logprob] [--include-phi] [--json]"

// batchCommand is the batch command's flags, checked: the batch to run,
// and whether to print its summary as JSON.
type batchCommand struct {
	spec BatchSpec
	json bool
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

// batchFlags are the batch command's flags as given, before they are
// checked and turned into a batchCommand.
type batchFlags struct {
	cmd           batchCommand
	models        stringList
	endpoints     stringList // --endpoint, repeated
	endpointsFile string
	options       optionFlags
	image         imageFlags // window and preset
	encoding, fit string
	frame         int
}

// register puts the batch command's flags on fs.
func (f *batchFlags) register(fs *flag.FlagSet) {
	o := &f.cmd.spec
	fs.StringVar(&o.Manifest, "manifest", "", "JSON Lines or CSV manifest: id, images, question, answer, choices")
	fs.StringVar(&o.Images, "images", "", "a folder or ZIP of images: one item per DICOM, PNG or JPEG file")
	fs.StringVar(&o.Prompts, "prompts", "", "YAML or JSON prompts file: system, and prompts: [{name, template}]")
	fs.Var(&f.models, "model", "model name; repeat for several (default: an installed MedGemma, else the demo model)")
	fs.IntVar(&o.Repeat, "repeat", 1, "repetitions of each (item, prompt, model)")
	fs.IntVar(&o.Concurrency, "concurrency", 1, "requests in flight at once")
	fs.Var(&f.endpoints, "endpoint", "an OpenAI-compatible API base URL, e.g. http://host:8000/v1, or an Ollama server as ollama+http://host:11434, instead of the managed runtime; repeat to share the runs among several")
	fs.StringVar(&f.endpointsFile, "endpoints", "", "YAML file of endpoints to share the runs among: endpoints: [{url, kind: openai|ollama, concurrency, weight, api_key_env}]")
	fs.StringVar(&o.APIKey, "api-key", "", "API key for one --endpoint (default $"+inference.EnvOpenAIKey+"); several take theirs from an --endpoints file")
	fs.StringVar(&o.EmitOpenAIBatch, "emit-openai-batch", "", "write the runs' requests to FILE as an OpenAI batch input (vllm run-batch -i FILE) instead of running them")
	fs.StringVar(&o.ImportResults, "import-results", "", "read the answers of an OpenAI batch output (vllm run-batch -o FILE) into --out and history instead of running")
	fs.StringVar(&o.Out, "out", "", "result file, JSON Lines; an existing one is resumed")
	fs.StringVar(&o.CSV, "csv", "", "CSV copy of the results (default: --out with .csv)")
	f.options.register(fs, "context window in tokens (Ollama only)")
	fs.IntVar(&f.frame, "frame", 0, "frame number of multi-frame images, from 1")
	fs.StringVar(&f.image.window, "window", "", "window as CENTER,WIDTH (default: each file's own)")
	fs.StringVar(&f.image.preset, "preset", "", "window preset: "+presetNames())
	fs.StringVar(&f.encoding, "encoding", "", "model-input encoding: display or ct3")
	fs.StringVar(&f.fit, "fit", "", "pad (keep aspect) or stretch")
	fs.IntVar(&o.Retries, "retries", inference.DefaultBackoff.Retries, "retries of a request answered 429 or 5xx, with exponential backoff")
	fs.BoolVar(&f.cmd.json, "json", false, "print a JSON summary on stdout at the end")
	fs.StringVar(&o.Score, "score", "", "logprob: give multiple-choice and yes/no rows choice_probs, each choice scored by the model's log-probability of answering it (Ollama only)")
	fs.BoolVar(&o.IncludePHI, "include-phi", false, "keep file names and paths in the rows (images, ids of items the manifest does not name, errors); they may hold patient names")
}

// parseBatch reads and checks the batch command's flags.
func (c *cli) parseBatch(args []string) (batchCommand, error) {
	fs := newFlags("batch", &c.cfg)
	var f batchFlags
	f.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return f.cmd, err
	}
	if err := f.check(pos); err != nil {
		return f.cmd, err
	}
	return f.command()
}

// check refuses flags that do not make a batch, in the flags' terms.
func (f *batchFlags) check(pos []string) error {
	o := &f.cmd.spec
	if len(pos) > 0 {
		return usagef("batch: unexpected argument %q\n%s", pos[0], batchUsage)
	}
	if err := o.checkInputs(); err != nil {
		return specUsage(err)
	}
	switch {
	case o.EmitOpenAIBatch != "" && o.ImportResults != "":
		return usagef("batch: --emit-openai-batch writes the requests, --import-results reads the answers: give one of them")
	case (o.EmitOpenAIBatch != "" || o.ImportResults != "") && (len(f.endpoints) > 0 || f.endpointsFile != ""):
		return usagef("batch: --emit-openai-batch and --import-results send nothing: drop --endpoint")
	case (o.EmitOpenAIBatch != "" || o.ImportResults != "") && len(f.models) == 0:
		return usagef("batch: --emit-openai-batch and --import-results need --model NAME (the name the server serves)")
	case (o.EmitOpenAIBatch != "" || o.ImportResults != "") && (o.Score != "" || f.options.numCtx != 0):
		return usagef("batch: --score and --num-ctx are Ollama's; an OpenAI batch has neither")
	}
	return f.checkServers()
}

// checkServers refuses endpoint flags that do not go together and reads
// them, with the models, into the spec, which the service's checkServers
// then checks: batch and benchmark run share it.
func (f *batchFlags) checkServers() error {
	o := &f.cmd.spec
	switch {
	case len(f.endpoints) > 0 && f.endpointsFile != "":
		return usagef("batch: give --endpoint or --endpoints FILE, not both")
	case f.endpointsFile != "" && o.APIKey != "":
		return usagef("batch: --api-key does not go with --endpoints FILE: give each endpoint its key there (api_key_env)")
	case len(f.endpoints) > 1 && o.APIKey != "":
		return usagef("batch: --api-key with several --endpoint would send one key to every server; give each its key in an --endpoints file (api_key_env) or in its URL")
	}
	o.Endpoint = ""
	if len(f.endpoints) > 0 || f.endpointsFile != "" {
		if err := f.resolveEndpoints(); err != nil {
			return err
		}
	}
	hasEndpoint := o.Endpoint != "" || len(o.Endpoints) > 0
	switch {
	case hasEndpoint && f.options.numCtx != 0 && (o.Endpoint != "" || anyKind(o.Endpoints, batch.KindOpenAI)):
		return usagef("batch: --num-ctx has no OpenAI-compatible equivalent; set the server's context length instead (vllm serve --max-model-len N)")
	case o.Score != "" && o.Score != batch.ScoreLogprob:
		return usagef("batch: --score %q: want logprob", o.Score)
	case o.Score != "" && hasEndpoint:
		return usagef("batch: --score logprob needs Ollama's log-probabilities; it does not work with --endpoint")
	}
	o.Models = f.models
	return specUsage(o.checkServers())
}

// apiKeys gives the endpoint its key: --api-key, else $OPENAI_API_KEY
// for one OpenAI-compatible --endpoint; one ollama+ --endpoint takes
// --api-key.
func (f *batchFlags) apiKeys() {
	o := &f.cmd.spec
	if o.APIKey == "" && o.Endpoint != "" {
		o.APIKey = os.Getenv(inference.EnvOpenAIKey)
	}
	if len(f.endpoints) == 1 && len(o.Endpoints) == 1 {
		o.Endpoints[0].APIKey = o.APIKey // one ollama+ endpoint: --api-key is its
	}
}

// resolveEndpoints reads --endpoint and --endpoints into the spec: one
// OpenAI-compatible --endpoint is Endpoint (its runs keyed by its URL, as
// before there were several); anything else is Endpoints, a pool.
func (f *batchFlags) resolveEndpoints() error {
	o := &f.cmd.spec
	if f.endpointsFile != "" {
		eps, err := batch.LoadEndpoints(f.endpointsFile)
		if err != nil {
			return &UsageError{fmt.Errorf("--endpoints %w", err)}
		}
		o.Endpoints = eps
		return nil
	}
	for _, s := range f.endpoints {
		e, err := batch.ParseEndpoint(s)
		if err != nil {
			return usagef("--endpoint: %v", err)
		}
		o.Endpoints = append(o.Endpoints, e)
	}
	if len(o.Endpoints) == 1 && o.Endpoints[0].Kind == batch.KindOpenAI {
		o.Endpoint, o.Endpoints = o.Endpoints[0].URL, nil
	}
	return nil
}

// anyKind reports whether one of eps is of kind.
func anyKind(eps []batch.EndpointSpec, kind batch.EndpointKind) bool {
	for _, e := range eps {
		if e.Kind == kind {
			return true
		}
	}
	return false
}

// command turns checked flags into the batch to run: its models, options
// and image preparation, its CSV copy and the endpoint's key.
func (f *batchFlags) command() (batchCommand, error) {
	o := &f.cmd.spec
	o.Models = f.models
	o.Options = f.options.options()
	w, err := f.image.windowFlag()
	if err != nil {
		return f.cmd, err
	}
	if f.encoding != "" && f.encoding != dicomview.EncodingDisplay && f.encoding != dicomview.EncodingCT3 {
		return f.cmd, usagef("--encoding %q: want display or ct3", f.encoding)
	}
	if o.Prepare, err = modelInputOptions(w, f.encoding, f.fit); err != nil {
		return f.cmd, err
	}
	o.Prepare.Frame = f.frame
	o.Prep = batch.Prep{Frame: f.frame, Window: f.image.window, Preset: f.image.preset, Encoding: f.encoding, Fit: f.fit}
	if err := o.checkCSV(); err != nil {
		return f.cmd, specUsage(err)
	}
	f.apiKeys()
	return f.cmd, nil
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
func (c *cli) runBatch(ctx context.Context, drain <-chan struct{}, o batchCommand) error {
	start := time.Now()
	if err := c.cfg.resolve(); err != nil {
		return err
	}
	b, err := loadBatch(ctx, o.spec, c.cfg.DataDir)
	if err != nil {
		return o.usageError(err)
	}
	defer b.close()
	s, err := NewServices(ctx, c.batchConfig(o.spec), "cli batch")
	if err != nil {
		return err
	}
	defer s.Close()

	show := &batchReporter{w: c.stderr, out: o.spec.Out}
	res, err := s.runBatch(ctx, drain, b, show.event)
	show.done()
	if err != nil {
		return o.usageError(err)
	}
	if o.spec.EmitOpenAIBatch != "" {
		if res.werr != nil {
			return res.werr
		}
		fmt.Fprintf(c.stderr, "batch: wrote %d requests to %s (%d of %d runs already in %s); run them with `vllm run-batch -i %s -o RESULTS.jsonl --model %s`, then `batch … --import-results RESULTS.jsonl`\n",
			res.emitted, o.spec.EmitOpenAIBatch, res.Skipped, res.Runs, res.Out, o.spec.EmitOpenAIBatch, o.spec.Models[0])
		if o.json {
			json.NewEncoder(c.stdout).Encode(map[string]any{"runs": res.Runs, "skipped": res.Skipped, "emitted": res.emitted, "file": o.spec.EmitOpenAIBatch})
		}
		return nil
	}
	if res.unmatched > 0 {
		fmt.Fprintf(c.stderr, "batch: warning: %d answers in %s are for no run of this batch (another manifest, prompts file, model or options?); they were not imported\n", res.unmatched, o.spec.ImportResults)
	}
	sum := res.BatchSummary
	where := fmt.Sprintf("%s and %s", res.Out, res.CSV)
	if res.ferr != nil || res.werr != nil {
		// The result file could not be finished (a full disk): name only
		// what is there, never a CSV that was not written.
		where, res.CSV = res.Out+" (its CSV copy was not written)", ""
	}
	fmt.Fprintf(c.stderr, "batch: %d runs done now (%d ok, %d failed), %d already done; %d rows in %s (%s)\n",
		sum.OK+sum.Failed, sum.OK, sum.Failed, res.Skipped, res.Rows, where, time.Since(start).Round(100*time.Millisecond))
	if o.json {
		json.NewEncoder(c.stdout).Encode(batchSummary{Runs: res.Runs, Skipped: res.Skipped, OK: sum.OK, Failed: sum.Failed,
			Cancelled: sum.Cancelled, NotStarted: sum.NotStarted, Rows: res.Rows, Out: res.Out, CSV: res.CSV,
			Seconds: time.Since(start).Seconds()})
	}
	if err := batchEnd(res); err != nil {
		return err
	}
	if res.noAnswer > 0 {
		return fmt.Errorf("batch: %d runs have no answer in %s; emit their requests again with --emit-openai-batch (it writes only the runs --out lacks)", res.noAnswer, o.spec.ImportResults)
	}
	return nil
}

// batchConfig is the configuration of a batch's services: no runtime for
// an endpoint, else a managed one serving as many requests at once as the
// batch sends.
func (c *cli) batchConfig(spec BatchSpec) Config {
	cfg := c.cfg
	if spec.Endpoint != "" || len(spec.Endpoints) > 0 || spec.EmitOpenAIBatch != "" || spec.ImportResults != "" {
		cfg.NoRuntime = true
	} else if spec.Concurrency > cfg.NumParallel {
		cfg.NumParallel = spec.Concurrency
	}
	return cfg
}

// specUsage words the batch spec's problems (BatchSpec.check) in the
// command's flags, as bad usage (exit 2); other errors, and nil, pass as
// they are.
func specUsage(err error) error {
	var ce *core.BatchSpecError
	if errors.As(err, &ce) {
		switch ce.Problem {
		case core.BatchNoSource, core.BatchBothSources:
			return usagef("batch: give --manifest or --images (one of them)\n%s", batchUsage)
		case core.BatchNoPrompts, core.BatchNoOut:
			return usagef("batch: --prompts and --out are required\n%s", batchUsage)
		case core.BatchRepeat, core.BatchConcurrency:
			return usagef("batch: --repeat and --concurrency must be ≥ 1, --retries ≥ 0")
		}
		return &UsageError{err}
	}
	var se *batchSpecError
	if !errors.As(err, &se) {
		return err
	}
	switch se.problem {
	case problemRetries:
		return usagef("batch: --repeat and --concurrency must be ≥ 1, --retries ≥ 0")
	case problemEndpointModels:
		return usagef("batch: --endpoint needs --model NAME (the name the server serves)")
	case problemEndpointBoth:
		return usagef("batch: give --endpoint or --endpoints FILE, not both")
	case problemCSVIsOut:
		return usagef("batch: --out %s would be overwritten by the CSV: name the JSON Lines file FILE.jsonl, or give --csv", se.out)
	}
	return &UsageError{err}
}

// usageError words the batch service's input errors in the command's
// flags, as bad input (exit 2); other errors pass as they are.
func (o batchCommand) usageError(err error) error {
	var se *batchSpecError
	var ce *core.BatchSpecError
	if errors.As(err, &se) || errors.As(err, &ce) {
		return specUsage(err)
	}
	var be *batchInputError
	if !errors.As(err, &be) {
		return err
	}
	var ie *batch.InputError
	switch {
	case be.field == fieldImages && !errors.As(be.err, &ie):
		return usagef("--images %s: %v", o.spec.Images, be.err)
	case be.field == fieldOut && errors.Is(be.err, batch.ErrLocked):
		return &UsageError{fmt.Errorf("%w or give another --out", be.err)}
	case be.field == fieldOut:
		return &UsageError{fmt.Errorf("%w (the --out file is not a batch result and was left as it is; give another)", be.err)}
	}
	return &UsageError{be.err}
}

// batchEnd is the command's error for how a batch ended: the result file
// failing, runs left to do, or runs that failed.
func batchEnd(res batchResult) error {
	sum := res.BatchSummary
	switch {
	case res.werr != nil:
		return res.werr
	case res.ferr != nil:
		return res.ferr
	case sum.Cancelled+sum.NotStarted > 0:
		return fmt.Errorf("batch interrupted: %d of %d runs left to do (%d stopped in flight); run the same command again to finish", sum.Cancelled+sum.NotStarted, res.Runs, sum.Cancelled)
	case sum.Failed > 0:
		return fmt.Errorf("batch: %d of %d runs failed (their rows have status error; run the same command again to retry them); the first: %w", sum.Failed, res.Runs-res.Skipped, sum.FirstError)
	}
	return nil
}

// batchReporter shows a running batch's events on stderr: the runs the
// result file already holds, a progress bar, retries and warnings.
type batchReporter struct {
	w   io.Writer
	out string
	bar *progressBar
}

func (r *batchReporter) event(e BatchEvent) {
	switch e.Kind {
	case BatchStarted:
		if e.Skipped > 0 {
			fmt.Fprintf(r.w, "batch: %d of %d runs already in %s; doing the other %d\n", e.Skipped, e.Runs, r.out, e.Runs-e.Skipped)
		}
		r.bar = newProgressBar(r.w)
	case BatchRunEnded:
		r.bar.update(e.Progress)
	case BatchRetrying:
		r.bar.note("batch: " + e.Retry.String())
	case BatchWarning:
		if r.bar != nil {
			r.bar.note(e.Warning)
		} else {
			fmt.Fprintln(r.w, e.Warning)
		}
	}
}

// done ends the bar's line once the runs are over.
func (r *batchReporter) done() {
	if r.bar != nil {
		r.bar.done()
	}
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
