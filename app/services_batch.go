package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
	"github.com/medgemma-workbench/medgemma-workbench/pacs"
	"github.com/medgemma-workbench/medgemma-workbench/ui"
)

// This file is the batch service: a batch of items × prompts × models
// loaded and run into a result file. The command line's batch
// (cli_batch.go) and the window's Batch tab (RunBatch, for
// ui.BatchBackend) share it; scoring a result file is services_eval.go.

// BatchEventKind says what a BatchEvent reports.
type BatchEventKind int

const (
	// BatchStarted: the result file is read; Runs and Skipped are set.
	BatchStarted BatchEventKind = iota
	// BatchRunEnded: a run ended; Progress is where this time's runs
	// stand.
	BatchRunEnded
	// BatchRetrying: Retry is a request about to be sent again.
	BatchRetrying
	// BatchWarning: Warning is a line to show, such as images that may
	// carry burned-in annotations going to another machine.
	BatchWarning
)

// BatchEvent is what a running batch reports to its progress callback.
// BatchRunEnded events come one at a time; BatchRetrying and
// BatchWarning ones may come from several goroutines at once.
type BatchEvent struct {
	Kind BatchEventKind
	// Runs is the batch's number of runs, Skipped how many of them the
	// result file already holds.
	Runs, Skipped int
	Progress      batch.Progress
	Retry         batch.Retry
	Warning       string
}

// loadedBatch is a checked spec with its items and prompts read.
type loadedBatch struct {
	spec    BatchSpec
	items   []batch.Item
	prompts *batch.PromptSet
	recipes map[string]*recipe.Recipe // the recipes its prompts name
	cleanup func()
}

// manifestSources resolves a manifest's dicomweb:// images into the
// PACS cache under dataDir, with the environment's credentials (see
// PACS.Local).
func manifestSources(ctx context.Context, dataDir string) batch.Locate {
	var p *PACS
	return func(image string) (string, bool, error) {
		if !pacs.IsSource(image) {
			return "", false, nil
		}
		var err error
		if p == nil {
			if p, err = OpenPACS(dataDir, 0); err != nil {
				return "", true, err
			}
		}
		// A manifest may come from anyone: the environment's credentials
		// go to the server the environment names, and only there.
		auth := PACSFromEnv(os.Getenv)
		if auth.URL == "" {
			auth = PACSServer{}
		}
		local, err := p.Local(ctx, image, auth, nil)
		return local, true, err
	}
}

// loadBatch checks spec and reads its items and prompts; a ZIP is
// extracted under dataDir/tmp. close the batch when it is over: it
// removes the files extracted from a ZIP. Bad input is a
// *batchInputError.
func loadBatch(ctx context.Context, spec BatchSpec, dataDir string) (*loadedBatch, error) {
	if err := spec.check(); err != nil {
		return nil, err
	}
	b := &loadedBatch{spec: spec, cleanup: func() {}}
	var err error
	if spec.Manifest != "" {
		b.items, err = batch.LoadManifestWith(spec.Manifest, manifestSources(ctx, dataDir))
	} else {
		err = b.loadImages(dataDir)
	}
	if err != nil {
		b.close()
		return nil, &batchInputError{field: spec.source(), err: err}
	}
	if b.prompts, err = batch.LoadPrompts(spec.Prompts); err != nil {
		b.close()
		return nil, &batchInputError{field: fieldPrompts, err: err}
	}
	if err := b.resolveRecipes(recipe.Open(filepath.Join(dataDir, "recipes"))); err != nil {
		b.close()
		return nil, &batchInputError{field: fieldPrompts, err: err}
	}
	if err := b.checkTextOnly(); err != nil {
		b.close()
		return nil, &batchInputError{field: spec.source(), err: err}
	}
	return b, nil
}

// checkTextOnly refuses, before anything runs, a text-only item (no
// images) asked with a prompt whose recipe makes the model's images from
// the item's files: the recipe has nothing to read.
func (b *loadedBatch) checkTextOnly() error {
	for _, p := range b.prompts.Prompts {
		if p.Recipe == "" {
			continue
		}
		for _, it := range b.items {
			if len(it.Paths) == 0 {
				return &batch.InputError{File: it.Source, Err: fmt.Errorf(
					"item %s has no images, and prompt %q's recipe %s makes its input from the item's images: give the item \"images\", or ask text-only items with a prompt without a recipe",
					it.ID, p.Name, p.Recipe)}
			}
		}
	}
	return nil
}

