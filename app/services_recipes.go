package app

import (
	"context"
	"errors"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// This file is the recipes' part of ui.Backend on Services: the recipes
// the model's-eye view offers and the prompt as the runtime renders it.

// Recipes lists the built-in recipes and the user's (DATA_DIR/recipes);
// the user's files that did not load come back as one error naming each.
func (s *Services) Recipes(ctx context.Context) ([]*recipe.Recipe, error) {
	l := recipe.Open(recipesDir(s.cfg))
	return l.All(), errors.Join(l.Problems...)
}

// RenderPrompt is [Services.Render] under the name ui.AskBackend gives it.
func (s *Services) RenderPrompt(ctx context.Context, req core.Request) (core.Rendered, error) {
	return s.Render(ctx, req)
}
