package ui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/image/draw"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
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

// eyeThumbSize is the side of the copy of each of several inputs that the
// view keeps (85 full 896×896 inputs would take 270 MB).
const eyeThumbSize = 224

// modelInput is one image the model receives: the exact PNG and the slice
// it shows.
type modelInput struct {
	// Prepared is the plain view's input; nil for a recipe's, which is
	// Image only.
	Prepared *dicomview.Prepared
	// Image is the request's image: Prepared's, or the recipe's.
	Image core.Image
	// Label names the slice, "slice K of N"; "" for a single image file.
	// A recipe's images carry the recipe's labels ("SLICE 3").
	Label string
	img   image.Image // the PNG decoded, for the view
}

// eyeInputs are what the model's-eye view sends: the model inputs and,
// with a recipe other than plain, the recipe and what it built from the
// series shown.
type eyeInputs struct {
	inputs []modelInput
	recipe *recipe.Recipe // nil: plain
	built  *recipe.Built  // nil: plain
}

// request completes req, a column's request, with the inputs: plain sets
// its images; a recipe makes its own request (its images, options and
// layout, req's prompt as the query, the recipe's default when empty).
// The options are the column's as the fields show them: choosing a recipe
// puts its token budget and temperature in the fields (compare_study.go),
// so none is applied behind them.
func (in eyeInputs) request(req core.Request) core.Request {
	if in.built == nil {
		req.Images = requestImages(in.inputs)
		req.PromptVersion = core.PromptVersion(req.System, req.Prompt, req.SchemaHash, "")
		return req
	}
	out := in.built.Request(req.Model, req.System, req.Options)
	out.Prompt = recipe.Relayout(in.recipe, in.built.Images, req.Prompt)
	out.KeepAlive = req.KeepAlive
	out.Schema, out.SchemaHash = req.Schema, req.SchemaHash
	out.PromptVersion = core.PromptVersion(out.System, req.Prompt, req.SchemaHash, out.Recipe.Key())
	return out
}