// resolveRecipes finds the recipe each prompt names, before anything runs,
// and puts its hash into the prompt (and so into the resume key).
func (b *loadedBatch) resolveRecipes(lib *recipe.Library) error {
	b.recipes = map[string]*recipe.Recipe{}
	for i := range b.prompts.Prompts {
		p := &b.prompts.Prompts[i]
		if p.Recipe == "" {
			continue
		}
		r, err := lib.Get(p.Recipe)
		if err != nil {
			return fmt.Errorf("%s: prompt %q: %w", b.spec.Prompts, p.Name, err)
		}
		p.RecipeHash = r.Hash()
		b.recipes[p.Recipe] = r
	}
	return nil
}

// recipeRequest makes a job's request with its prompt's recipe: the item's
// files (each a file, folder, ZIP or DICOMDIR of one series) are its
// inputs and the filled template its query.
func (b *loadedBatch) recipeRequest(j batch.Job, o inference.Options) (inference.Request, error) {
	r := b.recipes[j.Prompt.Recipe]
	if r == nil {
		return inference.Request{}, fmt.Errorf("prompt %q: recipe %q was not resolved", j.Prompt.Name, j.Prompt.Recipe)
	}
	var inputs []recipe.Input
	for i, path := range j.Item.Paths {
		s, _, err := openSeries(path, "")
		if err != nil {
			return inference.Request{}, fmt.Errorf("%s: %w", j.Item.Images[i], err)
		}
		inputs = append(inputs, recipe.Input{Path: path, Series: s})
	}
	built, err := recipe.Build(r, inputs, recipe.Options{Prompt: j.Text})
	if err != nil {
		return inference.Request{}, err
	}
	return built.Request(j.Model, j.System, o), nil
}

// loadImages makes one item of each image of the spec's folder or ZIP.
func (b *loadedBatch) loadImages(dataDir string) error {
	st, err := os.Stat(b.spec.Images)
	if err != nil {
		return err
	}
	if st.IsDir() {
		b.items, err = batch.ScanDir(b.spec.Images)
		return err
	}
	// Extract under the data folder (not the system's shared temp),
	// removing what a killed batch left there first.
	batch.CleanTemp(dataDir)
	tmp, remove, err := batch.TempDir(dataDir)
	if err != nil {
		return err
	}
	b.cleanup = remove
	b.items, err = batch.ExtractZip(b.spec.Images, tmp, batch.DefaultZipLimits)
	return err
}

func (b *loadedBatch) close() { b.cleanup() }

// batchResult is how a batch ended: the runner's summary, the batch's
// runs, those skipped as already done, the rows in the result file and
// its CSV copy (core.BatchResult, as the window sees it), and the errors
// writing it (werr) or finishing it and its CSV (ferr).
type batchResult struct {
	core.BatchResult
	werr, ferr error
	// emitted is the requests written by --emit-openai-batch; noAnswer
	// the runs to do that an --import-results file does not answer, and
	// unmatched its answers to no run of the batch.
	emitted, noAnswer, unmatched int
}

