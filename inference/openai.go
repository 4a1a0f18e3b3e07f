package inference

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
)

// EnvOpenAIKey is the environment variable an OpenAI-compatible
// endpoint's API key is read from when none is given.
const EnvOpenAIKey = "OPENAI_API_KEY"

// DefaultOpenAITimeout bounds one OpenAI-compatible request, which does
// not stream: the whole answer comes at once.
const DefaultOpenAITimeout = 10 * time.Minute

// OpenAIClient talks to any server with an OpenAI-compatible chat
// completions API (vLLM, Ollama's /v1, a hosted gateway). Images go as
// data:image/png;base64 URLs.
type OpenAIClient struct {
	base    *url.URL     // without user information
	secrets []string     // the key and the URL's password: never shown in an error
	hc      *http.Client // sends the key (or the URL's user) to base's origin only
	// Timeout bounds each request (default DefaultOpenAITimeout).
	Timeout time.Duration
}

// NewOpenAIClient returns a client for the API at base, such as
// "http://host:8000/v1". A non-empty apiKey is sent as a bearer token (a
// user and password in base as basic authentication), to base's scheme,
// host and port only: a redirect elsewhere, or from https to http, is
// followed without it. No error or URL the client reports holds either.
func NewOpenAIClient(base, apiKey string) (*OpenAIClient, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(base), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q: want an http(s) URL such as http://host:8000/v1", redact.Text(base))
	}
	u, creds := splitCredentials(u, apiKey)
	return &OpenAIClient{base: u, secrets: creds.Secrets(), hc: authClient(creds), Timeout: DefaultOpenAITimeout}, nil
}

// URL is the API's base URL, without credentials.
func (c *OpenAIClient) URL() string { return redact.Parsed(c.base) }

// err wraps a transport error so that its text names no credential.
func (c *OpenAIClient) err(err error) error { return clean(err, c.secrets...) }

type oaiMessage struct {
	Role    string `json:"role"`
	Content any    `json:"content"`
}

type oaiPart struct {
	Type     string       `json:"type"`
	Text     string       `json:"text,omitempty"`
	ImageURL *oaiImageURL `json:"image_url,omitempty"`
}

type oaiImageURL struct {
	URL string `json:"url"`
}

type oaiRequest struct {
	Model       string       `json:"model"`
	Messages    []oaiMessage `json:"messages"`
	Stream      bool         `json:"stream"`
	MaxTokens   *int         `json:"max_tokens,omitempty"`
	Seed        *int         `json:"seed,omitempty"`
	Temperature *float64     `json:"temperature,omitempty"`
	// ResponseFormat carries the answer's JSON Schema.
	ResponseFormat *oaiResponseFormat `json:"response_format,omitempty"`
}

type oaiResponseFormat struct {
	Type       string        `json:"type"` // "json_schema"
	JSONSchema oaiJSONSchema `json:"json_schema"`
}

type oaiJSONSchema struct {
	Name   string          `json:"name"`
	Schema json.RawMessage `json:"schema"`
	Strict bool            `json:"strict"`
}

