package ui

import (
	"context"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

func templateNames(f *fakeBackend) []string {
	var out []string
	f.withHistory(func(f *fakeHistory) {
		for _, t := range f.templates {
			out = append(out, t.Name+"|"+t.System+"|"+t.Prompt)
		}
	})
	return out
}

func TestTemplatePickerFillsEntries(t *testing.T) {
	fake := twoModels()
	fake.templates = []core.PromptTemplate{{Name: "pediatric", System: "You are a pediatric radiologist.", Prompt: "Any fracture?"}}
	h := newHarness(t, fake)
	h.waitForModel(testModel)
	cols := h.addColumns(2)
	c := cols[1]
	h.waitFor("the user's templates", waitTimeout, func() bool { return slices.Contains(c.templateSelect.Options, "pediatric (saved)") })

	builtin := assets.Templates()[0]
	if got := c.templateSelect.Options[:len(assets.Templates())]; got[0] != builtin.Label {
		t.Fatalf("picker offers %q first, want the built-in %q", got, builtin.Label)
	}
	c.templateSelect.SetSelected(builtin.Label)
	if c.promptEntry.Text != builtin.Prompt || c.systemOverride.Checked || c.system() != assets.DefaultSystemPrompt {
		t.Errorf("built-in template gave prompt %q, own system %v (%q)", c.promptEntry.Text, c.systemOverride.Checked, c.system())
	}
	if !c.deleteTemplate.Disabled() {
		t.Error("a built-in template can be deleted")
	}

	c.templateSelect.SetSelected("pediatric (saved)")
	if c.promptEntry.Text != "Any fracture?" || !c.systemOverride.Checked || !c.systemEntry.Visible() || c.system() != "You are a pediatric radiologist." {
		t.Errorf("user template gave prompt %q, own system %v %q", c.promptEntry.Text, c.systemOverride.Checked, c.system())
	}
	if c.deleteTemplate.Disabled() {
		t.Error("the user's template cannot be deleted")
	}
	if cols[0].promptEntry.Text != defaultPrompt || cols[0].systemOverride.Checked {
		t.Error("choosing a template in column 2 changed column 1")
	}
	c.box.Resize(fyne.NewSize(368, 440)) // the window's layout varies by a pixel
	assertMarkup(t, "prompts_column.xml", c.box)
}

func TestSaveAndDeleteUserTemplate(t *testing.T) {
	fake := twoModels()
	h := newHarness(t, fake)
	h.waitForModel(testModel)
	cols := h.addColumns(2)
	c := cols[0]
	c.promptEntry.SetText("List the lines and tubes.")

	test.Tap(c.saveTemplate)
	cv := h.wb.cmp
	name, save := cv.formShown("Save")
	if name == nil {
		t.Fatal("Save as template shows no dialog")
	}
	name.SetText("lines and tubes")
	save()
	h.waitFor("the template to be offered", waitTimeout, func() bool {
		return slices.Contains(cols[1].templateSelect.Options, "lines and tubes (saved)")
	})
	if got, want := templateNames(fake), []string{"lines and tubes|" + defaultSystem + "|List the lines and tubes."}; !slices.Equal(got, want) {
		t.Errorf("saved templates %q, want %q", got, want)
	}
	if c.templateSelect.Selected != "lines and tubes (saved)" || c.deleteTemplate.Disabled() {
		t.Errorf("after saving, the picker shows %q, delete disabled %v", c.templateSelect.Selected, c.deleteTemplate.Disabled())
	}

	test.Tap(c.deleteTemplate)
	yes := cv.confirmShown()
	if yes == nil {
		t.Fatal("Delete asks nothing")
	}
	yes()
	h.waitFor("the template to be gone", waitTimeout, func() bool {
		return !slices.Contains(cols[1].templateSelect.Options, "lines and tubes (saved)")
	})
	if got := templateNames(fake); len(got) != 0 {
		t.Errorf("templates left %q", got)
	}
	if c.templateSelect.Selected != "" || !c.deleteTemplate.Disabled() {
		t.Errorf("after deleting, the picker shows %q, delete disabled %v", c.templateSelect.Selected, c.deleteTemplate.Disabled())
	}
}

func TestPlaceholderPromptIsRefused(t *testing.T) {
	fake := twoModels()
	asked := false
	fake.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
		asked = true
		return 1, core.Result{Status: core.StatusOK}, nil
	}
	h := newHarness(t, fake)
	h.waitForModel(testModel)
	c := h.wb.cmp.columns[0]
	for _, tt := range assets.Templates() {
		if strings.Contains(tt.Prompt, "{{question}}") {
			c.templateSelect.SetSelected(tt.Label)
		}
	}
	if !strings.Contains(c.promptEntry.Text, "{{question}}") {
		t.Fatalf("no template with a {{question}} placeholder; prompt %q", c.promptEntry.Text)
	}
	test.Tap(h.wb.cmp.runAllButton)
	h.q.drain()
	if asked || h.wb.cmp.running || !hasDialog(h.wb.Window()) {
		t.Errorf("a prompt with a placeholder: asked %v, running %v, dialog %v; want refused with a dialog", asked, h.wb.cmp.running, hasDialog(h.wb.Window()))
	}
}
