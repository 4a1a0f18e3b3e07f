package inference

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
)

// ErrUnknownModel is returned when the runtime does not have the model.
var ErrUnknownModel = errors.New("unknown model")

// ErrStalled is the cause of a run that ended because the server sent
// nothing for longer than the stall timeout.
var ErrStalled = errors.New("no output from the model")

// Default stall timeouts: the first chunk may wait for a model to load,
// later chunks come every few milliseconds to seconds.
const (
	DefaultFirstChunkTimeout = 5 * time.Minute
	DefaultStallTimeout      = 60 * time.Second
	// FirstChunkPerImage is added to the first-chunk timeout for each
	// image of a request: the runtime encodes every image and reads its
	// 256 tokens before the first token of the answer, and says nothing
	// meanwhile (85 CT slices on a CPU take minutes).
	FirstChunkPerImage = 20 * time.Second
)

// Client talks to one Ollama server.
type Client struct {
	api     *api.Client
	base    *url.URL // without user information
	secrets []string // never shown in an error
	// FirstChunkTimeout and StallTimeout bound the wait for the first chunk
	// of an answer (which includes loading the model) and between chunks.
	FirstChunkTimeout time.Duration
	StallTimeout      time.Duration

	facts *factsCache
}

// NewClient returns a client for the server at base. A nil hc uses a client
// without an overall timeout (streams may be long); contexts and the stall
// timeouts bound calls. A user and password in base are sent as basic
// authentication to base's scheme, host and port only, and appear in no
// error or URL the client reports.
func NewClient(base *url.URL, hc *http.Client) *Client {
	return newClient(base, hc, "")
}

// NewBearerClient returns a client that sends "Authorization: Bearer
// token" with every request to base's scheme, host and port, for a server
// behind an authenticating proxy. A redirect to another host or port, or
// from https to http, is followed without the token. An empty token sends
// no header.
func NewBearerClient(base *url.URL, token string) *Client {
	return newClient(base, nil, token)
}

func newClient(base *url.URL, hc *http.Client, token string) *Client {
	clean, creds := splitCredentials(base, token)
	switch {
	case hc == nil:
		hc = authClient(creds)
	case !creds.Empty():
		c := *hc
		next := c.Transport
		if next == nil {
			next = http.DefaultTransport
		}
		c.Transport = authTransport{Creds: creds, Next: next}
		hc = &c
	}
	return &Client{api: api.NewClient(clean, hc), base: clean, secrets: creds.Secrets(),
		FirstChunkTimeout: DefaultFirstChunkTimeout, StallTimeout: DefaultStallTimeout, facts: &factsCache{}}
}

// err wraps an error from the API client so that its text names no
// credential (a server may echo the token back).
func (c *Client) err(err error) error { return clean(err, c.secrets...) }

// URL is the server's base URL, without credentials.
func (c *Client) URL() string { return redact.Parsed(c.base) }

// Version returns the server's version.
func (c *Client) Version(ctx context.Context) (string, error) {
	v, err := c.api.Version(ctx)
	return v, c.err(err)
}

// Models lists the models the server has.
func (c *Client) Models(ctx context.Context) ([]core.Model, error) {
	resp, err := c.api.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list models at %s: %w", c.URL(), c.err(err))
	}
	out := make([]core.Model, 0, len(resp.Models))
	for _, m := range resp.Models {
		out = append(out, core.Model{
			Name:         m.Name,
			Digest:       m.Digest,
			Size:         m.Size,
			Family:       m.Details.Family,
			Parameters:   m.Details.ParameterSize,
			Quantization: m.Details.QuantizationLevel,
			ModifiedAt:   m.ModifiedAt,
			Demo:         IsDemo(m.Name),
		})
	}
	return out, nil
}

// IsDemo reports whether name is the offline demo model.
func IsDemo(name string) bool {
	return name == core.DemoModelName || name == core.DemoModelName+":latest"
}

// FindModel returns the named model, matching "name" to "name:latest". The
// error wraps [ErrUnknownModel] and says how to get models.
func (c *Client) FindModel(ctx context.Context, name string) (core.Model, error) {
	models, err := c.Models(ctx)
	if err != nil {
		return core.Model{}, err
	}
	for _, m := range models {
		if m.Name == name || m.Name == name+":latest" || strings.TrimSuffix(m.Name, ":latest") == name {
			return m, nil
		}
	}
	return core.Model{}, fmt.Errorf("model %q: %w: the runtime has %s; run `medgemma-workbench models pull %s` or `medgemma-workbench models demo`", name, ErrUnknownModel, modelNames(models), name)
}

