package inference

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"github.com/ollama/ollama/api"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

var imgTag = regexp.MustCompile(`\[img-(\d+)\]`)

// Render asks the runtime to render req without running the model
// (Ollama's _debug_render_only): what the model would read, token for
// token but for the images.
func (c *Client) Render(ctx context.Context, req core.Request) (core.Rendered, error) {
	areq := chatRequest(req)
	no := false
	areq.Stream, areq.DebugRenderOnly = &no, true
	var out core.Rendered
	got := false
	err := c.err(c.api.Chat(ctx, areq, func(r api.ChatResponse) error {
		if r.DebugInfo != nil {
			got = true
			out.Prompt, out.Images = r.DebugInfo.RenderedTemplate, r.DebugInfo.ImageCount
		}
		return nil
	}))
	if err != nil {
		return out, fmt.Errorf("render the prompt for %s: %w", req.Model, err)
	}
	if !got {
		return out, fmt.Errorf("render the prompt for %s: the runtime sent no rendered template (it needs Ollama ≥ 0.12 with _debug_render_only)", req.Model)
	}
	for _, m := range imgTag.FindAllStringSubmatch(out.Prompt, -1) {
		n, _ := strconv.Atoi(m[1])
		out.Order = append(out.Order, n)
	}
	return out, nil
}

// chatMessages are a request's messages for /api/chat: the system prompt,
// then one user message with the prompt and the images (which the runtime
// places at the prompt's [img] placeholders, or before the text).
func chatMessages(req core.Request) []api.Message {
	msgs := make([]api.Message, 0, 2)
	if req.System != "" {
		msgs = append(msgs, api.Message{Role: "system", Content: req.System})
	}
	user := api.Message{Role: "user", Content: req.Prompt}
	for _, im := range req.Images {
		user.Images = append(user.Images, api.ImageData(im.PNG))
	}
	return append(msgs, user)
}
