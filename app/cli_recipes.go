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

func (c *cli) showRecipe(r *recipe.Recipe, jsonOut bool) error {
	if jsonOut {
		return json.NewEncoder(c.stdout).Encode(recipeJSON(r))
	}
	w := c.stdout
	fmt.Fprintf(w, "%s v%s (hash %s)\n%s\n", r.Name, r.Version, r.Hash(), r.Title)
	if r.File != "" {
		fmt.Fprintf(w, "file: %s\n", r.File)
	}
	if r.Source != "" {
		fmt.Fprintf(w, "follows: %s\n", r.Source)
	}
	if len(r.Modalities) > 0 {
		fmt.Fprintf(w, "for: %s\n", strings.Join(r.Modalities, ", "))
	}
	fmt.Fprintf(w, "images: %s\n", imagesText(r))
	enc := r.Encoding.Kind
	for _, win := range r.Encoding.Windows {
		enc += " " + win.String()
	}
	codec := "no codec step (lossless)"
	if r.Encoding.Codec == recipe.CodecJPEG {
		q := r.Encoding.Quality
		if q == 0 {
			q = dicomview.PillowDefaultQuality
		}
		codec = fmt.Sprintf("JPEG q%d as Pillow saves and opens it", q)
	}
	resize := "the workbench's resize (Catmull-Rom)"
	if r.Encoding.Resize == recipe.ResizeBilinear {
		resize = "the processor's bilinear (Pillow BILINEAR, as Hugging Face's Gemma3ImageProcessor)"
	}
	fmt.Fprintf(w, "encoding: %s, fit %s\n", enc, r.Encoding.Fit)
	fmt.Fprintf(w, "then: %s, %s, to 896×896, handed over as lossless PNG\n", codec, resize)
	fmt.Fprintf(w, "in short: %s\n", r.Stages())
	fmt.Fprintf(w, "layout: %s\n", r.Prompt.Layout)
	if r.Prompt.Instruction != "" {
		fmt.Fprintf(w, "instruction: %s\n", r.Prompt.Instruction)
	}
	if r.Prompt.Label != "" {
		fmt.Fprintf(w, "label after each image: %s\n", r.Prompt.Label)
	}
	if r.Prompt.Query != "" && strings.TrimSpace(r.Prompt.Query) != "{prompt}" {
		fmt.Fprintf(w, "query: %s\n", strings.TrimSpace(r.Prompt.Query))
	}
	if r.Prompt.Default != "" {
		fmt.Fprintf(w, "default prompt: %s\n", r.Prompt.Default)
	}
	if r.System != "" {
		fmt.Fprintf(w, "system: %s\n", r.System)
	}
	if t := r.Sampling.Temperature; t != nil || r.Sampling.NumPredict > 0 {
		parts := []string{}
		if t != nil {
			parts = append(parts, fmt.Sprintf("temperature %g", *t))
		}
		if r.Sampling.NumPredict > 0 {
			parts = append(parts, fmt.Sprintf("%d new tokens", r.Sampling.NumPredict))
		}
		fmt.Fprintf(w, "sampling: %s\n", strings.Join(parts, ", "))
	}
	if r.Output != "" {
		fmt.Fprintf(w, "answer: %s\n", r.Output)
	}
	if r.Notes != "" {
		fmt.Fprintf(w, "notes: %s\n", r.Notes)
	}
	return nil
}