// runBatch runs a loaded batch on s. It picks the default model when none
// is named, skips the runs the result file already holds, checks the
// models, runs the others and finishes the file and its CSV, telling
// onEvent (which may be nil) as it goes. The error is one that stopped
// the batch before it ran; how the runs ended is in the result. Closing
// drain stops it from starting runs; cancelling ctx stops those in
// flight.
func (s *Services) runBatch(ctx context.Context, drain <-chan struct{}, b *loadedBatch, onEvent func(BatchEvent)) (batchResult, error) {
	spec := b.spec
	res := batchResult{BatchResult: core.BatchResult{Out: spec.Out, CSV: spec.CSV}}
	emit := func(e BatchEvent) {
		if onEvent != nil {
			onEvent(e)
		}
	}
	if spec.Endpoint == "" && len(spec.Endpoints) == 0 && spec.EmitOpenAIBatch == "" && spec.ImportResults == "" && len(spec.Models) == 0 {
		m, err := s.DefaultModel(ctx)
		if err != nil {
			return res, err
		}
		spec.Models = []string{m}
	}
	out, err := openResultFile(spec.Out)
	if err != nil {
		return res, err
	}
	defer out.Close()

	r := newBatchRunner(b, drain, emit)
	js := batch.Spec{Items: b.items, Prompts: b.prompts, Models: spec.Models, Repeat: spec.Repeat, Options: spec.Options,
		Prep: spec.Prep, IncludePHI: spec.IncludePHI, Score: spec.Score}
	// The server is part of each run's key, so it is known before the
	// runs are.
	checkEndpoint, err := s.batchBackend(ctx, r, spec, b.items, &js)
	if err != nil {
		return res, err
	}
	jobs, pending, err := pendingJobs(js, out)
	if err != nil {
		return res, &batchInputError{field: spec.source(), err: err}
	}
	res.Runs, res.Skipped = len(jobs), len(jobs)-len(pending)
	if spec.EmitOpenAIBatch != "" {
		// Nothing runs: the requests go to a file for a batch job elsewhere.
		res.emitted, res.werr = emitOpenAIBatch(ctx, r, pending, spec.EmitOpenAIBatch)
		res.Rows = len(out.Rows(nil))
		return res, nil
	}
	if ib, ok := r.Backend.(*importBackend); ok {
		// Only the runs the results file answers; the others stay to do.
		var answered []batch.Job
		for _, j := range pending {
			if ib.has(j.Key) {
				answered = append(answered, j)
			}
		}
		res.noAnswer, res.unmatched = len(pending)-len(answered), len(ib.answers)
		for _, j := range jobs {
			if ib.has(j.Key) {
				res.unmatched--
			}
		}
		pending = answered
	}
	emit(BatchEvent{Kind: BatchStarted, Runs: res.Runs, Skipped: res.Skipped})
	if len(pending) > 0 && checkEndpoint != nil {
		if err := checkEndpoint(); err != nil {
			return res, err
		}
	}
	res.BatchSummary, res.werr = r.Run(ctx, pending, out)
	res.ferr = out.Finish(jobs, spec.CSV)
	res.Rows = len(out.Rows(nil))
	return res, nil
}

// openResultFile opens a batch's result file before anything else: its
// lock refuses a second batch on it, and a file that is not a batch
// result is refused before anything runs.
func openResultFile(path string) (*batch.Output, error) {
	out, err := batch.OpenOutput(path)
	var ie *batch.InputError
	if errors.As(err, &ie) {
		return nil, &batchInputError{field: fieldOut, err: err}
	}
	return out, err
}

// newBatchRunner is the runner of b, telling emit of its progress,
// retries and the first image that may carry burned-in annotations going
// to another machine.
func newBatchRunner(b *loadedBatch, drain <-chan struct{}, emit func(BatchEvent)) *batch.Runner {
	spec := b.spec
	r := &batch.Runner{
		Concurrency: spec.Concurrency,
		Backoff:     inference.Backoff{Retries: spec.Retries, Base: inference.DefaultBackoff.Base, Max: inference.DefaultBackoff.Max},
		Options:     spec.Options,
		Prep:        spec.Prep,
		Drain:       drain,
		IncludePHI:  spec.IncludePHI,
		Progress:    func(p batch.Progress) { emit(BatchEvent{Kind: BatchRunEnded, Progress: p}) },
		Retrying:    func(rt batch.Retry) { emit(BatchEvent{Kind: BatchRetrying, Retry: rt}) },
		EndpointChanged: func(name string, err error) {
			w := "batch: endpoint " + name + " is answering again; it takes runs again"
			if err != nil {
				w = "batch: endpoint " + name + " is not answering (" + redact.Text(err.Error()) + "); its runs go to the others"
			}
			emit(BatchEvent{Kind: BatchWarning, Warning: w})
		},
	}
	var warnOnce sync.Once
	warn := func(images []inference.Image) {
		// Before the pixels leave the machine: once per batch.
		if w := burnInWarning(r.Endpoint, images); w != "" {
			warnOnce.Do(func() {
				emit(BatchEvent{Kind: BatchWarning, Warning: "batch: " + w + " (the first; there may be more)"})
			})
		}
	}
	r.Recipe = func(_ context.Context, j batch.Job, o inference.Options) (inference.Request, error) {
		req, err := b.recipeRequest(j, o)
		if err == nil {
			warn(req.Images)
		}
		return req, err
	}
	r.Prepare = func(path string) (inference.Image, error) {
		p, err := prepareItemFile(path, spec.Prepare)
		if err != nil {
			return inference.Image{}, err
		}
		im := p.RequestImage()
		warn([]inference.Image{im})
		return im, nil
	}
	return r
}

// pendingJobs lists the runs of js, and those of them that out does not
// hold yet.
func pendingJobs(js batch.Spec, out *batch.Output) (jobs, pending []batch.Job, err error) {
	jobs, err = js.Jobs()
	if err != nil {
		return nil, nil, err
	}
	for _, j := range jobs {
		if !out.Done(j.Key) {
			pending = append(pending, j)
		}
	}
	return jobs, pending, nil
}