type oaiResponse struct {
	Model             string `json:"model"`
	SystemFingerprint string `json:"system_fingerprint"`
	Choices           []struct {
		Message struct {
			Content   string `json:"content"`
			Reasoning string `json:"reasoning"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
}

// Body builds the JSON body of a chat completion request: the system
// prompt, then one user message with its parts in order (Request.Parts):
// each image as a data URL, each text as a text part. num_ctx has no OpenAI equivalent and is not sent.
func (c *OpenAIClient) Body(req core.Request) ([]byte, error) { return OpenAIBody(req) }

// OpenAIBody is the JSON body of req as a chat completion request, as
// [OpenAIClient.Body] builds it: what an OpenAI batch input line (vllm
// run-batch) carries.
func OpenAIBody(req core.Request) ([]byte, error) {
	var msgs []oaiMessage
	if req.System != "" {
		msgs = append(msgs, oaiMessage{Role: "system", Content: req.System})
	}
	// The parts in the order Ollama's /api/chat reads them: images first,
	// or each where its [img] placeholder stands (a recipe's layout), all
	// in one message.
	var parts []oaiPart
	for _, p := range req.Parts() {
		if p.Image < 0 {
			parts = append(parts, oaiPart{Type: "text", Text: p.Text})
			continue
		}
		data := req.Images[p.Image].PNG
		parts = append(parts, oaiPart{Type: "image_url", ImageURL: &oaiImageURL{
			URL: "data:" + http.DetectContentType(data) + ";base64," + base64.StdEncoding.EncodeToString(data)}})
	}
	msgs = append(msgs, oaiMessage{Role: "user", Content: parts})
	body := oaiRequest{Model: req.Model, Messages: msgs, Seed: req.Options.Seed, Temperature: req.Options.Temperature}
	if req.Options.NumPredict > 0 {
		n := req.Options.NumPredict
		body.MaxTokens = &n
	}
	if len(req.Schema) > 0 {
		body.ResponseFormat = &oaiResponseFormat{Type: "json_schema",
			JSONSchema: oaiJSONSchema{Name: "answer", Schema: json.RawMessage(req.Schema), Strict: true}}
	}
	return json.Marshal(body)
}

// Chat sends one request (not streamed) and returns the answer, with
// MedGemma's thinking text kept apart as [Client.Chat] does; onChunk, if
// set, gets the whole answer once. Like [Client.Chat] it returns a result
// in every case: StatusCancelled when ctx ends, StatusError with the
// error's text otherwise. A server that answers with another status gives
// an [*HTTPError] (see [Retryable]); 404 wraps [ErrUnknownModel].
func (c *OpenAIClient) Chat(ctx context.Context, req core.Request, onChunk func(string)) (core.Result, error) {
	res := core.Result{Model: req.Model, Status: core.StatusError}
	start := time.Now()
	fail := func(err error) (core.Result, error) {
		res.TotalDuration = time.Since(start)
		if ctx.Err() != nil {
			res.Status, res.DoneReason, res.Error = core.StatusCancelled, "cancelled", "cancelled"
			return res, fmt.Errorf("chat with %s at %s: %w", req.Model, c.URL(), ctx.Err())
		}
		res.Error = err.Error()
		return res, err
	}
	body, err := c.Body(req)
	if err != nil {
		return fail(err)
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultOpenAITimeout
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(tctx, http.MethodPost, c.base.String()+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return fail(err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(hreq)
	if err != nil {
		return fail(fmt.Errorf("chat with %s at %s: %w", req.Model, c.URL(), c.err(err)))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fail(fmt.Errorf("chat with %s at %s: %w", req.Model, c.URL(), c.err(err)))
	}
	if resp.StatusCode/100 != 2 {
		he := &HTTPError{StatusCode: resp.StatusCode, Message: redact.Secret(errorMessage(data), c.secrets...),
			RetryAfter: ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
		if resp.StatusCode == http.StatusNotFound {
			return fail(fmt.Errorf("model %q at %s: %w: %w", req.Model, c.URL(), ErrUnknownModel, he))
		}
		return fail(fmt.Errorf("chat with %s at %s: %w", req.Model, c.URL(), he))
	}
	parsed, err := ParseOpenAIResponse(req.Model, data)
	if err != nil {
		return fail(fmt.Errorf("chat with %s at %s: %w", req.Model, c.URL(), c.err(err)))
	}
	res = parsed
	res.TotalDuration = time.Since(start)
	res.FirstToken = res.TotalDuration
	res.Status = core.StatusOK
	if res.Output != "" {
		res.Chunks = 1
		if onChunk != nil {
			onChunk(res.Output)
		}
	}
	return res, nil
}

// ParseOpenAIResponse reads a chat completion's JSON body (as a server
// answers, or as an OpenAI batch output line's response.body holds it)
// into a result with StatusOK: the answer with MedGemma's thinking text
// kept apart, why it ended, and the token counts. A body with no choices
// is an error.
func ParseOpenAIResponse(model string, data []byte) (core.Result, error) {
	var out oaiResponse
	if err := json.Unmarshal(data, &out); err != nil || len(out.Choices) == 0 {
		if err == nil {
			err = errors.New("no choices")
		}
		return core.Result{Model: model, Status: core.StatusError, Error: err.Error()}, fmt.Errorf("not a chat completion: %v", err)
	}
	res := core.Result{Model: model}
	ch := out.Choices[0]
	answer, thinking := SplitThinking(ch.Message.Content)
	res.Output = strings.TrimLeft(answer, " \n")
	res.Thinking = strings.TrimSpace(strings.TrimSpace(ch.Message.Reasoning + "\n" + thinking))
	res.DoneReason = ch.FinishReason
	res.Truncated = ch.FinishReason == "length"
	res.PromptEvalCount = out.Usage.PromptTokens
	res.EvalCount = out.Usage.CompletionTokens
	res.Status = core.StatusOK
	return res, nil
}

// errorMessage is the message of an OpenAI-style error body
// ({"error": {"message": …}} or {"error": "…"}), else the body's start.
func errorMessage(body []byte) string {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  any             `json:"detail"`
	}
	if json.Unmarshal(body, &e) == nil {
		var obj struct {
			Message string `json:"message"`
		}
		var s string
		switch {
		case json.Unmarshal(e.Error, &obj) == nil && obj.Message != "":
			return obj.Message
		case json.Unmarshal(e.Error, &s) == nil && s != "":
			return s
		case e.Message != "":
			return e.Message
		case e.Detail != nil:
			return fmt.Sprint(e.Detail)
		}
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// Models lists the model ids the server offers (GET /models).
func (c *OpenAIClient) Models(ctx context.Context) ([]string, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base.String()+"/models", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("list models at %s: %w", c.URL(), c.err(err))
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("list models at %s: %w", c.URL(), &HTTPError{StatusCode: resp.StatusCode, Message: redact.Secret(errorMessage(data), c.secrets...)})
	}
	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("list models at %s: %w", c.URL(), c.err(err))
	}
	ids := make([]string, len(list.Data))
	for i, m := range list.Data {
		ids[i] = m.ID
	}
	return ids, nil
}
