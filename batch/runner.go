package batch

import (
	"context"
	"errors"
	"fmt"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
	"github.com/medgemma-workbench/medgemma-workbench/internal/units"
)

// Backend sends one request to a model and logs the run to history,
// returning the run's id there. The workbench's Services.Ask is one.
type Backend interface {
	Ask(ctx context.Context, req inference.Request) (runID int64, res inference.Result, err error)
}

// BackendFunc adapts a function to [Backend].
type BackendFunc func(ctx context.Context, req inference.Request) (int64, inference.Result, error)

// Ask calls f.
func (f BackendFunc) Ask(ctx context.Context, req inference.Request) (int64, inference.Result, error) {
	return f(ctx, req)
}

// JobBackend is a [Backend] told which job each request is for, such as
// one that answers from a file of results keyed by [Job.Key].
type JobBackend interface {
	AskJob(ctx context.Context, j Job, req inference.Request) (runID int64, res inference.Result, err error)
}

// Cancelled reports whether a request ended because it was stopped rather
// than because it failed: its context is done, the backend reported the
// run cancelled, or its error is a cancellation. The runner and the
// workbench's services recognise a cancellation only through it.
func Cancelled(ctx context.Context, res inference.Result, err error) bool {
	return ctx.Err() != nil || res.Status == inference.StatusCancelled || errors.Is(err, context.Canceled)
}

// Retry is a request about to be sent again.
type Retry struct {
	// ItemID, Prompt and Model say which run it is; Attempt is the one
	// that failed, from 1.
	ItemID, Prompt, Model string
	Attempt               int
	// Wait is the time until the next attempt; ServerAsked is true when
	// it is the server's Retry-After (capped at inference.MaxRetryAfter).
	Wait        time.Duration
	ServerAsked bool
	Err         error
}

// String is the progress line: "retrying item X (prompt p, model m) in
// 12 s (server asked): 429 Too Many Requests", credentials masked.
func (r Retry) String() string {
	why := "backoff"
	if r.ServerAsked {
		why = "server asked"
	}
	msg := fmt.Sprintf("retrying item %s (prompt %s, model %s) in %s (%s)", r.ItemID, r.Prompt, r.Model, units.Wait(r.Wait), why)
	if r.Err != nil {
		msg += ": " + redact.Text(r.Err.Error())
	}
	return msg
}

// Runner runs jobs with bounded concurrency.
type Runner struct {
	// Backend answers requests.
	Backend Backend
	// Concurrency is how many requests are in flight at once (at least 1).
	Concurrency int
	// Backoff says how requests answered 429 or 5xx are retried.
	Backoff inference.Backoff
	// Options are the generation options of every run.
	Options inference.Options
	// Prepare makes the model input from an image file; it is called once
	// per file of an item, however many runs use it.
	Prepare func(path string) (inference.Image, error)
	// Recipe makes the whole request of a job whose prompt names a recipe
	// (its images and laid-out text, the recipe's sampling under Options):
	// called once per such job.
	Recipe func(ctx context.Context, j Job, o inference.Options) (inference.Request, error)
	// ScoreChoices, when set, gives each multiple-choice or yes/no row its
	// choices' probabilities (see [inference.Client.ScoreChoices]).
	ScoreChoices func(ctx context.Context, req inference.Request, choices []string) (map[string]float64, error)
	// Prep, BackendName and Endpoint are recorded in every row.
	Prep        Prep
	BackendName string
	Endpoint    string
	// IncludePHI puts the items' file names in the rows (Images) and in
	// their errors; without it they hold neither.
	IncludePHI bool
	// Progress, when set, is called after each run ends (one call at a
	// time).
	Progress func(Progress)
	// Retrying, when set, is called before each wait to send a request
	// again (from several goroutines at once).
	Retrying func(Retry)
	// Drain, when closed, stops the batch from starting new runs; runs in
	// flight finish and are written. Cancelling Run's context instead
	// stops those too.
	Drain <-chan struct{}
	// Endpoints, when set, answer instead of Backend: several servers
	// sharing the batch's queue (see [Endpoint] and pool.go); each has its
	// own concurrency, and Backend and Concurrency are unused.
	Endpoints []Endpoint
	// HealthEvery is how often the endpoints are checked (default
	// DefaultHealthEvery); DownTimeout how long the batch waits with every
	// endpoint down before it stops, leaving the rest not started
	// (default DefaultDownTimeout).
	HealthEvery, DownTimeout time.Duration
	// EndpointChanged, when set, is told when an endpoint goes down (err
	// says why) or comes back (err nil), from several goroutines.
	EndpointChanged func(name string, err error)
}

