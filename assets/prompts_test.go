package assets

import (
	"strings"
	"testing"
)

// TestBuiltinPromptTemplates checks that the prompt library ships the model
// card's system prompt with the templates a radiology researcher starts
// from: a chest X-ray report with findings and impression, a description,
// and a yes/no question.
func TestBuiltinPromptTemplates(t *testing.T) {
	byName := map[string]Template{}
	for _, tt := range Templates() {
		if tt.Name == "" || tt.Label == "" || tt.Prompt == "" {
			t.Errorf("template %+v lacks a name, label or prompt", tt)
		}
		if _, dup := byName[tt.Name]; dup {
			t.Errorf("template %q is listed twice", tt.Name)
		}
		byName[tt.Name] = tt
	}
	for _, c := range []struct {
		name  string
		words []string
	}{
		{"cxr-report", []string{"FINDINGS", "IMPRESSION"}},
		{"describe", []string{DefaultPrompt}},
		{"yes-no", []string{"yes or no", "{{question}}"}},
	} {
		tt, ok := byName[c.name]
		if !ok {
			t.Errorf("no built-in template %q", c.name)
			continue
		}
		if tt.System != DefaultSystemPrompt {
			t.Errorf("template %q system prompt %q, want the model card's %q", c.name, tt.System, DefaultSystemPrompt)
		}
		for _, w := range c.words {
			if !strings.Contains(tt.Prompt, w) {
				t.Errorf("template %q prompt %q lacks %q", c.name, tt.Prompt, w)
			}
		}
	}
}
