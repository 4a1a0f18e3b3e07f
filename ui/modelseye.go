package ui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"strconv"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// maxSlices is the most slices sent with one prompt, as in Google's
// MedGemma 1.5 CT notebook (85 slices of a volume).
const maxSlices = 85

// Sizes of the model's-eye view.
var (
	eyeSingleSize = fyne.NewSize(448, 448) // the one input, at half size
	eyeCellSize   = fyne.NewSize(160, 160) // each of several inputs
)

// modelInput is one image the model receives: the exact PNG and the slice
// it shows.
type modelInput struct {
	Prepared *dicomview.Prepared
	// Label names the slice, "slice K of N"; "" for a single image file.
	Label string
	img   image.Image // Prepared.PNG decoded, for the view
}

// inputSpec is everything that decides the model inputs: the series and
// slice shown, how many slices to send, the window and the encoding.
type inputSpec struct {
	series   *dicomview.Series
	slice    int // index of the slice shown
	n        int // slices to send: 1 is the slice shown, more are sampled
	window   dicomview.Window
	encoding string
	fit      dicomview.Fit
}

// slices returns the slices that spec sends.
func (s inputSpec) slices() []dicomview.Slice {
	if s.series == nil || len(s.series.Slices) == 0 {
		return nil
	}
	if s.n <= 1 {
		return []dicomview.Slice{s.series.Slices[min(s.slice, len(s.series.Slices)-1)]}
	}
	return s.series.Sample(s.n)
}

// prepareInputs prepares spec's model inputs, stopping early when ctx is
// done. It runs off the UI goroutine.
func prepareInputs(ctx context.Context, spec inputSpec, decode bool) ([]modelInput, error) {
	sls := spec.slices()
	out := make([]modelInput, 0, len(sls))
	single := len(spec.series.Slices) == 1
	for _, sl := range sls {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p, err := prepareFrame(inputKey{renderKey: renderKey{im: sl.Image, frame: sl.Frame, window: spec.window}, encoding: spec.encoding, fit: spec.fit})
		if err != nil {
			return nil, err
		}
		in := modelInput{Prepared: p, Label: sl.Label}
		if single {
			in.Label = ""
		}
		if decode {
			if in.img, err = png.Decode(bytes.NewReader(p.PNG)); err != nil {
				return nil, fmt.Errorf("decode model input: %w", err)
			}
		}
		out = append(out, in)
	}
	return out, nil
}

// requestImages are the request images of ins, in order.
func requestImages(ins []modelInput) []core.Image {
	if len(ins) == 0 {
		return nil
	}
	out := make([]core.Image, len(ins))
	for i, in := range ins {
		out[i] = in.Prepared.RequestImage()
	}
	return out
}

// inputsFunc returns the model inputs of one request. It may be called
// from any goroutine and more than once; the inputs are prepared once.
type inputsFunc func(ctx context.Context) ([]modelInput, error)

// modelInputs returns, on the UI goroutine, what the model is to receive
// for the image shown: the model's-eye view's encoding, fit and number of
// slices applied to the series, slice and window shown. The inputs the
// view already shows are reused; others are prepared when the returned
// function is first called. With no image open it returns no inputs.
func (p *imagePane) modelInputs() inputsFunc {
	if p.img == nil || p.cur == nil {
		return func(context.Context) ([]modelInput, error) { return nil, nil }
	}
	spec, err := p.eye.spec()
	var cached []modelInput
	if err == nil && p.eye.inputsFor == spec && p.eye.inputs != nil {
		cached = p.eye.inputs
	}
	var once sync.Once
	var ins []modelInput
	return func(ctx context.Context) ([]modelInput, error) {
		once.Do(func() {
			switch {
			case err != nil:
			case cached != nil:
				ins = cached
			default:
				ins, err = prepareInputs(ctx, spec, false)
			}
		})
		return ins, err
	}
}

// modelsEye is the model's-eye view: the exact 896×896 image(s) the model
// will receive, with the encoding, the fit and the number of slices.
type modelsEye struct {
	p              *imagePane
	encodingSelect *widget.Select
	fitSelect      *widget.Select
	slicesEntry    *widget.Entry
	info           *widget.Label
	single         *canvas.Image
	grid           *fyne.Container
	content        fyne.CanvasObject

	inputs    []modelInput // shown, made for inputsFor
	inputsFor inputSpec
	busy      bool // a prepare goroutine is running
	errText   string
}

