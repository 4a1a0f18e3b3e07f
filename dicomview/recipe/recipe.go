// Package recipe turns studies into exactly what MedGemma receives: which
// images (series, slice selection, prior and current by study date), how
// their pixels are encoded (windows, stretch, fit, codec), how text and
// images are laid out in the user turn, the system prompt, and the
// sampling and context a run needs. A recipe is data (JSON): the built-in
// ones follow Google's published MedGemma code (assets/recipes), and users
// add their own as files in the data folder.
//
// A recipe is named and versioned; its Hash covers every parameter that
// changes what the model sees, so a logged run says which recipe made it
// and a re-run can check it gets the same one.
package recipe

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// Image selections (Images.From).
const (
	// FromEach takes every input as given: Sample slices of each series
	// (the plain single-image behaviour; several inputs are sent in order).
	FromEach = "each"
	// FromSeries samples the slices of one series (a CT or MR volume).
	FromSeries = "series"
	// FromLongitudinal takes two studies of one patient and sends the
	// prior, then the current, by study date.
	FromLongitudinal = "longitudinal"
)

// Slice samplings (Images.Sample).
const (
	// SampleEven spreads n slices evenly, first and last included.
	SampleEven = "even"
	// SampleNotebook is the selection of Google's CT notebook: slice
	// round(i / n × (N − 1)) for i = 1…n (Python's round, half to even),
	// of the N slices in order, when N > n; all of them otherwise.
	SampleNotebook = "notebook"
)

// Slice orders (Images.Order): which slice of a series is first, before
// sampling. The viewer's order is a separate choice (always OrderPosition).
const (
	// OrderPosition sorts along the slice normal (ImagePositionPatient
	// on the normal of ImageOrientationPatient), then by InstanceNumber:
	// the geometric order the viewer shows. The default.
	OrderPosition = "position"
	// OrderInstance sorts by InstanceNumber, as Google's CT notebook
	// does (dicomview.Series.InstanceOrder).
	OrderInstance = "instance"
)

// Resizes (Encoding.Resize): how a slice becomes 896×896.
const (
	// ResizeWorkbench is the workbench's own resize: a box pre-reduction,
	// then Catmull-Rom (dicomview.ModelInput). The default.
	ResizeWorkbench = "workbench"
	// ResizeBilinear is Hugging Face's Gemma3ImageProcessor: Pillow's
	// BILINEAR to 896×896 (dicomview.ResizeBilinear), after the pad when
	// the fit is "pad".
	ResizeBilinear = "bilinear"
)

// Codecs (Encoding.Codec): what the slice goes through before the resize.
const (
	// CodecPNG is lossless: the pixels reach the resize unchanged.
	CodecPNG = "png"
	// CodecJPEG saves the slice as a JPEG as Pillow does and opens it
	// again (dicomview.PillowJPEG), as Google's CT notebook sends it.
	CodecJPEG = "jpeg"
)

// RastersAsGiven (Images.Rasters) accepts PNG and JPEG files as well as
// the recipe's modalities, their pixels taken as given (no windowing).
const RastersAsGiven = "as-given"

// Pixel encodings (Encoding.Kind).
const (
	// EncodeDisplay is the viewer's window (the file's, or the one given)
	// with grey replicated into R, G and B.
	EncodeDisplay = "display"
	// EncodeWindows puts one Hounsfield range a channel into R, G and B
	// (Encoding.Windows).
	EncodeWindows = "windows"
	// EncodeVolumeStretch maps the minimum to maximum of the whole series
	// onto 0…255 (Google's MRI volume normalisation).
	EncodeVolumeStretch = "volume-stretch"
	// EncodeRadiograph is Google's chest X-ray preparation: modality LUT,
	// the file's window or the image's full range, MONOCHROME1 inverted.
	EncodeRadiograph = "radiograph"
)

// Prompt layouts (Prompt.Layout).
const (
	// LayoutImagesFirst sends the images before the text, as Ollama does
	// with a message's images when its text holds no [img] placeholder.
	LayoutImagesFirst = "images-first"
	// LayoutInterleaved lays out the user turn as instruction, then each
	// image followed by its label, then the query: the images go where
	// their [img] placeholders stand.
	LayoutInterleaved = "interleaved"
)

// ImageTokens is how many tokens one image takes in MedGemma (the SigLIP
// tower's 256, plus the start, end and two newline tokens around them).
const ImageTokens = 256 + 4

