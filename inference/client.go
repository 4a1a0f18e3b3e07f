package inference

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ollama/ollama/api"
)

// ErrUnknownModel is returned when the runtime does not have the model.
var ErrUnknownModel = errors.New("unknown model")

// Client talks to one Ollama server.
type Client struct {
	api  *api.Client
	base *url.URL
}

// NewClient returns a client for the server at base. A nil hc uses a client
// without an overall timeout (streams may be long); contexts bound calls.
func NewClient(base *url.URL, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{}
	}
	return &Client{api: api.NewClient(base, hc), base: base}
}

// API returns the underlying Ollama API client.
func (c *Client) API() *api.Client { return c.api }

// URL is the server's base URL.
func (c *Client) URL() string { return c.base.String() }

// Version returns the server's version.
func (c *Client) Version(ctx context.Context) (string, error) {
	return c.api.Version(ctx)
}

// Models lists the models the server has.
func (c *Client) Models(ctx context.Context) ([]Model, error) {
	resp, err := c.api.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list models at %s: %w", c.base, err)
	}
	out := make([]Model, 0, len(resp.Models))
	for _, m := range resp.Models {
		out = append(out, Model{
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
	return name == DemoModelName || name == DemoModelName+":latest"
}

// FindModel returns the named model, matching "name" to "name:latest". The
// error wraps [ErrUnknownModel] and says how to get models.
func (c *Client) FindModel(ctx context.Context, name string) (Model, error) {
	models, err := c.Models(ctx)
	if err != nil {
		return Model{}, err
	}
	for _, m := range models {
		if m.Name == name || m.Name == name+":latest" || strings.TrimSuffix(m.Name, ":latest") == name {
			return m, nil
		}
	}
	return Model{}, fmt.Errorf("model %q: %w: the runtime has %s; run `medgemma-workbench models pull %s` or `medgemma-workbench models demo`", name, ErrUnknownModel, modelNames(models), name)
}

func modelNames(ms []Model) string {
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
// may be nil) as it arrives. It returns the run's result in every case:
// when ctx is cancelled the result has StatusCancelled and the partial
// output; on failure StatusError and the error's text. The error is nil
// only for StatusOK.
func (c *Client) Chat(ctx context.Context, req Request, onChunk func(string)) (Result, error) {
	res := Result{Model: req.Model, Status: StatusOK}
	msgs := make([]api.Message, 0, 2)
	if req.System != "" {
		msgs = append(msgs, api.Message{Role: "system", Content: req.System})
	}
	user := api.Message{Role: "user", Content: req.Prompt}
	for _, im := range req.Images {
		user.Images = append(user.Images, api.ImageData(im.PNG))
	}
	msgs = append(msgs, user)
	stream := true
	areq := &api.ChatRequest{
		Model:    req.Model,
		Messages: msgs,
		Stream:   &stream,
		Options:  req.Options.Map(),
	}
	var out strings.Builder
	done := false
	start := time.Now()
	err := c.api.Chat(ctx, areq, func(r api.ChatResponse) error {
		if t := r.Message.Content; t != "" {
			if res.Chunks == 0 {
				res.FirstToken = time.Since(start)
			}
			res.Chunks++
			out.WriteString(t)
			if onChunk != nil {
				onChunk(t)
			}
		}
		if r.Done {
			done = true
			res.DoneReason = r.DoneReason
			res.PromptEvalCount = r.PromptEvalCount
			res.EvalCount = r.EvalCount
			res.TotalDuration = r.TotalDuration
			res.LoadDuration = r.LoadDuration
			res.PromptEvalDuration = r.PromptEvalDuration
			res.EvalDuration = r.EvalDuration
		}
		return nil
	})
	res.Output = out.String()
	if res.TotalDuration == 0 {
		res.TotalDuration = time.Since(start)
	}
	switch {
	case ctx.Err() != nil:
		// Checked first: the API client may end a cancelled stream without
		// an error.
		res.Status = StatusCancelled
		res.DoneReason = "cancelled"
		res.Error = "cancelled"
		return res, fmt.Errorf("chat with %s: %w", req.Model, ctx.Err())
	case err == nil && done:
		return res, nil
	case err == nil:
		err = fmt.Errorf("chat with %s: the server ended the answer early (runner crashed or server stopped); the partial answer is kept", req.Model)
		res.Status = StatusError
		res.Error = err.Error()
		return res, err
	default:
		var se api.StatusError
		if errors.As(err, &se) && se.StatusCode == http.StatusNotFound {
			err = fmt.Errorf("model %q: %w: %s; run `medgemma-workbench models list` to see what is installed", req.Model, ErrUnknownModel, se.ErrorMessage)
		} else {
			err = fmt.Errorf("chat with %s: %w", req.Model, err)
		}
		res.Status = StatusError
		res.Error = err.Error()
		return res, err
	}
}

// Map returns the options as Ollama's options map, with only the set ones.
func (o Options) Map() map[string]any {
	m := map[string]any{}
	if o.Seed != nil {
		m["seed"] = *o.Seed
	}
	if o.Temperature != nil {
		m["temperature"] = *o.Temperature
	}
	if o.NumPredict != 0 {
		m["num_predict"] = o.NumPredict
	}
	if o.NumCtx != 0 {
		m["num_ctx"] = o.NumCtx
	}
	return m
}