func newModelsEye(p *imagePane) *modelsEye {
	e := &modelsEye{p: p}
	e.encodingSelect = widget.NewSelect([]string{dicomview.EncodingDisplay, dicomview.EncodingCT3}, func(string) { e.changed() })
	e.encodingSelect.SetSelected(dicomview.EncodingDisplay)
	e.fitSelect = widget.NewSelect([]string{dicomview.FitPad.String(), dicomview.FitStretch.String()}, func(string) { e.changed() })
	e.fitSelect.SetSelected(dicomview.FitPad.String())
	e.slicesEntry = widget.NewEntry()
	e.slicesEntry.SetText("1")
	e.slicesEntry.OnSubmitted = func(string) { e.changed() }
	e.slicesEntry.OnChanged = func(string) { e.changed() }
	e.info = widget.NewLabel("No image")
	e.info.Wrapping = fyne.TextWrapBreak
	e.info.Selectable = true
	e.single = &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScaleSmooth}
	e.single.SetMinSize(eyeSingleSize)
	e.grid = container.NewGridWrap(fyne.NewSize(eyeCellSize.Width, eyeCellSize.Height+2*captionHeight()))
	entrySize := fyne.NewSize(70, e.slicesEntry.MinSize().Height)
	controls := container.NewHBox(
		widget.NewLabel("Encoding"), e.encodingSelect,
		widget.NewLabel("Fit"), e.fitSelect,
		widget.NewLabel("Slices"), container.NewGridWrap(entrySize, e.slicesEntry),
	)
	body := container.NewStack(container.NewCenter(e.single), container.NewVScroll(e.grid))
	e.content = container.NewBorder(container.NewVBox(controls, e.info), nil, nil, nil, body)
	e.show()
	return e
}

// captionHeight is the height of one caption line under an image.
func captionHeight() float32 {
	return widget.NewLabel("x").MinSize().Height
}

// encoding returns the encoding chosen.
func (e *modelsEye) encoding() string {
	if e.encodingSelect.Selected == "" {
		return dicomview.EncodingDisplay
	}
	return e.encodingSelect.Selected
}

// fit returns the fit chosen.
func (e *modelsEye) fit() dicomview.Fit {
	if e.fitSelect.Selected == dicomview.FitStretch.String() {
		return dicomview.FitStretch
	}
	return dicomview.FitPad
}

// spec returns what the inputs are made of now, or why the number of
// slices is not valid.
func (e *modelsEye) spec() (inputSpec, error) {
	p := e.p
	s := inputSpec{series: p.cur, slice: p.slice, window: p.window, encoding: e.encoding(), fit: e.fit()}
	n, err := strconv.Atoi(strings.TrimSpace(e.slicesEntry.Text))
	if err != nil || n < 1 || n > maxSlices {
		return s, fmt.Errorf("slices %q: want a number from 1 to %d", e.slicesEntry.Text, maxSlices)
	}
	s.n = n
	return s, nil
}

// visible reports whether the model's-eye tab is shown.
func (e *modelsEye) visible() bool {
	p := e.p
	return p.tabs != nil && p.tabs.Selected() == p.eyeTab
}

// changed follows the controls: the viewer's model-input toggle uses the
// same encoding and fit.
func (e *modelsEye) changed() {
	if e.p.eye == nil {
		return // still building
	}
	e.update()
	e.p.updateViewer()
	e.p.render()
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
		ins, err := prepareInputs(ctx, spec, true)
		e.p.env.do(func() { e.prepared(spec, ins, err) })
	}()
}

func (e *modelsEye) prepared(spec inputSpec, ins []modelInput, err error) {
	e.busy = false
	if err != nil {
		e.errText = err.Error()
		e.inputs, e.inputsFor = nil, inputSpec{}
	} else {
		e.errText = ""
		e.inputs, e.inputsFor = ins, spec
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
			caption := widget.NewLabel(in.Label + "\n" + shortSHA(in.Prepared.SHA256))
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