// Recipe is one named, versioned way of feeding MedGemma.
type Recipe struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Title   string `json:"title"`
	// Source cites the published code the recipe follows, and Notes say
	// where and why it departs from it.
	Source string `json:"source,omitempty"`
	Notes  string `json:"notes,omitempty"`
	// Modalities the recipe is for ("CT", "MR", "CR", "DX"); empty: any.
	Modalities []string `json:"modalities,omitempty"`
	// Model is the model the recipe is meant for (a suggestion).
	Model    string   `json:"model,omitempty"`
	Images   Images   `json:"images"`
	Encoding Encoding `json:"encoding"`
	Prompt   Prompt   `json:"prompt"`
	System   string   `json:"system,omitempty"`
	Sampling Sampling `json:"sampling,omitzero"`
	// Output says what the answer holds: "" (free text) or "boxes" (a
	// JSON list of {"box_2d": [y0, x0, y1, x1], "label": …} on 0–1000).
	Output string `json:"output,omitempty"`

	// File is where a user recipe was read from ("" for a built-in).
	File string `json:"-"`
}

// Images says which images a recipe sends.
type Images struct {
	From   string `json:"from"`
	Sample string `json:"sample,omitempty"`
	// Max is the most slices sent from a series; 0 takes the caller's
	// count (plain) and the caller may lower it, never raise it.
	Max int `json:"max,omitempty"`
	// Plane, when set ("axial", "coronal", "sagittal"), samples the cuts
	// of the series reformatted in that plane instead of its stored
	// slices (each and series recipes); the caller's Options.Plane
	// overrides it.
	Plane dicomview.Plane `json:"plane,omitempty"`
	// Order is OrderPosition ("" too) or OrderInstance.
	Order string `json:"order,omitempty"`
	// Rasters is "" (only the modalities) or RastersAsGiven.
	Rasters string `json:"rasters,omitempty"`
}

// Encoding says how a slice becomes the model's 896×896 image.
type Encoding struct {
	Kind string `json:"kind"`
	// Windows are the R, G and B ranges of EncodeWindows, in HU.
	Windows []dicomview.Range `json:"windows,omitempty"`
	// Fit is "pad" (keep the aspect ratio on a black square) or
	// "stretch".
	Fit string `json:"fit"`
	// Codec is CodecPNG (lossless, the default) or CodecJPEG at Quality
	// (0: Pillow's default, 75), applied before the resize; what reaches
	// the runtime is always the lossless 896×896 PNG after it.
	Codec   string `json:"codec,omitempty"`
	Quality int    `json:"quality,omitempty"`
	// Resize is ResizeWorkbench ("" too) or ResizeBilinear.
	Resize string `json:"resize,omitempty"`
}

// Prompt says how the user turn is laid out.
type Prompt struct {
	Layout string `json:"layout"`
	// Instruction comes first (interleaved layout only).
	Instruction string `json:"instruction,omitempty"`
	// Label follows each image; "{n}" is its number from 1 and "{of}" the
	// count.
	Label string `json:"label,omitempty"`
	// Query is the text after the images; "{prompt}" is the user's prompt.
	// Empty means "{prompt}".
	Query string `json:"query,omitempty"`
	// Default is the prompt used when the user gives none.
	Default string `json:"default,omitempty"`
}

// Sampling are the generation defaults; the user's flags override them.
type Sampling struct {
	Temperature *float64 `json:"temperature,omitempty"`
	NumPredict  int      `json:"num_predict,omitempty"`
}

// Ref returns the recipe's name, version and hash.
func (r *Recipe) Ref() core.RecipeRef {
	return core.RecipeRef{Name: r.Name, Version: r.Version, Hash: r.Hash()}
}