// Run does the jobs, appending a row to out as each finishes. It returns
// when all are done, when Drain is closed and the runs in flight have
// finished, or when ctx is cancelled and they have stopped. The error is
// a failure to write out; failed runs are in the rows and the summary.
func (r *Runner) Run(ctx context.Context, jobs []Job, out *Output) (Summary, error) {
	if len(r.Endpoints) > 0 {
		return r.runPool(ctx, jobs, out)
	}
	sum := Summary{Total: len(jobs)}
	n := max(r.Concurrency, 1)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	cache := newImageCache(jobs, r.Prepare)
	rec := r.recorder(&sum, out, cancel)
	next := make(chan Job)
	go func() {
		defer close(next)
		for _, j := range jobs {
			if r.draining() || ctx.Err() != nil {
				return
			}
			select {
			case next <- j:
			case <-r.Drain:
				return
			case <-ctx.Done():
				return
			}
		}
	}()

	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				row, res, rerr := r.do(ctx, j, cache)
				rec.record(row, res, rerr)
			}
		}()
	}
	wg.Wait()
	sum.NotStarted = sum.Total - sum.OK - sum.Failed - sum.Cancelled
	return sum, rec.werr
}

// recorder writes the rows of a running batch and counts them in its
// summary, one at a time.
type recorder struct {
	mu      sync.Mutex
	r       *Runner
	sum     *Summary
	out     *Output
	cancel  context.CancelCauseFunc
	started time.Time
	werr    error
}

func (r *Runner) recorder(sum *Summary, out *Output, cancel context.CancelCauseFunc) *recorder {
	return &recorder{r: r, sum: sum, out: out, cancel: cancel, started: time.Now()}
}

// record counts a run that ended as res and appends its row unless it was
// cancelled; the first failure to write stops the batch.
func (c *recorder) record(row Row, res inference.Status, rerr error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sum := c.sum
	if res == inference.StatusCancelled {
		sum.Cancelled++
		return
	}
	if err := c.out.Append(row); err != nil {
		if c.werr == nil {
			c.werr = err
			c.cancel(err)
		}
		sum.Cancelled++
		return
	}
	if res == inference.StatusOK {
		sum.OK++
	} else {
		sum.Failed++
		if sum.FirstError == nil {
			sum.FirstError = fmt.Errorf("item %s, prompt %s, model %s: %w", row.ItemID, row.PromptName, row.Model, rerr)
		}
	}
	if c.r.Progress != nil {
		c.r.Progress(Progress{Total: sum.Total, Done: sum.OK + sum.Failed, Failed: sum.Failed, Elapsed: time.Since(c.started)})
	}
}

func (r *Runner) draining() bool {
	select {
	case <-r.Drain:
		return true
	default:
		return false
	}
}

// do runs one job, retrying answers worth retrying. It returns the row and
// how the run ended, with its error.
func (r *Runner) do(ctx context.Context, j Job, cache *imageCache) (Row, inference.Status, error) {
	defer cache.release(j)
	return r.doWith(ctx, j, cache, r.Backend)
}

// doWith is [Runner.do] with backend answering, leaving the item's images
// in the cache.
func (r *Runner) doWith(ctx context.Context, j Job, cache *imageCache, backend Backend) (Row, inference.Status, error) {
	row := r.newRow(j)
	req, err := r.request(ctx, j, cache)
	if err != nil && !r.IncludePHI {
		err = scrubPaths(err, j.Item)
	}
	if err != nil {
		row.Status, row.Error, row.FinishedAt = string(inference.StatusError), err.Error(), time.Now().UTC()
		return row, inference.StatusError, err
	}
	for _, im := range req.Images {
		row.ImageSHA256 = append(row.ImageSHA256, im.SHA256)
	}
	if req.Recipe.Name != "" {
		row.Recipe, row.Prompt = &req.Recipe, req.Prompt
	}
	row.SchemaHash = req.SchemaHash
	id, res, err := r.askRetrying(ctx, backend, j, req, &row)
	row.record(id, res)
	switch {
	case Cancelled(ctx, res, err):
		return row, inference.StatusCancelled, err
	case err != nil:
		row.Status, row.Error = string(inference.StatusError), err.Error()
		return row, inference.StatusError, err
	}
	row.Status = string(inference.StatusOK)
	r.scoreChoices(ctx, j, req, &row)
	return row, inference.StatusOK, nil
}

