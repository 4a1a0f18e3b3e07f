package app

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
)

const recipesUsage = `usage: medgemma-workbench recipes list [--json]
       medgemma-workbench recipes show NAME [--json]`

// recipesDir is the folder of the user's own recipes (*.json).
func recipesDir(cfg Config) string { return filepath.Join(cfg.DataDir, "recipes") }

// openRecipes reads the built-in and the user's recipes; files that did
// not load are warned about on stderr, each naming its file.
func (c *cli) openRecipes() *recipe.Library {
	l := recipe.Open(recipesDir(c.cfg))
	for _, p := range l.Problems {
		fmt.Fprintf(c.stderr, "warning: %v (skipped)\n", p)
	}
	return l
}

// recipes runs `recipes list|show`.
func (c *cli) recipes(args []string) error {
	if len(args) == 0 {
		return usagef("%s", recipesUsage)
	}
	sub, args := args[0], args[1:]
	fs := newFlags("recipes "+sub, &c.cfg)
	jsonOut := fs.Bool("json", false, "print JSON (one line a recipe for list)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	l := c.openRecipes()
	switch {
	case sub == "list" && len(pos) == 0:
		return c.listRecipes(l, *jsonOut)
	case sub == "show" && len(pos) == 1:
		r, err := l.Get(pos[0])
		if err != nil {
			return usagef("%v", err)
		}
		return c.showRecipe(r, *jsonOut)
	}
	return usagef("%s", recipesUsage)
}

// recipeJSON is a recipe with its hash and where it comes from, as the
// CLI prints it.
func recipeJSON(r *recipe.Recipe) map[string]any {
	var m map[string]any
	b, _ := json.Marshal(r)
	json.Unmarshal(b, &m)
	m["hash"] = r.Hash()
	m["builtin"] = r.File == ""
	m["stages"] = r.Stages()
	if r.File != "" {
		m["file"] = r.File
	}
	return m
}

func (c *cli) listRecipes(l *recipe.Library, jsonOut bool) error {
	if jsonOut {
		enc := json.NewEncoder(c.stdout)
		for _, r := range l.All() {
			if err := enc.Encode(recipeJSON(r)); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tHASH\tIMAGES\tENCODING\tTITLE")
	for _, r := range l.All() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Version, r.Hash(), imagesText(r), r.Encoding.Kind, r.Title)
	}
	return tw.Flush()
}

// imagesText says which images a recipe takes: "series ≤85 (notebook)".
func imagesText(r *recipe.Recipe) string {
	s := r.Images.From
	if r.Images.Max > 0 {
		s += fmt.Sprintf(" ≤%d", r.Images.Max)
	}
	if r.Images.Sample != "" && r.Images.From != recipe.FromLongitudinal {
		s += " (" + r.Images.Sample + ")"
	}
	return s
}

// showRecipe prints the recipe: as JSON (recipeJSON), or its name,
// version, hash and title, then a line a part of it (recipeLines).
func (c *cli) showRecipe(r *recipe.Recipe, jsonOut bool) error {
	if jsonOut {
		return json.NewEncoder(c.stdout).Encode(recipeJSON(r))
	}
	w := c.stdout
	fmt.Fprintf(w, "%s v%s (hash %s)\n%s\n", r.Name, r.Version, r.Hash(), r.Title)
	for _, l := range recipeLines(r) {
		if l.show {
			fmt.Fprintf(w, "%s: %s\n", l.label, l.value)
		}
	}
	return nil
}

// recipeLine is one line of recipes show: "label: value", where show.
type recipeLine struct {
	label, value string
	show         bool
}

// recipeLines are recipes show's lines, in the order a recipe is read:
// where it comes from, which images and how they are encoded, the
// prompt's parts, the sampling, the answer and the notes.
func recipeLines(r *recipe.Recipe) []recipeLine {
	p := r.Prompt
	query := strings.TrimSpace(p.Query)
	sampling := samplingText(r.Sampling)
	return []recipeLine{
		{"file", r.File, r.File != ""},
		{"follows", r.Source, r.Source != ""},
		{"for", strings.Join(r.Modalities, ", "), len(r.Modalities) > 0},
		{"images", imagesText(r), true},
		{"encoding", fmt.Sprintf("%s, fit %s", encodingText(r.Encoding), r.Encoding.Fit), true},
		{"then", fmt.Sprintf("%s, %s, to 896×896, handed over as lossless PNG", codecText(r.Encoding), resizeText(r.Encoding)), true},
		{"in short", r.Stages(), true},
		{"layout", p.Layout, true},
		{"instruction", p.Instruction, p.Instruction != ""},
		{"label after each image", p.Label, p.Label != ""},
		{"query", query, p.Query != "" && query != "{prompt}"},
		{"default prompt", p.Default, p.Default != ""},
		{"system", r.System, r.System != ""},
		{"sampling", sampling, sampling != ""},
		{"answer", r.Output, r.Output != ""},
		{"notes", r.Notes, r.Notes != ""},
	}
}

// encodingText is the encoding's kind, then its windows.
func encodingText(e recipe.Encoding) string {
	s := e.Kind
	for _, win := range e.Windows {
		s += " " + win.String()
	}
	return s
}

// codecText says what the codec step does.
func codecText(e recipe.Encoding) string {
	if e.Codec != recipe.CodecJPEG {
		return "no codec step (lossless)"
	}
	q := e.Quality
	if q == 0 {
		q = dicomview.PillowDefaultQuality
	}
	return fmt.Sprintf("JPEG q%d as Pillow saves and opens it", q)
}

// resizeText says which resize makes the 896×896 input.
func resizeText(e recipe.Encoding) string {
	if e.Resize == recipe.ResizeBilinear {
		return "the processor's bilinear (Pillow BILINEAR, as Hugging Face's Gemma3ImageProcessor)"
	}
	return "the workbench's resize (Catmull-Rom)"
}

// samplingText is the recipe's sampling, "" when it sets none.
func samplingText(sm recipe.Sampling) string {
	var parts []string
	if t := sm.Temperature; t != nil {
		parts = append(parts, fmt.Sprintf("temperature %g", *t))
	}
	if sm.NumPredict > 0 {
		parts = append(parts, fmt.Sprintf("%d new tokens", sm.NumPredict))
	}
	return strings.Join(parts, ", ")
}
