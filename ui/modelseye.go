package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// maxSlices is the most slices sent with one prompt, as in Google's
// MedGemma 1.5 CT notebook (85 slices of a volume).
const maxSlices = 85

// Sizes of the model's-eye view.
var (
	eyeSingleSize = fyne.NewSize(448, 448) // the one input, at half size
	eyeCellSize   = fyne.NewSize(160, 160) // each of several inputs
)

// modelsEye is the model's-eye view: the exact 896×896 image(s) the model
// will receive, made by the recipe chosen, or (plain) with the encoding,
// the fit and the number of slices chosen.
//
// Its state is kept by concern, a struct and a file each: the recipe row
// (recipeChoice, modelseye_recipe.go), the controls and the spec they make
// (inputControls, modelseye_controls.go), and the inputs made and their
// display (madeInputs and eyeDisplay, modelseye_show.go). The inputs
// themselves, made off the UI goroutine, are modelseye_inputs.go.
type modelsEye struct {
	p   *imagePane
	tab fyne.CanvasObject // the recipe row above the controls and the inputs

	recipeChoice
	inputControls
	madeInputs
	eyeDisplay
}

// newModelsEye makes the model's-eye view of p's image, plain chosen, and
// lists the recipes in the background.
func newModelsEye(p *imagePane) *modelsEye {
	e := &modelsEye{p: p}
	bar := e.newRecipeBar()
	controls := e.newControls()
	body := e.newDisplay()
	// The controls scroll sideways and the buttons go into a menu rather
	// than widen the image side (and narrow the columns).
	content := container.NewBorder(container.NewVBox(container.NewHScroll(controls), e.info), nil, nil, nil, body)
	e.tab = container.NewBorder(container.NewVBox(bar, e.fits), nil, nil, nil, content)
	e.show()
	e.loadRecipes("")
	return e
}

// visible reports whether the model's-eye tab is shown.
func (e *modelsEye) visible() bool {
	p := e.p
	return p.tabs != nil && p.tabs.Selected() == p.eyeTab
}

// changed follows the controls: the viewer's model-input toggle uses the
// same encoding and fit.
func (e *modelsEye) changed() {
	if e.p.eye == nil || e.syncing {
		return // still building, or being set
	}
	e.update()
	e.p.updateViewer()
	e.p.render()
}
