package batch

import "testing"

// TestPromptVersion: the version changes with the system prompt, the
// template and the recipe, not with the prompt's name.
func TestPromptVersion(t *testing.T) {
	p := Prompt{Name: "direct", Template: "{{question}}"}
	v := p.Version("You are an expert radiologist.")
	if len(v) != 12 {
		t.Fatalf("version %q", v)
	}
	renamed := p
	renamed.Name = "other"
	if renamed.Version("You are an expert radiologist.") != v {
		t.Error("a new name made a new version")
	}
	for name, q := range map[string]Prompt{
		"template": {Name: "direct", Template: "{{question}} Answer briefly."},
		"recipe":   {Name: "direct", Template: "{{question}}", Recipe: "medgemma-1.5-ct", RecipeHash: "0123456789ab"},
		"system":   {Name: "direct", Template: "{{question}}", System: "You are a radiology resident."},
	} {
		if q.Version("You are an expert radiologist.") == v {
			t.Errorf("a changed %s kept the version", name)
		}
	}
	if p.Version("Another system prompt.") == v {
		t.Error("the file's system prompt is part of the version")
	}
}
