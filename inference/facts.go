package inference

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/ollama/ollama/api"
)

// ErrNoVision is returned before a run when images are sent to a model that
// cannot see them (a GGUF converted without its vision tower, or a
// text-only model). The CLI exits with code 2 for it.
var ErrNoVision = errors.New("model has no vision capability")

// ErrContextTooSmall is returned before a run when the prompt and its
// images cannot fit the context window. The CLI exits with code 2 for it.
var ErrContextTooSmall = errors.New("request does not fit the context window")

// Facts returns the facts of the named model. An unknown model's error
// wraps [ErrUnknownModel].
func (c *Client) Facts(ctx context.Context, name string) (core.Facts, error) {
	m, err := c.FindModel(ctx, name)
	if err != nil {
		return core.Facts{}, err
	}
	// /api/show reads the model file's header (for a Gemma vocabulary,
	// a quarter of a second): its answer is kept per digest.
	if f, ok := c.facts.get(m.Digest); ok {
		f.Name, f.Size, f.Demo, f.ModifiedAt = m.Name, m.Size, m.Demo, m.ModifiedAt
		return f, nil
	}
	show, err := c.api.Show(ctx, &api.ShowRequest{Model: m.Name})
	if err != nil {
		var se api.StatusError
		if errors.As(err, &se) && se.StatusCode == http.StatusNotFound {
			return core.Facts{}, fmt.Errorf("model %q: %w: %s", name, ErrUnknownModel, se.ErrorMessage)
		}
		return core.Facts{}, fmt.Errorf("show model %s: %w", name, c.err(err))
	}
	f := factsFrom(m, show)
	c.facts.put(m.Digest, f)
	return f, nil
}

// factsCache keeps models' facts by digest: a digest names the exact
// model files, so its facts never change.
type factsCache struct {
	mu sync.Mutex
	m  map[string]core.Facts
}

func (fc *factsCache) get(digest string) (core.Facts, bool) {
	if fc == nil || digest == "" {
		return core.Facts{}, false
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	f, ok := fc.m[digest]
	return f, ok
}

func (fc *factsCache) put(digest string, f core.Facts) {
	if fc == nil || digest == "" {
		return
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.m == nil {
		fc.m = map[string]core.Facts{}
	}
	fc.m[digest] = f
}

func factsFrom(m core.Model, show *api.ShowResponse) core.Facts {
	f := core.Facts{
		Name: m.Name, Digest: m.Digest, Size: m.Size, Demo: m.Demo, ModifiedAt: m.ModifiedAt,
		Family:       show.Details.Family,
		Parameters:   show.Details.ParameterSize,
		Quantization: show.Details.QuantizationLevel,
	}
	if a, ok := show.ModelInfo["general.architecture"].(string); ok {
		f.Architecture = a
	}
	f.ParameterCount = int64(number(show.ModelInfo["general.parameter_count"]))
	if f.Architecture != "" {
		f.ContextLength = int(number(show.ModelInfo[f.Architecture+".context_length"]))
	}
	for _, c := range show.Capabilities {
		f.Capabilities = append(f.Capabilities, string(c))
	}
	return f
}

// number reads a JSON number that may have been decoded as any numeric type.
func number(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int64:
		return float64(n)
	case int:
		return float64(n)
	case uint64:
		return float64(n)
	}
	return 0
}

// The pre-flight check's numbers: the context it starts from, the room
// it leaves for an answer, and the step it raises num_ctx by. Its prompt
// estimate is core.EstimatePromptTokens.
const (
	defaultNumCtx     = 4096
	defaultAnswerRoom = 1024
	ctxGranule        = 1024
)

// Plan is the outcome of the pre-flight check: the request as it will be
// sent (num_ctx always set, num_predict bounded by the room left) and the
// numbers behind it.
type Plan struct {
	Request      core.Request
	Facts        core.Facts
	PromptTokens int
	// Raised is true when num_ctx was raised above the default to fit.
	Raised bool
}

// Preflight checks a request against the model's facts before anything is
// sent: images need the vision capability ([ErrNoVision]), and the
// estimated prompt plus room for the answer must fit the context window.
// It sets num_ctx explicitly: the caller's value when it fits, else the
// default (4096) raised in steps of 1024 up to the model's context length;
// a request that still does not fit is refused ([ErrContextTooSmall]),
// never truncated. When num_predict is unset it is bounded by the room
// left, so the runtime stops with done_reason "length" instead of shifting
// the context.
func Preflight(req core.Request, f core.Facts) (Plan, error) {
	p := Plan{Request: req, Facts: f, PromptTokens: core.EstimatePromptTokens(req)}
	if len(req.Images) > 0 && !f.Can("vision") {
		return p, fmt.Errorf("model %s cannot read images (capabilities: %v): it was built without its vision tower; "+
			"import it again from the Hugging Face folder with `medgemma-workbench models import --name NAME --safetensors DIR`, "+
			"or from a GGUF that includes the vision projector, or pull medgemma: %w", f.Name, f.Capabilities, ErrNoVision)
	}
	room := req.Options.NumPredict
	if room <= 0 {
		room = defaultAnswerRoom
	}
	need := p.PromptTokens + room
	o := &p.Request.Options
	if o.NumCtx > 0 {
		if need > o.NumCtx {
			return p, fmt.Errorf("model %s: about %d prompt tokens (%d images × %d) plus %d for the answer need num_ctx ≥ %d, but --num-ctx is %d: raise --num-ctx, use fewer images or a shorter prompt: %w",
				f.Name, p.PromptTokens, len(req.Images), core.ImageTokens, room, need, o.NumCtx, ErrContextTooSmall)
		}
	} else {
		o.NumCtx = defaultNumCtx
		if need > o.NumCtx {
			o.NumCtx = (need + ctxGranule - 1) / ctxGranule * ctxGranule
			p.Raised = true
		}
		if f.ContextLength > 0 && o.NumCtx > f.ContextLength {
			o.NumCtx = f.ContextLength
		}
	}
	if f.ContextLength > 0 && need > f.ContextLength {
		return p, fmt.Errorf("model %s: about %d prompt tokens (%d images × %d) plus %d for the answer exceed its context length of %d tokens: send fewer images or a shorter prompt: %w",
			f.Name, p.PromptTokens, len(req.Images), core.ImageTokens, room, f.ContextLength, ErrContextTooSmall)
	}
	if need > o.NumCtx {
		return p, fmt.Errorf("model %s: about %d prompt tokens need num_ctx ≥ %d: %w", f.Name, p.PromptTokens, need, ErrContextTooSmall)
	}
	if o.NumPredict <= 0 {
		o.NumPredict = o.NumCtx - p.PromptTokens
	}
	return p, nil
}
