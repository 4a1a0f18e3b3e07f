package ui

// The model's-eye view's controls: plain's encoding, fit and number of
// slices, or the recipe's shown in them, the plane a recipe samples, and
// the inputSpec they make with the image shown.

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
)

// inputControls are the controls above the inputs: plain's encoding, fit
// and number of slices, which show a recipe's (disabled where the recipe
// decides) while one is chosen, and the plane a recipe's slices come from.
type inputControls struct {
	encodingSelect *widget.Select
	planeSelect    *widget.Select // a recipe's slices: stored, or the cuts of a plane
	fitSelect      *widget.Select
	slicesEntry    *widget.Entry
	// plain holds plain's encoding, fit and slices while a recipe shows
	// its own in those controls.
	plain   struct{ encoding, fit, slices string }
	syncing bool // the controls are being set, not changed by the user
}

// storedSlices is the plane choice that samples a series' slices as
// stored, not reformatted.
const storedSlices = "stored slices"

// newControls makes the controls, set for plain, and returns their row.
func (e *modelsEye) newControls() fyne.CanvasObject {
	e.encodingSelect = widget.NewSelect([]string{dicomview.EncodingDisplay, dicomview.EncodingCT3}, func(string) { e.changed() })
	e.encodingSelect.SetSelected(dicomview.EncodingDisplay)
	e.fitSelect = widget.NewSelect([]string{dicomview.FitPad.String(), dicomview.FitStretch.String()}, func(string) { e.changed() })
	e.fitSelect.SetSelected(dicomview.FitPad.String())
	planes := []string{storedSlices}
	for _, pl := range dicomview.Planes {
		planes = append(planes, pl.String())
	}
	e.planeSelect = widget.NewSelect(planes, func(string) { e.changed() })
	e.planeSelect.Selected = storedSlices
	e.planeSelect.Disable()
	e.slicesEntry = widget.NewEntry()
	e.slicesEntry.SetText("1")
	e.slicesEntry.OnSubmitted = func(string) { e.changed() }
	e.slicesEntry.OnChanged = func(string) { e.changed() }
	entrySize := fyne.NewSize(70, e.slicesEntry.MinSize().Height)
	return container.NewHBox(
		widget.NewLabel("Encoding"), e.encodingSelect,
		widget.NewLabel("Fit"), e.fitSelect,
		widget.NewLabel("Slices"), container.NewGridWrap(entrySize, e.slicesEntry),
		widget.NewLabel("from"), e.planeSelect,
	)
}

// recipeChosen shows the recipe's encoding, fit and slices in the
// controls, disabled (Slices stays open, at most the recipe's maximum,
// where the recipe samples a series); plain gets its own back.
func (e *modelsEye) recipeChosen(string) {
	r := e.recipe()
	e.syncing = true
	defer func() { e.syncing = false }()
	if r == nil {
		if e.encodingSelect.Disabled() { // coming back from a recipe
			e.encodingSelect.Selected = e.plain.encoding
			e.fitSelect.Selected = e.plain.fit
			e.slicesEntry.SetText(e.plain.slices)
		}
		e.encodingSelect.Enable()
		e.fitSelect.Enable()
		e.slicesEntry.Enable()
		e.planeSelect.Selected = storedSlices
		e.planeSelect.Disable()
	} else {
		if r.Images.From == recipe.FromLongitudinal {
			e.planeSelect.Selected = storedSlices
			e.planeSelect.Disable()
		} else {
			if pl := r.Images.Plane; pl != "" {
				e.planeSelect.Selected = pl.String()
			}
			e.planeSelect.Enable()
		}
		if !e.encodingSelect.Disabled() { // coming from plain
			e.plain.encoding, e.plain.fit, e.plain.slices = e.encodingSelect.Selected, e.fitSelect.Selected, e.slicesEntry.Text
		}
		e.encodingSelect.Selected = r.Encoding.Kind
		fit := r.Encoding.Fit
		if fit == "" {
			fit = dicomview.FitPad.String()
		}
		e.fitSelect.Selected = fit
		e.encodingSelect.Disable()
		e.fitSelect.Disable()
		switch {
		case r.Images.From == recipe.FromLongitudinal:
			e.slicesEntry.SetText("2")
			e.slicesEntry.Disable()
		case r.Images.From == recipe.FromEach && r.Images.Max == 1:
			e.slicesEntry.SetText("1")
			e.slicesEntry.Disable()
		case r.Images.From == recipe.FromEach:
			e.slicesEntry.SetText("1")
			e.slicesEntry.Enable()
		default:
			e.slicesEntry.SetText(strconv.Itoa(recipeMax(r)))
			e.slicesEntry.Enable()
		}
	}
	e.encodingSelect.Refresh()
	e.planeSelect.Refresh()
	e.fitSelect.Refresh()
	e.p.clearBoxes()
	e.syncing = false
	e.changed()
	if e.p.onRecipeChosen != nil {
		e.p.onRecipeChosen(r)
	}
}

// encoding returns plain's encoding chosen (the viewer's model-input
// toggle shows it).
func (e *inputControls) encoding() string {
	sel := e.encodingSelect.Selected
	if e.encodingSelect.Disabled() {
		sel = e.plain.encoding
	}
	if sel == "" {
		return dicomview.EncodingDisplay
	}
	return sel
}

// fit returns plain's fit chosen.
func (e *inputControls) fit() dicomview.Fit {
	sel := e.fitSelect.Selected
	if e.fitSelect.Disabled() {
		sel = e.plain.fit
	}
	if sel == dicomview.FitStretch.String() {
		return dicomview.FitStretch
	}
	return dicomview.FitPad
}

// spec returns what the inputs are made of now, or why the number of
// slices is not valid.
func (e *modelsEye) spec() (inputSpec, error) {
	p := e.p
	if r := e.recipe(); r != nil {
		return e.recipeSpec(r)
	}
	s := inputSpec{series: p.cur, slice: p.slice, window: p.window, encoding: e.encoding(), fit: e.fit(), region: p.inputRegion()}
	n, err := strconv.Atoi(strings.TrimSpace(e.slicesEntry.Text))
	if err != nil || n < 1 || n > maxSlices {
		return s, fmt.Errorf("slices %q: want a number from 1 to %d", e.slicesEntry.Text, maxSlices)
	}
	s.n = n
	return s, nil
}

// recipeSpec is spec with recipe r: only what changes r's inputs is set,
// so that the inputs are made again only when they would differ.
func (e *modelsEye) recipeSpec(r *recipe.Recipe) (inputSpec, error) {
	p := e.p
	s := inputSpec{series: p.cur, recipe: r}
	if r.Images.From == recipe.FromLongitudinal {
		return s, nil
	}
	if pl := e.planeSelect.Selected; pl != storedSlices {
		s.plane = dicomview.Plane(pl)
	}
	hi := recipeMax(r)
	n, err := strconv.Atoi(strings.TrimSpace(e.slicesEntry.Text))
	if err != nil || n < 1 || n > hi {
		return s, fmt.Errorf("slices %q: recipe %s sends a number from 1 to %d", e.slicesEntry.Text, r.Name, hi)
	}
	s.n = n
	if r.Images.From == recipe.FromEach && n == 1 {
		s.slice = p.slice
	}
	if r.TakesWindow() {
		s.window = p.window
	}
	return s, nil
}
