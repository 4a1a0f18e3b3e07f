package ui

import (
	"context"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

const yesNoSchema = `{"type": "object", "properties": {"answer": {"enum": ["yes", "no"]}}, "required": ["answer"]}`

// TestColumnSchemaOption: a column's answer schema goes with its request
// (compact, with its hash and the prompt version), the run's verdict is
// shown, a schema that does not compile is refused in the dialog, and
// free text sends none.
func TestColumnSchemaOption(t *testing.T) {
	fake := twoModels()
	var mu sync.Mutex
	var reqs []core.Request
	valid := true
	fake.set(func(f *fakeBackend) {
		f.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
			mu.Lock()
			reqs = append(reqs, req)
			mu.Unlock()
			onChunk(`{"answer": "yes"}`)
			res := core.Result{Status: core.StatusOK, DoneReason: "stop", SchemaValid: &valid}
			if len(req.Schema) == 0 {
				res.SchemaValid = nil
			}
			return int64(len(reqs)), res, nil
		}
	})
	h := newHarness(t, fake)
	h.waitForModel(testModel)
	c := h.first()
	c.promptEntry.SetText("Is there a pleural effusion?")
	if c.schemaButton.Text != freeTextLabel {
		t.Errorf("a new column's answer: %q, want free text", c.schemaButton.Text)
	}

	test.Tap(c.schemaButton)
	cv := h.wb.cmp
	entry, use := cv.formShown("Use")
	if entry == nil {
		t.Fatal("the schema button shows no dialog")
	}
	entry.SetText(`{"type": "object", "properties": {"answer": {"enum": `)
	if err := entry.Validate(); err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("half a schema validates: %v", err)
	}
	entry.SetText(yesNoSchema)
	if err := entry.Validate(); err != nil {
		t.Fatalf("the yes/no schema is refused: %v", err)
	}
	use()
	if c.schema == nil || !strings.Contains(c.schemaButton.Text, c.schema.Hash) {
		t.Fatalf("after Use: schema %v, button %q", c.schema, c.schemaButton.Text)
	}

	test.Tap(c.runButton)
	h.waitFor("the run to end", waitTimeout, func() bool { return !c.running && strings.Contains(c.stats.Text, "run 1") })
	if !strings.Contains(c.stats.Text, "fits the schema") {
		t.Errorf("stats %q do not say the answer fits the schema", c.stats.Text)
	}
	mu.Lock()
	req := reqs[0]
	mu.Unlock()
	if string(req.Schema) != `{"type":"object","properties":{"answer":{"enum":["yes","no"]}},"required":["answer"]}` ||
		req.SchemaHash != core.SchemaHash([]byte(yesNoSchema)) {
		t.Errorf("request schema %s (%s)", req.Schema, req.SchemaHash)
	}
	if want := core.PromptVersion(req.System, "Is there a pleural effusion?", req.SchemaHash, ""); req.PromptVersion != want {
		t.Errorf("request prompt version %q, want %q", req.PromptVersion, want)
	}

	valid = false
	test.Tap(c.schemaButton)
	entry, use = cv.formShown("Use")
	entry.SetText("")
	use()
	if c.schema != nil || c.schemaButton.Text != freeTextLabel {
		t.Fatalf("an empty schema leaves %v, %q", c.schema, c.schemaButton.Text)
	}
	test.Tap(c.runButton)
	h.waitFor("the second run to end", waitTimeout, func() bool { return !c.running && strings.Contains(c.stats.Text, "run 2") })
	mu.Lock()
	req2 := reqs[1]
	mu.Unlock()
	if len(req2.Schema) != 0 || req2.SchemaHash != "" || strings.Contains(c.stats.Text, "schema") {
		t.Errorf("free text sent schema %q (%q); stats %q", req2.Schema, req2.SchemaHash, c.stats.Text)
	}
	if req2.PromptVersion == req.PromptVersion {
		t.Error("dropping the schema kept the prompt version")
	}
}

