package inference

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"math"
)

// ScoreChoices scores each choice as the model's answer to req: for every
// choice it asks once more with the answer constrained (a JSON Schema of
// that one string) and greedy decoding, and takes the log-probability the
// model gives the tokens of that answer (the runtime reports them from the
// logits before the constraint). The probabilities returned are those,
// normalised over the choices (they sum to 1). The prompt is the same
// each time, so the runtime reuses its cache; nothing is logged.
func (c *Client) ScoreChoices(ctx context.Context, req core.Request, choices []string) (map[string]float64, error) {
	if len(choices) < 2 {
		return nil, errors.New("score choices: want at least two choices")
	}
	logliks := make([]float64, len(choices))
	for i, ch := range choices {
		schema, _ := json.Marshal(map[string]any{"type": "string", "enum": []string{ch}})
		r := req
		r.Schema, r.SchemaHash, r.Logprobs = schema, "", true
		zero := 0.0
		r.Options.Temperature = &zero
		r.Options.NumPredict = 8 + 2*len(ch)
		res, err := c.Chat(ctx, r, nil)
		if err != nil {
			return nil, fmt.Errorf("score choice %q: %w", ch, err)
		}
		if len(res.Logprobs) == 0 {
			return nil, fmt.Errorf("score choice %q: the runtime returned no log-probabilities (it needs Ollama ≥ 0.12)", ch)
		}
		for _, lp := range res.Logprobs {
			logliks[i] += lp.Logprob
		}
	}
	return Normalize(choices, logliks), nil
}

// Normalize turns log-likelihoods into probabilities over the choices
// (a softmax, computed stably from the largest).
func Normalize(choices []string, logliks []float64) map[string]float64 {
	top := math.Inf(-1)
	for _, l := range logliks {
		top = math.Max(top, l)
	}
	var sum float64
	for _, l := range logliks {
		sum += math.Exp(l - top)
	}
	out := make(map[string]float64, len(choices))
	for i, ch := range choices {
		out[ch] = math.Exp(logliks[i]-top) / sum
	}
	return out
}
