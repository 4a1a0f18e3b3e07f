// Package assets holds the files embedded in the workbench: its icon, the
// built-in prompt templates and the window/level presets.
package assets

import (
	"embed"
	"encoding/json"
	"io/fs"
	"path"
	"strings"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

//go:embed presets.json
var presetsJSON []byte

//go:embed prompts.json
var promptsJSON []byte

//go:embed recipes/*.json recipes/old/*.json
var recipesFS embed.FS

//go:embed benchmarks/*.json
var benchmarksFS embed.FS

// Benchmarks returns the model-card rows (benchmarks/*.json), which
// package batch/benchmark parses.
func Benchmarks() []File {
	var out []File
	names, _ := fs.Glob(benchmarksFS, "benchmarks/*.json") // embedded: cannot fail
	for _, n := range names {
		data, _ := benchmarksFS.ReadFile(n)
		out = append(out, File{Name: path.Join("assets", n), Data: data})
	}
	return out
}

// File is an embedded file: its name and bytes.
type File struct {
	Name string
	Data []byte
}

// Recipes returns the built-in model-input recipes (recipes/*.json), which
// package dicomview/recipe parses.
func Recipes() []File { return recipeFiles("recipes/*.json") }

// OldRecipes returns the earlier versions of the built-in recipes
// (recipes/old/NAME@VERSION.json), kept so that a logged run's recipe can
// be shown and run again as it was.
func OldRecipes() []File { return recipeFiles("recipes/old/*.json") }

func recipeFiles(glob string) []File {
	var out []File
	names, _ := fs.Glob(recipesFS, glob) // embedded: cannot fail
	for _, n := range names {
		data, _ := recipesFS.ReadFile(n)
		out = append(out, File{Name: path.Join("assets", n), Data: data})
	}
	return out
}

// Icon is the application icon.
var Icon = fyne.NewStaticResource("icon.png", iconPNG)

// Preset is a named window/level setting.
type Preset struct {
	Name     string  `json:"name"`
	Label    string  `json:"label"`
	Modality string  `json:"modality"`
	Center   float64 `json:"center"`
	Width    float64 `json:"width"`
}

// Template is a built-in prompt: a system prompt and a user prompt.
type Template struct {
	Name   string `json:"name"`
	Label  string `json:"label"`
	System string `json:"system"`
	Prompt string `json:"prompt"`
}

// DefaultSystemPrompt is the system prompt of MedGemma's model card.
const DefaultSystemPrompt = "You are an expert radiologist."

// DefaultPrompt is the model card's example user prompt.
const DefaultPrompt = "Describe this X-ray"

// Disclaimer is shown with every answer and on every exported page.
const Disclaimer = "DRAFT — research use only — not for clinical diagnosis"

// Presets returns the window/level presets.
func Presets() []Preset {
	var ps []Preset
	if err := json.Unmarshal(presetsJSON, &ps); err != nil {
		panic("assets: presets.json: " + err.Error()) // embedded; a test guards it
	}
	return ps
}

// PresetByName finds a preset by name, ignoring case.
func PresetByName(name string) (Preset, bool) {
	for _, p := range Presets() {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Preset{}, false
}

// Templates returns the built-in prompt templates.
func Templates() []Template {
	var ts []Template
	if err := json.Unmarshal(promptsJSON, &ts); err != nil {
		panic("assets: prompts.json: " + err.Error()) // embedded; a test guards it
	}
	return ts
}