// TestTemplateVersionsDialog: saving a template twice with an edit makes
// two versions; the Versions dialog lists them and shows the words the
// edit removed and added, part by part; Use loads the chosen version
// into the column, its schema with it.
func TestTemplateVersionsDialog(t *testing.T) {
	fake := twoModels()
	h := newHarness(t, fake)
	h.waitForModel(testModel)
	c := h.first()
	cv := h.wb.cmp
	saved := 0
	save := func(prompt string) {
		t.Helper()
		c.promptEntry.SetText(prompt)
		test.Tap(c.saveTemplate)
		name, submit := cv.formShown("Save")
		if name == nil {
			t.Fatal("Save as template shows no dialog")
		}
		name.SetText("effusion")
		submit()
		saved++
		h.waitFor("the template to be saved and chosen", waitTimeout, func() bool {
			n := 0
			fake.withHistory(func(f *fakeHistory) { n = len(f.versions["effusion"]) })
			t, ok := cv.prompts.lookup(c.templateSelect.Selected)
			return n == saved && ok && t.Prompt == prompt
		})
	}
	if !c.versionsButton.Disabled() {
		t.Error("Versions is offered with no template chosen")
	}
	save("Is there an effusion on this chest X-ray?")
	c.useSchemaText(yesNoSchema)
	save("Is there a pleural effusion on this chest radiograph?")
	if c.versionsButton.Disabled() {
		t.Fatal("Versions is not offered for the user's template")
	}

	test.Tap(c.versionsButton)
	h.waitFor("the versions dialog", waitTimeout, func() bool { return cv.versions != nil })
	v := cv.versions
	if len(v.versions) != 2 || v.from.SelectedIndex() != 0 || v.to.SelectedIndex() != 1 {
		t.Fatalf("%d versions, from %d to %d; want 2, 0 → 1", len(v.versions), v.from.SelectedIndex(), v.to.SelectedIndex())
	}
	if v.versions[0].Version == v.versions[1].Version {
		t.Error("the edit kept the version")
	}
	var removed, added []string
	for _, s := range v.text.Segments {
		ts, ok := s.(*widget.TextSegment)
		if !ok {
			continue
		}
		switch {
		case ts.Style.ColorName == theme.ColorNameError:
			removed = append(removed, strings.TrimSpace(ts.Text))
		case ts.Style.ColorName == theme.ColorNameSuccess:
			added = append(added, strings.TrimSpace(ts.Text))
		}
	}
	if strings.Join(removed, "|") != "an|X-ray?" || len(added) != 3 || added[0] != "a pleural" || added[1] != "radiograph?" ||
		!strings.Contains(added[2], `"enum": [ "yes", "no" ]`) {
		t.Errorf("removed %q, added %q", removed, added)
	}
	for _, part := range []string{"v1 (" + v.versions[0].Version + ") → v2", "changed prompt", "answer schema"} {
		if !strings.Contains(v.info.Text, part) {
			t.Errorf("diff summary %q lacks %q", v.info.Text, part)
		}
	}
	if v.list.Length() != 2 {
		t.Errorf("the list shows %d versions", v.list.Length())
	}

	v.to.SetSelectedIndex(0) // the first version, without a schema
	if !strings.Contains(v.info.Text, "with itself") {
		t.Errorf("one version against itself: %q", v.info.Text)
	}
	v.from.SetSelectedIndex(1)
	var use *widget.Button
	for _, o := range test.LaidOutObjects(h.wb.Window().Canvas().Overlays().Top()) {
		if b, ok := o.(*widget.Button); ok && strings.HasPrefix(b.Text, "Use the version") {
			use = b
		}
	}
	if use == nil {
		t.Fatal("no Use button in the versions dialog")
	}
	test.Tap(use)
	if c.promptEntry.Text != "Is there an effusion on this chest X-ray?" || c.schema != nil {
		t.Errorf("Use loaded prompt %q, schema %v; want version 1's, free text", c.promptEntry.Text, c.schema)
	}
	if hasDialog(h.wb.Window()) {
		t.Error("the versions dialog stays open after Use")
	}
}
