package ui

// The model's-eye view's recipe row: the recipes offered, the one chosen,
// the line naming those made for the modality shown, and the buttons that
// edit the recipe and show the prompt as the runtime renders it.

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// recipeChoice is the recipe row: the recipes offered, by name, the one
// chosen (plain first), and the recipe editor open on it.
type recipeChoice struct {
	recipeSelect *widget.Select
	fits         *widget.Label             // the recipes made for the modality shown
	recipes      map[string]*recipe.Recipe // offered, by name
	editor       *recipeEditor             // the recipe editor open, or nil
}

// newRecipeBar makes the recipe row's widgets and returns the row: the
// recipe picker, with the Rendered prompt and Edit recipe buttons beside
// it, which go into a menu rather than widen the image side.
func (e *modelsEye) newRecipeBar() fyne.CanvasObject {
	e.recipes = map[string]*recipe.Recipe{}
	e.recipeSelect = widget.NewSelect([]string{recipe.Plain}, e.recipeChosen)
	e.recipeSelect.Selected = recipe.Plain
	edit := widget.NewButtonWithIcon("Edit recipe…", theme.DocumentCreateIcon(), e.editRecipe)
	render := widget.NewButtonWithIcon("Rendered prompt…", theme.DocumentIcon(), func() {
		if e.p.onRenderPrompt != nil {
			e.p.onRenderPrompt()
		}
	})
	buttons := newOverflowRow(
		toolItem{render, "Rendered prompt…", render.OnTapped, nil},
		toolItem{edit, "Edit recipe…", e.editRecipe, nil},
	)
	e.fits = widget.NewLabel("")
	e.fits.Truncation = fyne.TextTruncateEllipsis
	e.fits.Importance = widget.LowImportance
	e.fits.Hide()
	return container.NewBorder(nil, nil, widget.NewLabel("Recipe"), buttons.row, e.recipeSelect)
}

// loadRecipes lists the recipes in the background and offers them,
// choosing the recipe choose when it is offered (the one just saved) and
// keeping the choice otherwise; a user file that did not load is
// reported, naming it.
func (e *modelsEye) loadRecipes(choose string) {
	env := e.p.env
	ctx, cancel := env.opContext()
	go func() {
		defer cancel()
		rs, err := e.p.backend.Recipes(ctx)
		env.do(func() {
			e.setRecipes(rs, choose)
			if err != nil {
				env.showError(fmt.Errorf("some of your recipes did not load and are not offered: %w", err))
			}
		})
	}()
}

// setRecipes offers rs, plain first, and chooses the recipe choose
// when it is offered; otherwise the choice is kept while offered (made
// again, since the recipe of that name may have changed) and is plain
// when not.
func (e *modelsEye) setRecipes(rs []*recipe.Recipe, choose string) {
	old := e.recipes[e.recipeSelect.Selected]
	e.recipes = map[string]*recipe.Recipe{}
	names := []string{recipe.Plain}
	for _, r := range rs {
		if r.Name != recipe.Plain {
			names = append(names, r.Name)
		}
		e.recipes[r.Name] = r
	}
	e.recipeSelect.SetOptions(names)
	defer func() {
		if e.p.cur != nil && e.p.onStudyChanged != nil {
			e.p.onStudyChanged(e.studyChange(e.p.cur)) // the recipes made for it are known now
		}
	}()
	switch sel := e.recipeSelect.Selected; {
	case e.recipes[choose] != nil:
		e.recipeSelect.SetSelected(choose)
	case e.recipes[sel] == nil:
		e.recipeSelect.SetSelected(recipe.Plain)
	case old != nil && e.recipes[sel] != old:
		e.recipeSelect.SetSelected(sel) // its recipe changed
	}
}

// recipe returns the recipe chosen, or nil for plain.
func (e *recipeChoice) recipe() *recipe.Recipe {
	if e.recipeSelect.Selected == recipe.Plain {
		return nil
	}
	return e.recipes[e.recipeSelect.Selected]
}

// recipeRef names the recipe chosen; the zero ref for plain.
func (p *imagePane) recipeRef() core.RecipeRef {
	if r := p.eye.recipe(); r != nil {
		return r.Ref()
	}
	return core.RecipeRef{}
}

// chooseRecipe chooses the recipe name (the side-by-side view's offer of
// the recipe made for the study shown).
func (p *imagePane) chooseRecipe(name string) {
	if p.eye.recipes[name] != nil || name == recipe.Plain {
		p.eye.recipeSelect.SetSelected(name)
	}
}

// studyChange describes series s for the side-by-side view: its modality,
// the recipes made for it and the one to offer (the shortest name: the
// main recipe of a family, medgemma-1.5-ct before its variants), and the
// prompts nobody typed (every recipe's default query).
func (e *recipeChoice) studyChange(s *dicomview.Series) studyChange {
	mod := s.Modality
	if mod == "" && len(s.Slices) > 0 {
		mod = s.Slices[0].Image.Modality
	}
	sc := studyChange{Modality: mod, Defaults: []string{defaultPrompt}}
	label := []string{}
	if mod != "" {
		label = append(label, mod)
	}
	if len(s.Slices) > 0 {
		label = append(label, filepath.Base(s.Slices[0].Image.Path))
	}
	sc.Label = strings.Join(label, statsSep)
	defer func() {
		if len(sc.Fits) > 0 {
			setShown(e.fits, fmt.Sprintf("Made for %s: %s", mod, strings.Join(sc.Fits, ", ")))
		} else {
			setShown(e.fits, "")
		}
	}()
	names := make([]string, 0, len(e.recipes))
	for n := range e.recipes {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		r := e.recipes[n]
		if q := r.Prompt.Default; q != "" {
			sc.Defaults = append(sc.Defaults, q)
		}
		if mod == "" || !slices.Contains(r.Modalities, mod) || r.Images.From == recipe.FromLongitudinal {
			continue
		}
		sc.Fits = append(sc.Fits, n)
		if sc.Suggest == nil || len(n) < len(sc.Suggest.Name) {
			sc.Suggest = r
		}
	}
	return sc
}

// recipeMax is the most slices r sends of a series.
func recipeMax(r *recipe.Recipe) int {
	if r.Images.Max > 0 {
		return min(r.Images.Max, maxSlices)
	}
	return maxSlices
}
