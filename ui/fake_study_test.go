package ui

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
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

// Recipes returns the built-in recipes, then the user's saved ones (and
// recipesErr, when set).
func (f *fakeBackend) Recipes(ctx context.Context) ([]*recipe.Recipe, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append(recipe.Builtins(), f.mine...), f.recipesErr
}

// SaveRecipe records data and keeps the recipe as the user's, as the
// services do: validated, a built-in's name refused, the user's recipe of
// that name replaced.
func (f *fakeBackend) SaveRecipe(ctx context.Context, data []byte) (*recipe.Recipe, error) {
	r, err := recipe.Parse("fake", data)
	if err != nil {
		return nil, err
	}
	for _, b := range recipe.Builtins() {
		if b.Name == r.Name {
			return nil, errors.New("save recipe " + r.Name + ": fake: a built-in's name")
		}
	}
	r.File = "/fake/recipes/" + r.Name + ".json"
	f.mu.Lock()
	defer f.mu.Unlock()
	f.savedJSON = append(f.savedJSON, slices.Clone(data))
	f.mine = slices.DeleteFunc(f.mine, func(m *recipe.Recipe) bool { return m.Name == r.Name })
	f.mine = append(f.mine, r)
	return r, nil
}

// DeleteRecipe forgets the user's recipe name.
func (f *fakeBackend) DeleteRecipe(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.mine)
	f.mine = slices.DeleteFunc(f.mine, func(m *recipe.Recipe) bool { return m.Name == name })
	if len(f.mine) == n {
		return errors.New("delete recipe " + name + ": fake: not one of yours")
	}
	return nil
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
