package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
)

// This file keeps the side-by-side view in step with the image side: the
// recipe chosen (its generation options shown in the fields, never applied
// behind them) and the study shown (its modality's recipe and prompt
// offered, the previous study's answers marked).

// sharedOptions are the fields above the columns that every column's
// request takes: the shared system prompt and the generation options,
// with what a recipe chosen sets in them.
type sharedOptions struct {
	systemEntry    *widget.Entry // the shared system prompt
	maxTokensEntry *widget.Entry
	tempEntry      *widget.Entry
	seedEntry      *widget.Entry
	optionsInfo    *widget.Label // what the recipe chosen sets in the fields
	// recipeOpts is set while the option fields show a recipe's values.
	recipeOpts *recipeOptions
}

// studyOffer is the study the image side shows, as last told, and the
// button that offers the recipe made for it.
type studyOffer struct {
	study     studyChange
	useRecipe *widget.Button
}

// optionFields are the texts of the Max tokens and Temperature fields.
type optionFields struct {
	maxTokens, temp string
}

// recipeOptions are the option fields while a recipe sets them: the
// recipe's name and what the user had typed before, given back when the
// recipe is left.
type recipeOptions struct {
	recipe string
	user   optionFields
}

// userOptions are the user's own Max tokens and Temperature: the fields,
// or what they held before a recipe filled them.
func (cv *compareView) userOptions() optionFields {
	if cv.recipeOpts != nil {
		return cv.recipeOpts.user
	}
	return optionFields{cv.maxTokensEntry.Text, cv.tempEntry.Text}
}

// recipeChosen shows in the Max tokens and Temperature fields what r
// (nil: plain) sets, so that what a run sends is what the fields show; the
// user may still change them. Leaving a recipe gives the user's values
// back.
func (cv *compareView) recipeChosen(r *recipe.Recipe) {
	defer cv.updateRecipeOffer() // no offer of the recipe chosen
	user := cv.userOptions()
	if r == nil || (r.Sampling.NumPredict == 0 && r.Sampling.Temperature == nil) {
		if cv.recipeOpts != nil {
			cv.maxTokensEntry.SetText(user.maxTokens)
			cv.tempEntry.SetText(user.temp)
			cv.recipeOpts = nil
		}
		cv.tempEntry.SetPlaceHolder("default")
		setShown(cv.optionsInfo, "")
		return
	}
	cv.recipeOpts = &recipeOptions{recipe: r.Name, user: user}
	var set []string
	if n := r.Sampling.NumPredict; n > 0 {
		cv.maxTokensEntry.SetText(strconv.Itoa(n))
		set = append(set, fmt.Sprintf("max tokens %d", n))
	} else {
		cv.maxTokensEntry.SetText(user.maxTokens)
	}
	if t := r.Sampling.Temperature; t != nil {
		cv.tempEntry.SetText(formatFloat(*t))
		cv.tempEntry.SetPlaceHolder("recipe: " + formatFloat(*t))
		set = append(set, "temperature "+formatFloat(*t))
	} else {
		cv.tempEntry.SetText(user.temp)
	}
	setShown(cv.optionsInfo, fmt.Sprintf("Recipe %s sets %s (shown above; edit to override).", r.Name, strings.Join(set, " and ")))
}

// studyChange is what the image side tells the view when it shows another
// series.
type studyChange struct {
	// Modality is the series' modality ("CT", "CR"; "" for PNG or JPEG),
	// and Label names it for the user ("CT · 5.dcm").
	Modality, Label string
	// Fits are the recipes made for Modality; Suggest is the one offered
	// (nil: none fits).
	Fits    []string
	Suggest *recipe.Recipe
	// Defaults are the prompts nobody typed: every recipe's default
	// query and the window's own.
	Defaults []string
}

// studyChanged follows the image side to another series: when its
// modality differs from the last one's, the answers shown are marked as
// the previous study's, the columns whose prompt nobody typed get the
// suggested recipe's default query, and that recipe is offered when the
// one chosen is not made for the modality.
func (cv *compareView) studyChanged(s studyChange) {
	prev := cv.study
	cv.study = s
	if prev.Label != "" && s.Modality != prev.Modality {
		for _, c := range cv.columns {
			if c.runID > 0 || c.answer.Text != "" {
				c.markStale(prev.Label)
			}
		}
	}
	if s.Suggest != nil && (s.Modality != prev.Modality || prev.Suggest == nil) {
		if q := s.Suggest.Prompt.Default; q != "" {
			for _, c := range cv.columns {
				if p := strings.TrimSpace(c.promptEntry.Text); p == "" || slices.Contains(s.Defaults, p) {
					c.promptEntry.SetText(q)
				}
			}
		}
	}
	cv.updateRecipeOffer()
}

// updateRecipeOffer offers the study's suggested recipe when the recipe
// chosen is not made for its modality.
func (cv *compareView) updateRecipeOffer() {
	s := cv.study
	chosen := cv.source.recipeRef().Name
	if s.Suggest == nil || slices.Contains(s.Fits, chosen) {
		cv.useRecipe.Hide()
		return
	}
	what := s.Modality
	if what == "" {
		what = s.Label
	}
	// The recipe picker's hint too: which recipe is made for what is open.
	cv.useRecipe.SetText(fmt.Sprintf("Use %s (for %s)", s.Suggest.Name, what))
	cv.useRecipe.OnTapped = func() {
		cv.source.chooseRecipe(s.Suggest.Name)
		cv.updateRecipeOffer()
	}
	cv.useRecipe.Show()
}

// markStale marks the column's answer as one about the previous study,
// label; the next run clears the mark.
func (c *column) markStale(label string) {
	c.staleInfo.Importance = widget.WarningImportance
	setShown(c.staleInfo, "Answer about the previous study ("+label+"); run again for this one.")
	c.inner.Refresh()
}
