package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// waitStatus waits until the recipe editor's status line holds want, its
// text checked.
func (h *harness) waitStatus(ed *recipeEditor, want string) {
	h.t.Helper()
	h.waitFor("status "+want, waitTimeout, func() bool { return !ed.checkDue && strings.Contains(ed.status.Text, want) })
}

// TestRecipeEditor: Edit recipe… on a built-in opens its copy (named
// "-mine", version 1), valid with its hash; a changed window range is
// checked as typed and gets a new hash; Save hands the backend the JSON,
// and the picker offers and chooses the saved recipe. Broken JSON, a bad
// field and a built-in's name are shown on the status line and Save is
// refused; Delete removes the user's recipe and plain is chosen.
func TestRecipeEditor(t *testing.T) {
	fake := &fakeBackend{models: []core.Model{{Name: testModel}}}
	h := newHarness(t, fake)
	e := h.chooseRecipe("medgemma-1.5-ct")
	test.Tap(e.recipeButton("Edit recipe…"))
	ed := e.editor
	if ed == nil || !hasDialog(h.wb.Window()) {
		t.Fatal("Edit recipe… opened no editor")
	}
	text := ed.entry.Text
	if !strings.Contains(text, `"name": "medgemma-1.5-ct-mine"`) || !strings.Contains(text, `"version": "1"`) ||
		!ed.entry.TextStyle.Monospace || ed.deleteButton != nil {
		t.Errorf("editor on a built-in: monospace %v, delete %v, text %.200s", ed.entry.TextStyle.Monospace, ed.deleteButton != nil, text)
	}
	copyOf, err := recipe.Parse("copy", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if want := "valid · hash " + copyOf.Hash(); ed.status.Text != want || ed.saveButton.Disabled() {
		t.Errorf("status %q (Save disabled %v), want %q", ed.status.Text, ed.saveButton.Disabled(), want)
	}

	// A window range changed: checked as typed, a new hash.
	changed := strings.Replace(text, `"hi": 80`, `"hi": 100`, 1)
	if changed == text {
		t.Fatal(`the copy has no "hi": 80`)
	}
	ed.entry.SetText(changed)
	if !ed.saveButton.Disabled() {
		t.Error("Save enabled before the changed text was checked")
	}
	want, err := recipe.Parse("changed", []byte(changed))
	if err != nil {
		t.Fatal(err)
	}
	h.waitStatus(ed, "valid · hash "+want.Hash())
	if want.Hash() == copyOf.Hash() || ed.saveButton.Disabled() {
		t.Errorf("hash %s unchanged or Save disabled %v", want.Hash(), ed.saveButton.Disabled())
	}

	// Save: the backend gets the JSON; the picker offers and chooses it.
	test.Tap(ed.saveButton)
	h.waitFor("the saved recipe chosen", waitTimeout, func() bool {
		return e.editor == nil && e.recipeSelect.Selected == "medgemma-1.5-ct-mine" && e.recipe() != nil
	})
	fake.mu.Lock()
	saved := slices.Clone(fake.savedJSON)
	fake.mu.Unlock()
	if len(saved) != 1 || string(saved[0]) != changed {
		t.Fatalf("backend got %d saves, first equal to the text %v", len(saved), len(saved) > 0 && string(saved[0]) == changed)
	}
	if !slices.Contains(e.recipeSelect.Options, "medgemma-1.5-ct-mine") || e.recipe().Encoding.Windows[2].Hi != 100 || e.recipe().Hash() != want.Hash() {
		t.Errorf("picker %v, chosen %+v", e.recipeSelect.Options, e.recipe().Encoding)
	}
	if hasDialog(h.wb.Window()) {
		t.Error("the editor is still shown after Save")
	}

	// The user's own recipe opens as it is, with Delete.
	test.Tap(e.recipeButton("Edit recipe…"))
	ed = e.editor
	if ed == nil || ed.deleteButton == nil || !strings.Contains(ed.entry.Text, `"name": "medgemma-1.5-ct-mine"`) {
		t.Fatal("editor on the user's recipe: no Delete, or not its name")
	}
	h.waitStatus(ed, "valid · hash "+want.Hash())

	// What is not a recipe is shown, naming the line or the field, and
	// Save is refused.
	for _, tc := range []struct{ name, text, want string }{
		{"broken JSON", strings.Replace(ed.entry.Text, `"version": "1",`, `"version": "1"`, 1), "Line 4, column 3: invalid character"},
		{"bad field", strings.Replace(ed.entry.Text, `"fit": "stretch"`, `"fit": "zoom"`, 1), `encoding.fit: "zoom": want pad or stretch`},
		{"a built-in's name", strings.Replace(ed.entry.Text, `"medgemma-1.5-ct-mine"`, `"plain"`, 1), "a built-in recipe has it"},
		{"text after the recipe", ed.entry.Text + "}", "closing brace"},
	} {
		good := ed.entry.Text
		ed.entry.SetText(tc.text)
		h.waitStatus(ed, tc.want)
		if !ed.saveButton.Disabled() {
			t.Errorf("%s: Save enabled", tc.name)
		}
		ed.save()
		h.q.drain()
		fake.mu.Lock()
		n := len(fake.savedJSON)
		fake.mu.Unlock()
		if n != 1 || e.editor != ed || ed.busy || !strings.Contains(ed.status.Text, tc.want) {
			t.Errorf("%s: Save not refused: %d saves, editor open %v, status %q", tc.name, n, e.editor == ed, ed.status.Text)
		}
		ed.entry.SetText(good)
		h.waitStatus(ed, "valid")
	}

	// Delete: the recipe goes and plain is chosen.
	ed.remove()
	h.waitFor("plain after delete", waitTimeout, func() bool { return e.editor == nil && e.recipeSelect.Selected == recipe.Plain })
	if slices.Contains(e.recipeSelect.Options, "medgemma-1.5-ct-mine") {
		t.Errorf("picker still offers the deleted recipe: %v", e.recipeSelect.Options)
	}
}

// TestLineCol: a JSON syntax error's offset as line and column.
func TestLineCol(t *testing.T) {
	data := []byte("{\n  \"a\": 1\n  \"b\"}")
	for _, tc := range []struct {
		off       int64
		line, col int
	}{{1, 1, 1}, {2, 1, 2}, {3, 2, 1}, {15, 3, 4}, {0, 1, 1}, {99, 3, 7}} {
		if l, c := lineCol(data, tc.off); l != tc.line || c != tc.col {
			t.Errorf("lineCol(%d) = %d:%d, want %d:%d", tc.off, l, c, tc.line, tc.col)
		}
	}
}
