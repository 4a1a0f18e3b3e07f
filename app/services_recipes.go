package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/internal/atomicfile"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// This file is the recipes' part of ui.Backend on Services: the recipes
// the model's-eye view offers, the recipe editor's saving and deleting
// of the user's own, and the prompt as the runtime renders it.

// maxRecipeSize is the most bytes a recipe file may have (recipe.Open
// skips larger ones).
const maxRecipeSize = 1 << 20

// Recipes lists the built-in recipes and the user's (DATA_DIR/recipes);
// the user's files that did not load come back as one error naming each.
func (s *Services) Recipes(ctx context.Context) ([]*recipe.Recipe, error) {
	l := recipe.Open(recipesDir(s.cfg))
	return l.All(), errors.Join(l.Problems...)
}

// SaveRecipe validates data as a recipe and writes it, atomically and
// readable by the user only, to the user's recipes folder: over the file
// that holds a user recipe of that name, else as NAME.json. A built-in's
// name is refused, as is a name that would leave the folder.
func (s *Services) SaveRecipe(ctx context.Context, data []byte) (*recipe.Recipe, error) {
	if len(data) > maxRecipeSize {
		return nil, fmt.Errorf("save recipe: %d bytes, over the 1 MiB a recipe may have", len(data))
	}
	r, err := recipe.Parse("(editor)", data)
	if err != nil {
		return nil, fmt.Errorf("save recipe: %w", err)
	}
	if !json.Valid(data) {
		return nil, fmt.Errorf("save recipe %s: text follows the recipe's closing brace; remove it", r.Name)
	}
	dir := recipesDir(s.cfg)
	path, err := recipeFile(dir, r.Name)
	if err != nil {
		return nil, err
	}
	l := recipe.Open(dir)
	if old, err := l.Get(r.Name); err == nil {
		if old.File == "" {
			return nil, fmt.Errorf("save recipe %s: the name is a built-in recipe's; give yours another name", r.Name)
		}
		path = old.File
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("save recipe %s: %w", r.Name, err)
	}
	if err := atomicfile.WriteFile(path, data, 0o600); err != nil {
		return nil, fmt.Errorf("save recipe %s: %w", r.Name, err)
	}
	r.File = path
	return r, nil
}

// DeleteRecipe removes the file of the user's recipe name. A built-in
// cannot be deleted, and an unknown name is recipe.ErrUnknown.
func (s *Services) DeleteRecipe(ctx context.Context, name string) error {
	dir := recipesDir(s.cfg)
	if _, err := recipeFile(dir, name); err != nil {
		return err
	}
	r, err := recipe.Open(dir).Get(name)
	if err != nil {
		return fmt.Errorf("delete recipe: %w", err)
	}
	if r.File == "" {
		return fmt.Errorf("delete recipe %s: it is built in; only your own recipes can be deleted", name)
	}
	if err := os.Remove(r.File); err != nil {
		return fmt.Errorf("delete recipe %s: %w", name, err)
	}
	return atomicfile.SyncDir(dir)
}

// recipeFile is the file NAME.json in dir, or an error when name would
// put it anywhere else.
func recipeFile(dir, name string) (string, error) {
	file := name + ".json"
	if name == "" || !filepath.IsLocal(file) || filepath.Base(file) != file {
		return "", fmt.Errorf("recipe name %q: it must not name a folder; use lowercase letters, digits, '.', '_' or '-'", name)
	}
	return filepath.Join(dir, file), nil
}

// RenderPrompt is [Services.Render] under the name ui.AskBackend gives it.
func (s *Services) RenderPrompt(ctx context.Context, req core.Request) (core.Rendered, error) {
	return s.Render(ctx, req)
}
