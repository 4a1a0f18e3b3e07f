package ui

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// imgTagRE is an image's tag in a rendered prompt: "[img-3]".
var imgTagRE = regexp.MustCompile(`\[img-(\d+)\]`)

// showRenderedPrompt shows the prompt the first column would send, as the
// runtime renders it for the column's model: the model's-eye view's
// Rendered prompt button. Nothing runs on the model; the images do go to
// the runtime, so a remote one asks first as Run does.
func (cv *compareView) showRenderedPrompt() {
	c := cv.columns[0]
	req, err := c.request()
	if err != nil {
		cv.env.showError(err)
		return
	}
	input := cv.input()
	cv.confirmBurnIn(func() {
		var full core.Request
		var rd core.Rendered
		cv.env.background(func(ctx context.Context) (err error) {
			if full, err = input(ctx, req, nil); err != nil {
				return err
			}
			rd, err = cv.backend.RenderPrompt(ctx, full)
			return err
		}, func() { cv.showRendered(full, rd) })
	})
}

// showRendered opens the dialog of rd, the rendering of req.
func (cv *compareView) showRendered(req core.Request, rd core.Rendered) {
	text := widget.NewLabel(renderedText(req, rd))
	text.Wrapping = fyne.TextWrapWord
	text.Selectable = true
	head := widget.NewLabel(renderedSummary(req, rd))
	head.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom("Rendered prompt", "Close", container.NewBorder(head, nil, nil, nil, container.NewVScroll(text)), cv.env.win)
	d.Resize(fyne.NewSize(820, 600))
	d.Show()
}

// renderedText is rd's prompt with each image's tag followed by what the
// image is: "[img-0]⟨SLICE 1, 3f2a9c01b4d2…⟩" (the source file's name
// for an image without a label).
func renderedText(req core.Request, rd core.Rendered) string {
	return imgTagRE.ReplaceAllStringFunc(rd.Prompt, func(tag string) string {
		n, err := strconv.Atoi(tag[len("[img-") : len(tag)-1])
		if err != nil || n < 0 || n >= len(req.Images) {
			return tag
		}
		im := req.Images[n]
		what := im.Label
		if what == "" {
			what = im.Source
		}
		return tag + "⟨" + what + ", " + shortSHA(im.SHA256) + "…⟩"
	})
}

// renderedSummary says what was rendered: the model, the recipe, the
// images and the context, and what rendering cost.
func renderedSummary(req core.Request, rd core.Rendered) string {
	parts := []string{req.Model}
	if req.Recipe.Name != "" {
		parts = append(parts, "recipe "+req.Recipe.String())
	}
	parts = append(parts, fmt.Sprintf("%d images", len(req.Images)))
	if rd.NumCtx > 0 {
		ctx := fmt.Sprintf("num_ctx %d", rd.NumCtx)
		if rd.PromptTokens > 0 {
			ctx += fmt.Sprintf(" (about %d prompt tokens)", rd.PromptTokens)
		}
		parts = append(parts, ctx)
	}
	// Ollama renders only after it has loaded the model for the request:
	// nothing is generated, but the load is a run's (its memory for the
	// context, and the first time the load itself).
	cost := "Nothing was generated, but to render it the runtime loaded " + req.Model
	if rd.NumCtx > 0 {
		cost += fmt.Sprintf(" with a %d-token context", rd.NumCtx)
	}
	cost += ", as a run does: its memory, and the load time the first time; the images went to the runtime."
	s := strings.Join(parts, statsSep) + "\n" + cost
	if rd.Images != len(req.Images) || len(rd.Order) != len(req.Images) {
		s += fmt.Sprintf("\nThe runtime placed %d of %d images (%d tags): the model would not see them all.", rd.Images, len(req.Images), len(rd.Order))
	}
	return s
}