// ChoiceLabels are the choices a row's probabilities are over: the option
// letters of a multiple-choice item, "yes" and "no" for a yes/no one, or
// none.
func ChoiceLabels(it *Item) []string {
	switch InferMetric(it.Answer, it.Choices) {
	case MCQ:
		out := make([]string, len(it.Choices))
		for i := range it.Choices {
			out[i] = Letter(i)
		}
		return out
	case YesNo:
		return []string{"yes", "no"}
	}
	return nil
}

// scoreChoices fills the row's choice probabilities when the batch scores
// them; a failure is kept in ScoreError (the answer stands).
func (r *Runner) scoreChoices(ctx context.Context, j Job, req inference.Request, row *Row) {
	if r.ScoreChoices == nil {
		return
	}
	labels := ChoiceLabels(j.Item)
	if len(labels) == 0 {
		row.ScoreError = "not a multiple-choice or yes/no item"
		return
	}
	req.Schema, req.SchemaHash = nil, ""
	probs, err := r.ScoreChoices(ctx, req, labels)
	if err != nil {
		row.ScoreError = err.Error()
		return
	}
	row.ChoiceProbs = probs
}

// request is job j's model request: its prompt's recipe makes it, or the
// item's images (prepared once for all its jobs; none for a text-only
// item) go before the text.
func (r *Runner) request(ctx context.Context, j Job, cache *imageCache) (inference.Request, error) {
	if j.Prompt.Recipe != "" {
		if r.Recipe == nil {
			return inference.Request{}, fmt.Errorf("prompt %q names recipe %q, which this batch cannot apply", j.Prompt.Name, j.Prompt.Recipe)
		}
		req, err := r.Recipe(ctx, j, r.Options)
		return withPrompt(req, j), err
	}
	images, err := cache.get(j)
	if err != nil {
		return inference.Request{}, err
	}
	return withPrompt(inference.Request{Model: j.Model, System: j.System, Prompt: j.Text, Images: images, Options: r.Options}, j), nil
}

// Requests calls fn with each job's request, made as Run makes it (the
// item's images prepared once, the prompt's recipe applied, its schema
// asked for), in order, without sending any: batch --emit-openai-batch
// writes them to a file. A job whose request cannot be made stops it with
// its error.
func (r *Runner) Requests(ctx context.Context, jobs []Job, fn func(Job, inference.Request) error) error {
	cache := newImageCache(jobs, r.Prepare)
	for _, j := range jobs {
		if err := ctx.Err(); err != nil {
			return err
		}
		req, err := r.request(ctx, j, cache)
		cache.release(j)
		if err != nil && !r.IncludePHI {
			err = scrubPaths(err, j.Item)
		}
		if err != nil {
			return fmt.Errorf("item %s, prompt %s: %w", j.Item.ID, j.Prompt.Name, err)
		}
		if err := fn(j, req); err != nil {
			return err
		}
	}
	return nil
}

// newRow is job j's row before it runs: what it asks, of which model, and
// how.
func (r *Runner) newRow(j Job) Row {
	row := Row{
		Key: j.Key, ItemID: j.Item.ID, PromptName: j.Prompt.Name, Model: j.Model, Repetition: j.Repetition,
		Question: core.BoundText(j.Item.Question, core.MaxStoredText), Answer: core.BoundText(j.Item.Answer, core.MaxStoredText), Choices: j.Item.Choices, Meta: j.Item.Meta,
		InputSHA256: j.InputSHA256, System: core.BoundText(j.System, core.MaxStoredText), Prompt: core.BoundText(j.Text, core.MaxStoredText),
		Options: r.Options, Prep: r.Prep,
		Backend: r.BackendName, Endpoint: r.Endpoint, StartedAt: time.Now().UTC(),
		PromptVersion: j.Prompt.Version(j.System),
	}
	if r.IncludePHI {
		row.Images = j.Item.Images
	}
	return row
}

// askRetrying sends req, and again after a backoff while the answer is
// worth retrying and retries are left, counting the attempts in row. It
// returns the last answer.
func (r *Runner) askRetrying(ctx context.Context, backend Backend, j Job, req inference.Request, row *Row) (int64, inference.Result, error) {
	for attempt := 1; ; attempt++ {
		row.Attempts = attempt
		var (
			id  int64
			res inference.Result
			err error
		)
		if jb, ok := backend.(JobBackend); ok {
			id, res, err = jb.AskJob(ctx, j, req)
		} else {
			id, res, err = backend.Ask(ctx, req)
		}
		if err == nil || Cancelled(ctx, res, err) {
			return id, res, err
		}
		after, ok := inference.Retryable(err)
		if !ok || attempt > r.Backoff.Retries {
			return id, res, err
		}
		wait := r.Backoff.Delay(attempt, after)
		if r.Retrying != nil {
			r.Retrying(Retry{ItemID: row.ItemID, Prompt: row.PromptName, Model: row.Model, Attempt: attempt, Wait: wait,
				ServerAsked: after > 0 && wait == min(after, inference.MaxRetryAfter), Err: err})
		}
		if !sleep(ctx, wait) {
			return id, res, err
		}
	}
}