// batchBackend sets the runner's backend and the spec's server (backend,
// endpoint and model digests, for the runs' keys): the endpoint's, or the
// runtime's, after checking that the models are there. For an endpoint
// the check needs the network and is returned, to run only when there is
// something to do.
func (s *Services) batchBackend(ctx context.Context, r *batch.Runner, spec BatchSpec, items []batch.Item, js *batch.Spec) (check func() error, err error) {
	if spec.EmitOpenAIBatch != "" || spec.ImportResults != "" {
		return nil, s.offlineBackend(r, spec, js)
	}
	if len(spec.Endpoints) > 0 {
		return s.poolBackend(ctx, r, spec, items, js)
	}
	if spec.Endpoint != "" {
		oc, err := inference.NewOpenAIClient(spec.Endpoint, spec.APIKey)
		if err != nil {
			return nil, &batchInputError{field: fieldEndpoint, err: err}
		}
		r.BackendName, r.Endpoint = batch.KindOpenAI.String(), redact.URL(oc.URL())
		js.Backend, js.Endpoint = r.BackendName, oc.URL()
		r.Backend = batch.BackendFunc(func(ctx context.Context, req inference.Request) (int64, inference.Result, error) {
			return s.AskWith(ctx, req, nil, oc.Chat)
		})
		return func() error { return checkEndpointModels(ctx, oc, spec.Models) }, nil
	}
	r.BackendName = batch.KindOllama.String()
	if !s.Runtime().Managed() {
		r.Endpoint = redact.URL(s.Runtime().State().URL)
	}
	digests, err := checkOllamaModels(ctx, s, spec.Models, items)
	if err != nil {
		return nil, err
	}
	js.Backend, js.Endpoint, js.Digests = r.BackendName, r.Endpoint, digests
	r.Backend = batch.BackendFunc(func(ctx context.Context, req inference.Request) (int64, inference.Result, error) {
		return s.Ask(ctx, req, nil)
	})
	if spec.Score == batch.ScoreLogprob {
		r.ScoreChoices = s.ScoreChoices
	}
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
		if _, retry := inference.Retryable(err); retry || batch.Cancelled(ctx, inference.Result{}, err) {
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

// RunBatch runs spec on the workbench's runtime with the default image
// preparation, skipping the runs spec.Out already holds. See
// ui.BatchBackend.
func (s *Services) RunBatch(ctx context.Context, spec core.BatchSpec, drain <-chan struct{}, onProgress func(ui.BatchProgress)) (core.BatchResult, error) {
	b, err := loadBatch(ctx, BatchSpec{BatchSpec: spec, Retries: inference.DefaultBackoff.Retries}, s.cfg.DataDir)
	if err != nil {
		return core.BatchResult{}, err
	}
	defer b.close()
	res, err := s.runBatch(ctx, drain, b, batchProgressTo(onProgress))
	if err != nil {
		return core.BatchResult{}, err // nothing ran
	}
	if res.werr != nil {
		return res.BatchResult, res.werr
	}
	return res.BatchResult, res.ferr
}

// batchProgressTo turns a batch's events into the Batch tab's progress
// for onProgress (nil: none): the progress shown, which a retry or a
// warning adds its line to. Events come from several goroutines.
func batchProgressTo(onProgress func(ui.BatchProgress)) func(BatchEvent) {
	var mu sync.Mutex
	var last ui.BatchProgress
	return func(e BatchEvent) {
		mu.Lock()
		defer mu.Unlock()
		switch e.Kind {
		case BatchStarted:
			last.BatchProgress, last.Skipped = batch.Progress{Total: e.Runs - e.Skipped}, e.Skipped
		case BatchRunEnded:
			last.BatchProgress = e.Progress
		case BatchRetrying:
			last.Note = e.Retry.String()
		case BatchWarning:
			last.Note = e.Warning
		}
		if onProgress != nil {
			onProgress(last)
		}
	}
}

// prepareItemFile makes the model input of one file of an item; a folder
// (a series, for prompts with a recipe) gives its first slice, as `ask
// --image DIR` does.
func prepareItemFile(path string, opts dicomview.PrepareOptions) (*dicomview.Prepared, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		s, _, err := openSeries(path, "")
		if err != nil {
			return nil, err
		}
		sl := s.Slices[0]
		opts.Frame = sl.Frame
		return sl.Image.Prepare(opts)
	}
	_, p, err := PrepareImage(path, opts)
	return p, err
}