func modelNames(ms []core.Model) string {
	if len(ms) == 0 {
		return "no models"
	}
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	return strings.Join(names, ", ")
}

// Chat sends one request and streams the answer's text to onChunk (which
// may be nil) as it arrives. Thinking text between MedGemma's markers never
// reaches onChunk: it is kept in Result.Thinking. It returns the run's
// result in every case: when ctx is cancelled the result has
// StatusCancelled and the partial output; on failure (including a stall
// longer than the client's timeouts) StatusError, the partial output and
// the error's text. The error is nil only for StatusOK; an answer cut off
// by num_predict or num_ctx is StatusOK with Truncated set.
func (c *Client) Chat(ctx context.Context, req core.Request, onChunk func(string)) (core.Result, error) {
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	first := c.FirstChunkTimeout
	if first <= 0 {
		first = DefaultFirstChunkTimeout
	}
	dog := startWatchdog(cancel, first+time.Duration(len(req.Images))*FirstChunkPerImage, c.StallTimeout)
	defer dog.stop()

	a := answer{res: core.Result{Model: req.Model, Status: core.StatusOK, NumCtx: req.Options.NumCtx}, onChunk: onChunk, start: time.Now()}
	err := c.err(c.api.Chat(cctx, chatRequest(req), func(r api.ChatResponse) error {
		dog.chunk()
		a.read(r)
		return nil
	}))
	dog.stop()
	res := a.finish()
	return classify(ctx, cctx, req.Model, res, a.end(), err)
}

// chatRequest is req as Ollama's streamed chat request.
func chatRequest(req core.Request) *api.ChatRequest {
	stream, no := true, false
	areq := &api.ChatRequest{
		Model:    req.Model,
		Messages: chatMessages(req),
		Stream:   &stream,
		Options:  req.Options.Map(),
		// Never drop part of the prompt or shift the context: a request
		// that does not fit fails, and an answer that fills the window
		// ends with done_reason "length".
		Truncate: &no,
		Shift:    &no,
	}
	if req.KeepAlive != nil {
		areq.KeepAlive = &api.Duration{Duration: *req.KeepAlive}
	}
	if len(req.Schema) > 0 {
		// A JSON Schema: the runtime constrains the answer to fit it.
		areq.Format = json.RawMessage(req.Schema)
	}
	areq.Logprobs = req.Logprobs
	return areq
}

// watchdog cancels a request, with an [ErrStalled] cause, when no chunk
// arrives in time: the first within one timeout, each later one within
// another.
type watchdog struct {
	timer   *time.Timer
	between time.Duration
	current atomic.Int64 // the timeout now running, for the message
}

// startWatchdog starts the first chunk's timer; a timeout of zero or less
// is the default.
func startWatchdog(cancel context.CancelCauseFunc, first, between time.Duration) *watchdog {
	if first <= 0 {
		first = DefaultFirstChunkTimeout
	}
	if between <= 0 {
		between = DefaultStallTimeout
	}
	w := &watchdog{between: between}
	w.current.Store(int64(first))
	w.timer = time.AfterFunc(first, func() {
		cancel(fmt.Errorf("%w for %s", ErrStalled, time.Duration(w.current.Load())))
	})
	return w
}

// chunk restarts the timer for the next chunk.
func (w *watchdog) chunk() {
	w.current.Store(int64(w.between))
	w.timer.Reset(w.between)
}

func (w *watchdog) stop() { w.timer.Stop() }

// answer collects a streamed answer: the text (thinking kept apart, leading
// blanks dropped) sent on to onChunk as it comes, and the final counts.
type answer struct {
	res          core.Result
	out, thought strings.Builder
	split        thinkingSplitter
	onChunk      func(string)
	start        time.Time
	done         bool // the server sent its final chunk
	// lastToken is the last chunk's text, trimmed, and repeats how many
	// chunks in a row ended the stream with it: the runtime's repeat
	// limit (core.RuntimeRepeatLimit) counts the same way.
	lastToken string
	repeats   int
}

// streamEnd is how a stream ended, for classify: with the server's final
// chunk, or else after how many identical chunks.
type streamEnd struct {
	done    bool
	repeats int
}

func (a *answer) end() streamEnd { return streamEnd{done: a.done, repeats: a.repeats} }