// Hash is the first 12 hex digits of the SHA-256 of the recipe's
// parameters as canonical JSON (everything but the title, source and
// notes, which do not change what the model sees).
func (r *Recipe) Hash() string {
	c := *r
	c.Title, c.Source, c.Notes, c.File = "", "", "", ""
	b, _ := json.Marshal(c) // plain data: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:12]
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// Validate reports the first thing wrong with r, naming the field: the
// first of recipeChecks (validate.go) that fails.
func (r *Recipe) Validate() error {
	for _, check := range recipeChecks {
		if err := check(r); err != nil {
			return fmt.Errorf("recipe %q: %w", r.Name, err)
		}
	}
	return nil
}

// The bounds of a recipe's sampling: past them the runtime fails the
// request (or runs for ever), so a recipe that asks for them is refused
// when it is read.
const (
	MaxTemperature = 2
	MaxNumPredict  = 32768
)

func fitOf(s string) (dicomview.Fit, error) {
	switch s {
	case "pad", "":
		return dicomview.FitPad, nil
	case "stretch":
		return dicomview.FitStretch, nil
	}
	return 0, fmt.Errorf("%q: want pad or stretch", s)
}

// Plain is the name of the recipe that does what the workbench did before
// recipes: each image as the viewer windows it, before the text.
const Plain = "plain"

// Parse reads one recipe from JSON and validates it; name is the file or
// asset it came from, for errors.
func Parse(name string, data []byte) (*Recipe, error) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var r Recipe
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("recipe %s: %w", name, err)
	}
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &r, nil
}

// Builtins returns the built-in recipes, by name.
func Builtins() []*Recipe { return parseBuiltins(assets.Recipes()) }

// OldBuiltins returns the earlier versions of the built-in recipes, by
// name then version.
func OldBuiltins() []*Recipe { return parseBuiltins(assets.OldRecipes()) }

func parseBuiltins(files []assets.File) []*Recipe {
	var out []*Recipe
	for _, f := range files {
		r, err := Parse(f.Name, f.Data)
		if err != nil {
			panic("recipe: built-in " + err.Error()) // embedded; a test guards it
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Name < out[j].Name || out[i].Name == out[j].Name && out[i].Version < out[j].Version
	})
	return out
}

// ErrUnknown is returned for a recipe name that is neither built in nor
// in the user's folder.
var ErrUnknown = errors.New("unknown recipe")

// Library is the built-in recipes and the user's (files *.json in a
// folder of the data dir); a user recipe may not take a built-in's name.
type Library struct {
	list []*Recipe
	// Problems are the user files that did not load, each naming its file.
	Problems []error
}

// Open reads the built-ins and the user recipes in dir (which may not
// exist).
func Open(dir string) *Library {
	l := &Library{list: Builtins()}
	if dir == "" {
		return l
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		l.Problems = append(l.Problems, err)
		return l
	}
	sort.Strings(files)
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if fi.Size() > 1<<20 {
			l.Problems = append(l.Problems, fmt.Errorf("recipe %s: %d bytes, over the 1 MiB a recipe may have", f, fi.Size()))
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			l.Problems = append(l.Problems, fmt.Errorf("recipe %s: %w", f, err))
			continue
		}
		r, err := Parse(f, data)
		if err != nil {
			l.Problems = append(l.Problems, err)
			continue
		}
		if l.find(r.Name) != nil {
			l.Problems = append(l.Problems, fmt.Errorf("recipe %s: the name %q is taken (built in or an earlier file); rename it", f, r.Name))
			continue
		}
		r.File = f
		l.list = append(l.list, r)
	}
	return l
}

// All returns every recipe: the built-ins, then the user's.
func (l *Library) All() []*Recipe { return slices.Clone(l.list) }

func (l *Library) find(name string) *Recipe {
	for _, r := range l.list {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// Get returns the named recipe ("" is Plain); "NAME@VERSION" names one
// version, the current one or an earlier built-in one.
func (l *Library) Get(name string) (*Recipe, error) {
	if name == "" {
		name = Plain
	}
	if base, version, ok := strings.Cut(name, "@"); ok {
		if r := l.find(base); r != nil && r.Version == version {
			return r, nil
		}
		var known []string
		for _, r := range OldBuiltins() {
			if r.Name == base && r.Version == version {
				return r, nil
			}
			if r.Name == base {
				known = append(known, r.Name+"@"+r.Version)
			}
		}
		if r := l.find(base); r != nil {
			known = append(known, r.Name+"@"+r.Version)
			return nil, fmt.Errorf("%w %q: %s has versions %s", ErrUnknown, name, base, strings.Join(known, ", "))
		}
	}
	if r := l.find(name); r != nil {
		return r, nil
	}
	names := make([]string, len(l.list))
	for i, r := range l.list {
		names[i] = r.Name
	}
	return nil, fmt.Errorf("%w %q; known: %s (see `medgemma-workbench recipes list`)", ErrUnknown, name, strings.Join(names, ", "))
}
