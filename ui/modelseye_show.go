package ui

// The model's-eye view's inputs as made and shown: the inputs made for a
// spec, off the UI goroutine, latest wins, and their display: the one
// input at half size, or a grid of several with their captions, under a
// line with their size, encoding and hashes.

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
)

// madeInputs are the inputs the view has made, for which spec, and the
// making in progress or the last that failed.
type madeInputs struct {
	inputs    []modelInput  // shown, made for inputsFor
	built     *recipe.Built // what the recipe of inputsFor built, or nil
	inputsFor inputSpec
	busy      bool // a prepare goroutine is running
	errText   string
	// failed is why the inputs of failedFor could not be made: they are
	// not tried again until the spec changes.
	failed    error
	failedFor inputSpec
}

// eyeDisplay shows the inputs: the line describing them, the one input,
// or the grid of several.
type eyeDisplay struct {
	info   *widget.Label
	single *canvas.Image
	grid   *fyne.Container
}

// newDisplay makes the display's widgets and returns the inputs' part of
// it (the info line goes above, under the controls).
func (e *modelsEye) newDisplay() fyne.CanvasObject {
	e.info = widget.NewLabel("No image")
	e.info.Wrapping = fyne.TextWrapBreak
	e.info.Selectable = true
	e.single = &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScaleSmooth}
	e.single.SetMinSize(eyeSingleSize)
	e.grid = container.NewGridWrap(fyne.NewSize(eyeCellSize.Width, eyeCellSize.Height+2*captionHeight()))
	return container.NewStack(container.NewCenter(e.single), container.NewVScroll(e.grid))
}

// captionHeight is the height of one caption line under an image.
func captionHeight() float32 {
	return widget.NewLabel("x").MinSize().Height
}

// update prepares the inputs for the view shown, in a goroutine (latest
// wins), when the tab is visible.
func (e *modelsEye) update() {
	if !e.visible() || e.busy || e.p.cur == nil {
		e.show()
		return
	}
	spec, err := e.spec()
	if err != nil {
		e.errText = err.Error()
		e.show()
		return
	}
	if e.failed != nil && spec == e.failedFor {
		e.errText = e.failed.Error()
		e.show()
		return
	}
	e.errText = ""
	if spec == e.inputsFor && e.inputs != nil {
		e.show()
		return
	}
	e.busy = true
	e.show()
	ctx, cancel := e.p.env.opContext()
	go func() {
		defer cancel()
		ins, err := makeInputs(ctx, spec, true, nil)
		e.p.env.do(func() { e.prepared(spec, ins, err) })
	}()
}

// prepared keeps the inputs made for spec, or why they could not be made,
// and follows the controls again in case they changed meanwhile.
func (e *modelsEye) prepared(spec inputSpec, ins eyeInputs, err error) {
	e.busy = false
	if err != nil {
		e.errText = err.Error()
		e.failed, e.failedFor = err, spec
		e.inputs, e.built, e.inputsFor = nil, nil, inputSpec{}
	} else {
		e.errText = ""
		e.failed = nil
		e.inputs, e.built, e.inputsFor = ins.inputs, ins.built, spec
	}
	e.update() // the latest state, if it changed meanwhile
}

// show copies the inputs onto the widgets.
func (e *modelsEye) show() {
	spec, specErr := e.spec()
	current := specErr == nil && spec == e.inputsFor
	switch {
	case e.p.img == nil:
		e.info.SetText("No image")
	case e.errText != "":
		e.info.SetText(e.errText)
	case e.inputs == nil || !current:
		e.info.SetText("Preparing model input…")
	case e.built != nil:
		e.info.SetText(recipeInfo(e.inputsFor.recipe, e.built))
	default:
		e.info.SetText(eyeInfo(e.inputs, e.inputsFor.fit))
	}
	if len(e.inputs) == 1 {
		e.single.Image = e.inputs[0].img
		e.single.Show()
		e.grid.Hide()
	} else {
		e.single.Image = nil
		e.single.Hide()
		e.grid.Objects = e.grid.Objects[:0]
		for _, in := range e.inputs {
			img := &canvas.Image{Image: in.img, FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScaleSmooth}
			img.SetMinSize(eyeCellSize)
			caption := widget.NewLabel(inputCaption(in))
			caption.Alignment = fyne.TextAlignCenter
			e.grid.Objects = append(e.grid.Objects, container.NewBorder(nil, caption, nil, nil, img))
		}
		e.grid.Show()
	}
	e.single.Refresh()
	e.grid.Refresh()
}

// eyeInfo describes the model inputs: their size, encoding and window, and
// the SHA-256 of each.
func eyeInfo(ins []modelInput, fit dicomview.Fit) string {
	p := ins[0].Prepared
	win := fmt.Sprintf("window %s/%s", formatFloat(p.Window.Center), formatFloat(p.Window.Width))
	if p.Encoding == dicomview.EncodingCT3 {
		win = "HU windows [-1024,1024] [-135,215] [0,80] as R G B"
	}
	head := strings.Join([]string{fmt.Sprintf("%d×%d", p.Width, p.Height), p.Encoding, fit.String(), win}, statsSep)
	if len(ins) == 1 {
		return head + "\nSHA-256 " + p.SHA256
	}
	return fmt.Sprintf("%d images%s%s", len(ins), statsSep, head)
}

// recipeInfo describes what recipe r built: the recipe, the images with
// their size, encoding and fit, and the context the request asks for.
func recipeInfo(r *recipe.Recipe, b *recipe.Built) string {
	im := b.Images[0]
	n := "1 image"
	if len(b.Images) > 1 {
		n = fmt.Sprintf("%d images", len(b.Images))
	}
	head := strings.Join([]string{b.Recipe.String(), n, fmt.Sprintf("%d×%d", im.Width, im.Height), im.Encoding, im.Fit,
		fmt.Sprintf("num_ctx %d", b.Options.NumCtx)}, statsSep)
	if r.Title != "" {
		head = r.Title + "\n" + head
	}
	head += "\n" + r.Stages()
	if len(b.Images) == 1 {
		if im.CodecSHA256 != "" {
			head += "\n" + im.Codec + " SHA-256 " + im.CodecSHA256
		}
		return head + "\n896×896 input SHA-256 " + im.SHA256
	}
	return head
}

// inputCaption names one of several model inputs under its thumbnail:
// its label, and the short hashes of its codec step and of the input.
func inputCaption(in modelInput) string {
	if in.Image.CodecSHA256 == "" {
		return in.Label + "\n" + shortSHA(in.Image.SHA256)
	}
	return in.Label + "\n" + strings.SplitN(in.Image.Codec, " ", 2)[0] + " " + shortSHA(in.Image.CodecSHA256) + " → " + shortSHA(in.Image.SHA256)
}