// inputSpec is everything that decides the model inputs: the series and
// slice shown, how many slices to send, the window and the encoding, or
// the recipe.
type inputSpec struct {
	series   *dicomview.Series
	slice    int // index of the slice shown
	n        int // slices to send: 1 is the slice shown, more are sampled
	window   dicomview.Window
	encoding string
	fit      dicomview.Fit
	// recipe, when not nil, makes the inputs of series (n slices, and the
	// slice and window where they matter); encoding and fit are unused.
	recipe *recipe.Recipe
	// plane, with a recipe, samples the cuts of the series reformatted in
	// that plane ("" the stored slices).
	plane dicomview.Plane
	// region, when not empty, is the part of each frame (source pixels)
	// plain sends.
	region image.Rectangle
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
func prepareInputs(ctx context.Context, spec inputSpec, decode bool, progress progressFunc) ([]modelInput, error) {
	sls := spec.slices()
	out := make([]modelInput, 0, len(sls))
	single := len(spec.series.Slices) == 1
	for _, sl := range sls {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p, err := prepareFrame(inputKey{renderKey: renderKey{im: sl.Image, frame: sl.Frame, window: spec.window}, encoding: spec.encoding, fit: spec.fit, region: spec.region})
		if err != nil {
			return nil, err
		}
		in := modelInput{Prepared: p, Image: p.RequestImage(), Label: sl.Label}
		if single {
			in.Label = ""
		}
		if decode {
			if in.img, err = png.Decode(bytes.NewReader(p.PNG)); err != nil {
				return nil, fmt.Errorf("decode model input: %w", err)
			}
		}
		out = append(out, in)
		progress.report(len(out), len(sls))
	}
	return out, nil
}

// buildInputs makes spec's inputs with its recipe, stopping early when ctx
// is done; with decode each is decoded for the view (a reduced copy when
// there are several). It runs off the UI goroutine.
func buildInputs(ctx context.Context, spec inputSpec, decode bool, progress progressFunc) (eyeInputs, error) {
	r := spec.recipe
	if r.Images.From == recipe.FromLongitudinal {
		return eyeInputs{}, fmt.Errorf("recipe %s compares two studies of one patient (prior and current, ordered by StudyDate); "+
			"the model's eye shows one series. Run it from the command line: medgemma-workbench ask --recipe %s --image PRIOR --image CURRENT",
			r.Name, r.Name)
	}
	s := spec.series
	o := recipe.Options{Slices: spec.n, Plane: spec.plane, Progress: func(done, total int) error {
		progress.report(done, total)
		return ctx.Err() // Stop stops the images being made
	}}
	if r.Images.From == recipe.FromEach && spec.n <= 1 && spec.plane == "" {
		one := *s // the slice shown, as plain sends it
		one.Slices = []dicomview.Slice{s.Slices[min(spec.slice, len(s.Slices)-1)]}
		s = &one
	}
	if r.Encoding.Kind == recipe.EncodeDisplay {
		w := spec.window
		o.Window = &w
	}
	b, err := recipe.Build(r, []recipe.Input{{Path: s.Slices[0].Image.Path, Series: s}}, o)
	if err != nil {
		return eyeInputs{}, err
	}
	out := eyeInputs{recipe: r, built: b, inputs: make([]modelInput, len(b.Images))}
	for i, im := range b.Images {
		if err := ctx.Err(); err != nil {
			return eyeInputs{}, err
		}
		in := modelInput{Image: im, Label: im.Label}
		if decode {
			if in.img, err = png.Decode(bytes.NewReader(im.PNG)); err != nil {
				return eyeInputs{}, fmt.Errorf("decode model input: %w", err)
			}
			if len(b.Images) > 1 {
				in.img = scaledCopy(in.img, eyeThumbSize)
			}
		}
		out.inputs[i] = in
	}
	return out, nil
}

// scaledCopy returns a side×side copy of a square image.
func scaledCopy(img image.Image, side int) image.Image {
	out := image.NewRGBA(image.Rect(0, 0, side, side))
	draw.ApproxBiLinear.Scale(out, out.Rect, img, img.Bounds(), draw.Src, nil)
	return out
}

// requestImages are the request images of ins, in order.
func requestImages(ins []modelInput) []core.Image {
	if len(ins) == 0 {
		return nil
	}
	out := make([]core.Image, len(ins))
	for i, in := range ins {
		out[i] = in.Image
	}
	return out
}

// inputsFunc returns the model inputs of one request. It may be called
// from any goroutine and more than once; the inputs are prepared once.
// progress (nil: none) is told how many images are made of how many, from
// the goroutine making them.
type inputsFunc func(ctx context.Context, progress progressFunc) (eyeInputs, error)

// progressFunc is told how many model inputs are made of how many.
type progressFunc func(done, total int)

// report calls f when it is set.
func (f progressFunc) report(done, total int) {
	if f != nil {
		f(done, total)
	}
}

// makeInputs makes spec's inputs: with its recipe, or as plain does.
func makeInputs(ctx context.Context, spec inputSpec, decode bool, progress progressFunc) (eyeInputs, error) {
	if spec.recipe != nil {
		return buildInputs(ctx, spec, decode, progress)
	}
	ins, err := prepareInputs(ctx, spec, decode, progress)
	return eyeInputs{inputs: ins}, err
}

// modelInputs returns, on the UI goroutine, what the model is to receive
// for the image shown: the model's-eye view's recipe, or its encoding,
// fit and number of slices, applied to the series, slice and window
// shown. The inputs the view already shows are reused; others are
// prepared when the returned function is first called. With no image open
// it returns no inputs.
func (p *imagePane) modelInputs() inputsFunc {
	if p.img == nil || p.cur == nil {
		return func(context.Context, progressFunc) (eyeInputs, error) { return eyeInputs{}, nil }
	}
	spec, err := p.eye.spec()
	var cached *eyeInputs
	if err == nil && p.eye.inputsFor == spec && p.eye.inputs != nil {
		cached = &eyeInputs{inputs: p.eye.inputs, recipe: spec.recipe, built: p.eye.built}
	}
	var once sync.Once
	var ins eyeInputs
	// Every caller (each column of a Run all) is told the progress of the
	// one preparation.
	var mu sync.Mutex
	var listeners []progressFunc
	fan := func(done, total int) {
		mu.Lock()
		ls := slices.Clone(listeners)
		mu.Unlock()
		for _, l := range ls {
			l(done, total)
		}
	}
	return func(ctx context.Context, progress progressFunc) (eyeInputs, error) {
		if progress != nil {
			mu.Lock()
			listeners = append(listeners, progress)
			mu.Unlock()
		}
		once.Do(func() {
			switch {
			case err != nil:
			case cached != nil:
				ins = *cached
			default:
				ins, err = makeInputs(ctx, spec, false, fan)
			}
		})
		return ins, err
	}
}

// modelsEye is the model's-eye view: the exact 896×896 image(s) the model
// will receive, made by the recipe chosen, or (plain) with the encoding,
// the fit and the number of slices chosen.
type modelsEye struct {
	p              *imagePane
	recipeSelect   *widget.Select
	fits           *widget.Label  // the recipes made for the modality shown
	editButton     *widget.Button // opens the recipe editor
	renderButton   *widget.Button
	encodingSelect *widget.Select
	planeSelect    *widget.Select // a recipe's slices: stored, or the cuts of a plane
	fitSelect      *widget.Select
	slicesEntry    *widget.Entry
	info           *widget.Label
	single         *canvas.Image
	grid           *fyne.Container
	content        fyne.CanvasObject // the controls and the inputs
	tab            fyne.CanvasObject // the recipe row above content

	recipes map[string]*recipe.Recipe // offered, by name
	editor  *recipeEditor             // the recipe editor open, or nil
	// plain holds plain's encoding, fit and slices while a recipe shows
	// its own in those controls.
	plain   struct{ encoding, fit, slices string }
	syncing bool // the controls are being set, not changed by the user

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

func newModelsEye(p *imagePane) *modelsEye {
	e := &modelsEye{p: p, recipes: map[string]*recipe.Recipe{}}
	e.recipeSelect = widget.NewSelect([]string{recipe.Plain}, e.recipeChosen)
	e.recipeSelect.Selected = recipe.Plain
	e.editButton = widget.NewButtonWithIcon("Edit recipe…", theme.DocumentCreateIcon(), e.editRecipe)
	e.renderButton = widget.NewButtonWithIcon("Rendered prompt…", theme.DocumentIcon(), func() {
		if p.onRenderPrompt != nil {
			p.onRenderPrompt()
		}
	})
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
		widget.NewLabel("from"), e.planeSelect,
	)
	body := container.NewStack(container.NewCenter(e.single), container.NewVScroll(e.grid))
	// The controls scroll sideways and the buttons go into a menu rather
	// than widen the image side (and narrow the columns).
	e.content = container.NewBorder(container.NewVBox(container.NewHScroll(controls), e.info), nil, nil, nil, body)
	buttons := newOverflowRow(
		toolItem{e.renderButton, "Rendered prompt…", e.renderButton.OnTapped, nil},
		toolItem{e.editButton, "Edit recipe…", e.editRecipe, nil},
	)
	bar := container.NewBorder(nil, nil, widget.NewLabel("Recipe"), buttons.row, e.recipeSelect)
	e.fits = widget.NewLabel("")
	e.fits.Truncation = fyne.TextTruncateEllipsis
	e.fits.Importance = widget.LowImportance
	e.fits.Hide()
	e.tab = container.NewBorder(container.NewVBox(bar, e.fits), nil, nil, nil, e.content)
	e.show()
	e.loadRecipes("")
	return e
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
func (e *modelsEye) recipe() *recipe.Recipe {
	if e.recipeSelect.Selected == recipe.Plain {
		return nil
	}
	return e.recipes[e.recipeSelect.Selected]
}

// storedSlices is the plane choice that samples a series' slices as
// stored, not reformatted.
const storedSlices = "stored slices"

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
func (e *modelsEye) studyChange(s *dicomview.Series) studyChange {
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

// captionHeight is the height of one caption line under an image.
func captionHeight() float32 {
	return widget.NewLabel("x").MinSize().Height
}

// encoding returns plain's encoding chosen (the viewer's model-input
// toggle shows it).
func (e *modelsEye) encoding() string {
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
func (e *modelsEye) fit() dicomview.Fit {
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
	if r.Encoding.Kind == recipe.EncodeDisplay {
		s.window = p.window
	}
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
	if e.p.eye == nil || e.syncing {
		return // still building, or being set
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
