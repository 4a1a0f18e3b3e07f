package ui

// The model inputs themselves: what decides them (inputSpec), making them
// off the UI goroutine, plain's or a recipe's, and handing them to a
// column's request.

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"slices"
	"sync"

	"golang.org/x/image/draw"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
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
	if r.TakesWindow() {
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
