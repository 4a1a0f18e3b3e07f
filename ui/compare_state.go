package ui

import (
	"encoding/json"

	"fyne.io/fyne/v2"
)

// Preference keys of the side-by-side view: its columns and generation
// options, restored at the next start.
const (
	// PrefCompareColumns holds one JSON object a column (savedColumn).
	PrefCompareColumns = "compare.columns"
	// PrefCompareOptions holds the shared options (savedOptions) as JSON.
	PrefCompareOptions = "compare.options"
)

// savedColumn is what a column keeps across starts.
type savedColumn struct {
	Model    string `json:"model,omitempty"`
	Template string `json:"template,omitempty"`
	Prompt   string `json:"prompt"`
	// System is the column's own system prompt; nil: the shared one.
	System *string `json:"system,omitempty"`
}

// savedOptions are the shared generation options kept across starts.
type savedOptions struct {
	System    string `json:"system"`
	MaxTokens string `json:"max_tokens"`
	Temp      string `json:"temperature"`
	Seed      string `json:"seed"`
}

// saveState writes the columns and options to the view's preferences (set
// by restoreState); without them it does nothing. It is called when the
// columns change, when a run starts and when the window closes, so that a
// crash loses no more than the last change.
func (cv *compareView) saveState() {
	if cv.prefs == nil {
		return
	}
	cols := make([]string, 0, len(cv.columns))
	for _, c := range cv.columns {
		sc := savedColumn{Model: c.modelSelect.Selected, Template: c.templateSelect.Selected, Prompt: c.promptEntry.Text}
		if c.systemOverride.Checked {
			sys := c.systemEntry.Text
			sc.System = &sys
		}
		b, _ := json.Marshal(sc) // plain data: cannot fail
		cols = append(cols, string(b))
	}
	cv.prefs.SetStringList(PrefCompareColumns, cols)
	o := cv.userOptions()
	b, _ := json.Marshal(savedOptions{System: cv.systemEntry.Text, MaxTokens: o.maxTokens, Temp: o.temp, Seed: cv.seedEntry.Text})
	cv.prefs.SetString(PrefCompareOptions, string(b))
}

// restoreState brings back the columns and options saved in p, and keeps p
// for saveState. A model no longer installed is replaced when the models
// are listed.
func (cv *compareView) restoreState(p fyne.Preferences) {
	cv.prefs = p
	var o savedOptions
	if err := json.Unmarshal([]byte(p.String(PrefCompareOptions)), &o); err == nil {
		cv.systemEntry.SetText(o.System)
		if o.MaxTokens != "" {
			cv.maxTokensEntry.SetText(o.MaxTokens)
		}
		cv.tempEntry.SetText(o.Temp)
		cv.seedEntry.SetText(o.Seed)
	}
	var saved []savedColumn
	for _, s := range p.StringList(PrefCompareColumns) {
		var sc savedColumn
		if json.Unmarshal([]byte(s), &sc) == nil {
			saved = append(saved, sc)
		}
	}
	if len(saved) == 0 {
		return
	}
	for len(cv.columns) < min(len(saved), maxColumns) {
		cv.addColumn()
	}
	for i, sc := range saved[:len(cv.columns)] {
		c := cv.columns[i]
		c.modelSelect.Selected = sc.Model // offered when the models are listed
		c.modelSelect.Refresh()
		// Shown, not chosen: the prompt below is the one saved. A user's
		// template not yet loaded is kept while it exists (refreshPicker).
		c.templateSelect.Selected = sc.Template
		c.templateSelect.Refresh()
		c.promptEntry.SetText(sc.Prompt)
		if sc.System != nil {
			c.systemEntry.SetText(*sc.System)
			c.systemOverride.SetChecked(true)
		}
		c.updateTemplateButtons()
	}
	cv.saveState() // the columns added above saved themselves half restored
}
