package recipe

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// recipeChecks are Validate's checks, one a part of a recipe, in the
// order a recipe's problems are reported: who it is, which images, how
// their pixels are encoded (kind, fit, codec, resize), the slice order and
// the rasters it takes, the prompt, the answer and the sampling. Each
// returns what is wrong, naming the field; Validate adds the recipe's name.
var recipeChecks = []func(r *Recipe) error{
	checkIdentity,
	checkImages,
	checkEncodingKind,
	checkFit,
	checkCodec,
	checkResize,
	checkOrder,
	checkRasters,
	checkLayout,
	checkPlaceholders,
	checkOutput,
	checkSampling,
}

// checkIdentity checks the name and version.
func checkIdentity(r *Recipe) error {
	if !nameRE.MatchString(r.Name) {
		return errors.New("name: want lowercase letters, digits, '.', '_' or '-' (at most 64)")
	}
	if r.Version == "" {
		return errors.New("version: missing")
	}
	return nil
}

// checkImages checks which images are taken: from, sample, plane, max.
func checkImages(r *Recipe) error {
	im := r.Images
	switch im.From {
	case FromEach, FromSeries, FromLongitudinal:
	default:
		return fmt.Errorf("images.from %q: want %s, %s or %s", im.From, FromEach, FromSeries, FromLongitudinal)
	}
	switch im.Sample {
	case "", SampleEven, SampleNotebook:
	default:
		return fmt.Errorf("images.sample %q: want %s or %s", im.Sample, SampleEven, SampleNotebook)
	}
	if im.Plane != "" && !slices.Contains(dicomview.Planes, im.Plane) {
		return fmt.Errorf("images.plane %q: want axial, coronal or sagittal", im.Plane)
	}
	if im.Plane != "" && im.From == FromLongitudinal {
		return errors.New("images.plane: a longitudinal recipe sends one image of each study, not cuts")
	}
	if im.Max < 0 || im.Max > 1000 {
		return fmt.Errorf("images.max %d: want 0 to 1000", im.Max)
	}
	return nil
}

// checkEncodingKind checks the pixel encoding, and what its kind needs
// beyond its name (encodingKinds).
func checkEncodingKind(r *Recipe) error {
	k, err := encodingOf(r.Encoding.Kind)
	if err != nil {
		return err
	}
	if k.check != nil {
		return k.check(r.Encoding)
	}
	return nil
}

// checkWindows checks EncodeWindows' R, G and B ranges.
func checkWindows(ws []dicomview.Range) error {
	if len(ws) != 3 {
		return fmt.Errorf("encoding.windows: want three HU ranges (R, G, B), got %d", len(ws))
	}
	for i, w := range ws {
		if !(w.Hi > w.Lo) {
			return fmt.Errorf("encoding.windows[%d] %v: want lo < hi", i, w)
		}
	}
	return nil
}

// checkFit checks encoding.fit.
func checkFit(r *Recipe) error {
	if _, err := fitOf(r.Encoding.Fit); err != nil {
		return fmt.Errorf("encoding.fit: %w", err)
	}
	return nil
}

// checkCodec checks the codec and its quality.
func checkCodec(r *Recipe) error {
	e := r.Encoding
	switch e.Codec {
	case "", CodecPNG:
		if e.Quality != 0 {
			return errors.New("encoding.quality: only the jpeg codec has a quality")
		}
	case CodecJPEG:
		if e.Quality < 0 || e.Quality > 100 {
			return fmt.Errorf("encoding.quality %d: want 1 to 100, or 0 for Pillow's default (75)", e.Quality)
		}
	default:
		return fmt.Errorf("encoding.codec %q: want png or jpeg", e.Codec)
	}
	return nil
}

// checkResize checks encoding.resize.
func checkResize(r *Recipe) error {
	switch r.Encoding.Resize {
	case "", ResizeWorkbench, ResizeBilinear:
		return nil
	}
	return fmt.Errorf("encoding.resize %q: want %s or %s", r.Encoding.Resize, ResizeBilinear, ResizeWorkbench)
}

// checkOrder checks images.order.
func checkOrder(r *Recipe) error {
	switch r.Images.Order {
	case "", OrderPosition, OrderInstance:
		return nil
	}
	return fmt.Errorf("images.order %q: want %s or %s", r.Images.Order, OrderInstance, OrderPosition)
}

// checkRasters checks images.rasters: taken as given only by the
// encodings that have no Hounsfield units to window.
func checkRasters(r *Recipe) error {
	switch r.Images.Rasters {
	case "":
	case RastersAsGiven:
		if !r.encoding().asGiven {
			return errors.New("images.rasters: PNG and JPEG are taken as given only by radiograph and display encodings")
		}
	default:
		return fmt.Errorf("images.rasters %q: want %q or nothing", r.Images.Rasters, RastersAsGiven)
	}
	return nil
}

// checkLayout checks prompt.layout.
func checkLayout(r *Recipe) error {
	switch r.Prompt.Layout {
	case LayoutImagesFirst, LayoutInterleaved:
		return nil
	}
	return fmt.Errorf("prompt.layout %q: want %s or %s", r.Prompt.Layout, LayoutImagesFirst, LayoutInterleaved)
}

// checkPlaceholders refuses a text of the recipe's that holds the
// runtime's image placeholder, naming the first, in the prompt's order.
func checkPlaceholders(r *Recipe) error {
	for _, t := range []struct{ what, text string }{
		{"instruction", r.Prompt.Instruction},
		{"label", r.Prompt.Label},
		{"query", r.Prompt.Query},
		{"default", r.Prompt.Default},
		{"system", r.System},
	} {
		if strings.Contains(t.text, core.ImagePlaceholder) {
			return fmt.Errorf("%s holds %s, which the runtime would read as an image", t.what, core.ImagePlaceholder)
		}
	}
	return nil
}

// checkOutput checks what the answer is to hold.
func checkOutput(r *Recipe) error {
	switch r.Output {
	case "", "boxes":
		return nil
	}
	return fmt.Errorf("output %q: want \"\" or boxes", r.Output)
}

// checkSampling checks the sampling against the runtime's bounds.
func checkSampling(r *Recipe) error {
	if t := r.Sampling.Temperature; t != nil && !(*t >= 0 && *t <= MaxTemperature) {
		return fmt.Errorf("sampling.temperature %g: want 0 (greedy) to %g", *t, float64(MaxTemperature))
	}
	if n := r.Sampling.NumPredict; n < 0 || n > MaxNumPredict {
		return fmt.Errorf("sampling.num_predict %d: want 1 to %d new tokens, or 0 for the default", n, MaxNumPredict)
	}
	return nil
}
