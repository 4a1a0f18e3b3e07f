package ui

// Test seams: methods only the tests use, kept out of the production build.

import (
	"image"

	"fyne.io/fyne/v2"
)

// PixelAt maps a position in the viewer to the pixel of the original
// image shown there. It reports false when no image is shown or pos lies
// outside it.
func (v *Viewer) PixelAt(pos fyne.Position) (image.Point, bool) {
	if v.img == nil {
		return image.Point{}, false
	}
	p, ok := v.imagePoint(pos)
	if !ok || p[0] < 0 || p[1] < 0 || p[0] >= float64(v.nativeW) || p[1] >= float64(v.nativeH) {
		return image.Point{}, false
	}
	return image.Pt(int(p[0]), int(p[1])), true
}

// holdKeys makes the viewer see mods held, as the desktop driver would
// report them (Fyne's test driver reports none).
func (v *Viewer) holdKeys(mods fyne.KeyModifier) {
	v.keyMods = func() fyne.KeyModifier { return mods }
}

// Accessors of the side-by-side view for its tests (issue 28).

// staleText is column i's mark of an answer about the previous study ("":
// none shown).
func (cv *compareView) staleText(i int) string {
	if l := cv.columns[i].staleInfo; l.Visible() {
		return l.Text
	}
	return ""
}

// recipeOffer is the recipe the view offers for the study shown, and the
// line that says so ("" when none is offered).
func (cv *compareView) recipeOffer() (line string, use func()) {
	if !cv.useRecipe.Visible() {
		return "", nil
	}
	return cv.useRecipe.Text, cv.useRecipe.OnTapped
}

// optionFieldsShown are the Max tokens and Temperature fields' texts.
func (cv *compareView) optionFieldsShown() (maxTokens, temp string) {
	return cv.maxTokensEntry.Text, cv.tempEntry.Text
}

// toolbarMenu lists the toolbar's controls that did not fit, as its "⋯"
// menu offers them.
func (cv *compareView) toolbarMenu() []string {
	var out []string
	for _, it := range cv.toolbar.hidden {
		out = append(out, it.label)
	}
	return out
}

// toolbarControls are the controls of the view's toolbar.
func (cv *compareView) toolbarControls() []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for _, it := range cv.toolbar.items {
		out = append(out, it.obj)
	}
	return out
}

// toggleImage taps the button that hides or shows the image side.
func (cv *compareView) toggleImage() { cv.hideImage(!cv.imageHidden) }

// imageShown reports whether the image side is in the window.
func (w *Workbench) imageShown() bool {
	return len(w.center.Objects) == 1 && w.center.Objects[0] == fyne.CanvasObject(w.mainSplit)
}

// progressText is column i's progress line ("" when hidden).
func (cv *compareView) progressText(i int) string {
	if l := cv.columns[i].progress.label; l.Visible() {
		return l.Text
	}
	return ""
}