// sleep waits d, or until ctx is done; it reports whether ctx is still
// live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return ctx.Err() == nil
}

// record copies how the run ended (its id in history, its answer and
// timings) into the row.
func (row *Row) record(id int64, res inference.Result) {
	row.FinishedAt = time.Now().UTC()
	row.RunID = id
	row.Output = core.BoundText(res.Output, core.MaxStoredText)
	row.Thinking = res.Thinking
	row.ModelDigest = res.ModelDigest
	row.RuntimeVersion = res.RuntimeVersion
	row.PromptEvalCount, row.EvalCount = res.PromptEvalCount, res.EvalCount
	row.TotalDurationMS = res.TotalDuration.Milliseconds()
	row.LoadDurationMS = res.LoadDuration.Milliseconds()
	row.PromptEvalDurationMS = res.PromptEvalDuration.Milliseconds()
	row.EvalDurationMS = res.EvalDuration.Milliseconds()
	row.FirstTokenMS = res.FirstToken.Milliseconds()
	row.DoneReason, row.Truncated = res.DoneReason, res.Truncated
	// The schema verdict comes with the answer: the services check it once.
	row.SchemaValid, row.SchemaError, row.Fields = res.SchemaValid, res.SchemaError, res.Fields
}

// scrubbed is an error whose text has had file names taken out.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// scrubPaths replaces the item's file paths and names in err's text with
// "image N", and their folders with "…".
func scrubPaths(err error, it *Item) error {
	msg := err.Error()
	for i := range it.Paths {
		n := fmt.Sprintf("image %d", i+1)
		for _, s := range []string{it.Paths[i], it.Images[i], filepath.Base(it.Paths[i])} {
			if s != "" {
				msg = strings.ReplaceAll(msg, s, n)
			}
		}
		// Folder names are PHI too ("Doe^Jane/ct/…").
		for _, d := range []string{filepath.Dir(it.Paths[i]), filepath.Dir(filepath.FromSlash(it.Images[i]))} {
			if d != "." && d != string(filepath.Separator) && d != "" {
				msg = strings.ReplaceAll(msg, d, "…")
			}
		}
	}
	return &scrubbed{msg: msg, err: err}
}

// imageCache prepares each item's images once and drops them when the
// item's last job is done.
type imageCache struct {
	prepare func(string) (inference.Image, error)
	mu      sync.Mutex
	items   map[int]*cached
}

type cached struct {
	once   sync.Once
	images []inference.Image
	err    error
	refs   int
}

func newImageCache(jobs []Job, prepare func(string) (inference.Image, error)) *imageCache {
	c := &imageCache{prepare: prepare, items: map[int]*cached{}}
	for _, j := range jobs {
		e := c.items[j.ItemIndex]
		if e == nil {
			e = &cached{}
			c.items[j.ItemIndex] = e
		}
		e.refs++
	}
	return c
}

func (c *imageCache) get(j Job) ([]inference.Image, error) {
	if len(j.Item.Paths) == 0 {
		return nil, nil // a text-only item
	}
	c.mu.Lock()
	e := c.items[j.ItemIndex]
	c.mu.Unlock()
	if e == nil {
		return nil, fmt.Errorf("item %s: no images", j.Item.ID)
	}
	e.once.Do(func() {
		if c.prepare == nil {
			e.err = errors.New("no image preparation")
			return
		}
		for i, p := range j.Item.Paths {
			im, err := c.prepare(p)
			if err != nil {
				e.err = fmt.Errorf("%s: %w", j.Item.Images[i], err)
				return
			}
			e.images = append(e.images, im)
		}
	})
	return e.images, e.err
}

func (c *imageCache) release(j Job) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.items[j.ItemIndex]; e != nil {
		if e.refs--; e.refs <= 0 {
			delete(c.items, j.ItemIndex)
		}
	}
}

// withPrompt asks for an answer that fits j's prompt's schema, if it has
// one, and names the prompt's version for the run log, as its row does.
func withPrompt(req inference.Request, j Job) inference.Request {
	req.PromptVersion = j.Prompt.Version(j.System)
	if p := j.Prompt; p.Answer != nil {
		req.Schema, req.SchemaHash = p.Answer.Raw, p.Answer.Hash
	}
	return req
}