// read takes one chunk of the stream.
func (a *answer) read(r api.ChatResponse) {
	if !r.Done {
		// As the runtime's server counts the runner's chunks: each one's
		// text (thinking included, as it is before the server's parsers),
		// trimmed.
		tok := strings.TrimSpace(r.Message.Content + r.Message.Thinking)
		if a.repeats > 0 && tok == a.lastToken {
			a.repeats++
		} else {
			a.lastToken, a.repeats = tok, 1
		}
	}
	if t := r.Message.Content; t != "" {
		if a.res.Chunks == 0 {
			a.res.FirstToken = time.Since(a.start)
		}
		a.res.Chunks++
		a.emit(a.split.Write(t))
	}
	if t := r.Message.Thinking; t != "" {
		a.thought.WriteString(t)
	}
	for _, lp := range r.Logprobs {
		a.res.Logprobs = append(a.res.Logprobs, core.TokenLogprob{Token: lp.Token, Logprob: lp.Logprob})
	}
	if r.Done {
		a.done = true
		a.res.DoneReason = r.DoneReason
		a.res.PromptEvalCount = r.PromptEvalCount
		a.res.EvalCount = r.EvalCount
		a.res.TotalDuration = r.TotalDuration
		a.res.LoadDuration = r.LoadDuration
		a.res.PromptEvalDuration = r.PromptEvalDuration
		a.res.EvalDuration = r.EvalDuration
	}
}

func (a *answer) emit(text, thinking string) {
	a.thought.WriteString(thinking)
	if text == "" {
		return
	}
	if a.out.Len() == 0 {
		text = strings.TrimLeft(text, " \n")
		if text == "" {
			return
		}
	}
	a.out.WriteString(text)
	if a.onChunk != nil {
		a.onChunk(text)
	}
}

// finish flushes what the splitter held back and returns the result so far.
func (a *answer) finish() core.Result {
	a.emit(a.split.Flush())
	res := a.res
	res.Output = a.out.String()
	res.Thinking = strings.TrimSpace(a.thought.String())
	res.Truncated = res.DoneReason == "length"
	if res.TotalDuration == 0 {
		res.TotalDuration = time.Since(a.start)
	}
	return res
}

// classify sets the result's status from how the stream ended (ctx is the
// caller's, cctx the request's with the watchdog's cause, err the API
// client's) and returns the error that says what happened.
func classify(ctx, cctx context.Context, model string, res core.Result, end streamEnd, err error) (core.Result, error) {
	fail := func(err error) (core.Result, error) {
		res.Status = core.StatusError
		res.Error = err.Error()
		return res, err
	}
	// What became of the answer: kept when something was generated.
	kept := "the partial answer is kept"
	if res.Output == "" && res.Thinking == "" {
		kept = "nothing was generated"
	}
	switch {
	case ctx.Err() != nil:
		// Checked first: the API client may end a cancelled stream without
		// an error.
		res.Status = core.StatusCancelled
		res.DoneReason = core.DoneCancelled
		res.Error = "cancelled"
		return res, fmt.Errorf("chat with %s: %w", model, ctx.Err())
	case errors.Is(context.Cause(cctx), ErrStalled):
		return fail(fmt.Errorf("chat with %s: %w; gave up (the runtime may be overloaded or stuck; see its log); %s", model, context.Cause(cctx), kept))
	case err == nil && end.done:
		return res, nil
	case err == nil && end.repeats >= core.RuntimeRepeatLimit:
		// The runtime's repeat limit: it closes the stream with no final
		// record. A result, not a crash: the tokens are the workbench's
		// count, one a chunk as the runtime streams them.
		res.DoneReason = core.DoneRepeatLimit
		res.EvalCount = res.Chunks
		res.EvalDuration = max(res.TotalDuration-res.FirstToken, 0)
		return res, nil
	case err == nil:
		return fail(fmt.Errorf("chat with %s: the server ended the answer early (%w: runner crashed or server stopped); %s", model, ErrRunnerStopped, kept))
	default:
		var se api.StatusError
		if errors.As(err, &se) && se.StatusCode == http.StatusNotFound {
			return fail(fmt.Errorf("model %q: %w: %s; run `medgemma-workbench models list` to see what is installed", model, ErrUnknownModel, se.ErrorMessage))
		}
		if strings.Contains(err.Error(), "while running the model") {
			return fail(fmt.Errorf("chat with %s: %w in the middle of the answer (%w); %s, and the next request starts the runner again", model, ErrRunnerStopped, err, kept))
		}
		return fail(fmt.Errorf("chat with %s: %w; %s", model, err, kept))
	}
}
