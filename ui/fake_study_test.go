package ui

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// OpenStudy really opens path, unless the fake is told to fail.
func (f *fakeBackend) OpenStudy(ctx context.Context, path string, progress func(int)) ([]*dicomview.Series, []error, error) {
	f.mu.Lock()
	err, gate := f.openErr, f.openGate
	f.mu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	if gate != nil {
		progress(1)
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("open %s: %w", path, ctx.Err())
		}
	}
	return dicomview.OpenSeriesContext(ctx, path, progress)
}

// Attributes really reads the file's attributes.
func (f *fakeBackend) Attributes(ctx context.Context, path string) ([]dicomview.Attribute, error) {
	return dicomview.Attributes(path)
}

// Recipes returns the built-in recipes (and recipesErr, when set).
func (f *fakeBackend) Recipes(ctx context.Context) ([]*recipe.Recipe, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return recipe.Builtins(), f.recipesErr
}

var placeholderRE = regexp.MustCompile(regexp.QuoteMeta(core.ImagePlaceholder))

// RenderPrompt records req and renders it as Gemma 3's template would,
// roughly: the images at their placeholders (or first), as "[img-N]".
func (f *fakeBackend) RenderPrompt(ctx context.Context, req core.Request) (core.Rendered, error) {
	f.mu.Lock()
	f.rendered = append(f.rendered, req)
	f.mu.Unlock()
	var b strings.Builder
	b.WriteString("<start_of_turn>user\n")
	if req.System != "" {
		b.WriteString(req.System + "\n\n")
	}
	n := 0
	tag := func() string { n++; return fmt.Sprintf("\n\n[img-%d]\n\n", n-1) }
	if strings.Count(req.Prompt, core.ImagePlaceholder) == len(req.Images) {
		b.WriteString(placeholderRE.ReplaceAllStringFunc(req.Prompt, func(string) string { return tag() }))
	} else {
		for range req.Images {
			b.WriteString(tag())
		}
		b.WriteString(req.Prompt)
	}
	b.WriteString("<end_of_turn>\n<start_of_turn>model\n")
	rd := core.Rendered{Prompt: b.String(), Images: len(req.Images), NumCtx: req.Options.NumCtx}
	for i := range n {
		rd.Order = append(rd.Order, i)
	}
	return rd, nil
}
