// Package benchmark holds the model card's rows as data: each names a
// public dataset's layout and split, the prompt (and recipe) that asks
// it, the metric, and the value MedGemma's model card reports, in the
// card's words. The rows are assets/benchmarks/*.json; `benchmark run`
// imports the dataset, runs it as a batch and scores it against the row.
package benchmark

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/batch/dataset"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// FormatManifest is a row's dataset format when the data is already a
// manifest (no public layout to import).
const FormatManifest = "manifest"

// Row is one model-card row.
type Row struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	// Dataset is the layout --data is in (a dataset format, or
	// "manifest"), the split to keep, and where to get it.
	Dataset struct {
		Format string `json:"format"`
		Split  string `json:"split"`
		Get    string `json:"get"`
	} `json:"dataset"`
	// Recipe, when set, is the model-input recipe the prompt uses.
	Recipe string `json:"recipe,omitempty"`
	// Prompt is the one prompt asked.
	Prompt struct {
		Name     string `json:"name"`
		System   string `json:"system,omitempty"`
		Template string `json:"template"`
	} `json:"prompt"`
	Metric  batch.Metric      `json:"metric"`
	Options inference.Options `json:"options"`
	Card    Card              `json:"card"`
}

// Card is what the model card says of a row: where, in which words, and
// the values for MedGemma 4B and MedGemma 1.5 (nil: the card gives none),
// in the card's units (percent).
type Card struct {
	Source     string   `json:"source"`
	Wording    string   `json:"wording"`
	MedGemma4B *float64 `json:"medgemma_4b"`
	MedGemma15 *float64 `json:"medgemma_1_5"`
	Note       string   `json:"note"`
}

// Value is the card's value for MedGemma 4B as text, "not in the card"
// when it gives none.
func (c Card) Value() string {
	if c.MedGemma4B == nil {
		return "not in the card"
	}
	return fmt.Sprintf("%.1f", *c.MedGemma4B)
}

// Rows are the built-in rows, in name order. A row that does not parse
// or names an unknown format or metric is an error naming its file.
func Rows() ([]Row, error) {
	var out []Row
	for _, f := range assets.Benchmarks() {
		var r Row
		dec := json.NewDecoder(bytes.NewReader(f.Data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		if err := r.check(); err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func (r Row) check() error {
	if r.Name == "" || r.Prompt.Name == "" || strings.TrimSpace(r.Prompt.Template) == "" {
		return fmt.Errorf("a row needs name, prompt.name and prompt.template")
	}
	if r.Dataset.Format != FormatManifest {
		if _, err := dataset.Parse(r.Dataset.Format); err != nil {
			return err
		}
	}
	if m, err := batch.ParseMetric(string(r.Metric)); err != nil || m == batch.Auto {
		return fmt.Errorf("metric %q: want one of %s (not auto)", r.Metric, strings.Join(batch.MetricNames(), ", "))
	}
	return nil
}

// Find is the row called name.
func Find(name string) (Row, error) {
	rows, err := Rows()
	if err != nil {
		return Row{}, err
	}
	var names []string
	for _, r := range rows {
		if r.Name == name {
			return r, nil
		}
		names = append(names, r.Name)
	}
	return Row{}, fmt.Errorf("no benchmark row %q: the rows are %s", name, strings.Join(names, ", "))
}

// Prompts is the row's prompts file.
func (r Row) Prompts() batch.PromptSet {
	return batch.PromptSet{System: r.Prompt.System, Prompts: []batch.Prompt{{Name: r.Prompt.Name, Template: r.Prompt.Template, Recipe: r.Recipe}}}
}

// Ours is a score in the card's units (percent).
func Ours(score float64) float64 { return 100 * score }
