package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
)

// recipeCheckEvery is the shortest time between two checks of the recipe
// editor's text while the user types.
const recipeCheckEvery = 150 * time.Millisecond

// recipeEditorSize is the recipe editor dialog's size.
var recipeEditorSize = fyne.NewSize(760, 640)

// mineSuffix is added to a built-in's name for the user's copy of it.
const mineSuffix = "-mine"

// recipeEditor is the dialog in which the user writes one of their own
// recipes as JSON: a copy of a built-in, or one of theirs to change or
// delete. Its status line checks the text as it is typed; Save stores it
// through the backend and the model's eye then offers and chooses it.
// Its fields are used only on the UI goroutine.
type recipeEditor struct {
	e    *modelsEye
	orig *recipe.Recipe // the recipe opened: a built-in, or the user's
	d    *dialog.CustomDialog

	entry        *widget.Entry // the recipe's JSON
	status       *widget.Label // valid with its hash, or the first error
	saveButton   *widget.Button
	cancelButton *widget.Button
	deleteButton *widget.Button // nil for a built-in

	checkDue bool // a check of the text is scheduled
	busy     bool // saving or deleting
	valid    bool // the text as last checked is a recipe that may be saved
}

// recipeDraft is the JSON the editor starts from for r: the user's own
// recipe as it is, a built-in as a copy with its name suffixed "-mine"
// and version 1.
func recipeDraft(r *recipe.Recipe) string {
	c := *r
	if r.File == "" {
		c.Name, c.Version = r.Name+mineSuffix, "1"
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(c) // plain data: cannot fail
	return b.String()
}

// checkRecipe reads text as the recipe that the editor opened on orig
// would save, given the recipes offered (by name). It returns the recipe
// and a note to show with it, or the first thing wrong with the text,
// naming the field (or the line, for broken JSON).
func checkRecipe(text string, orig *recipe.Recipe, offered map[string]*recipe.Recipe) (*recipe.Recipe, string, error) {
	data := []byte(text)
	r, err := recipe.Parse("text", data)
	if err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			line, col := lineCol(data, syn.Offset)
			return nil, "", fmt.Errorf("line %d, column %d: %s", line, col, syn.Error())
		}
		if u := errors.Unwrap(err); u != nil {
			err = u // without Parse's "text: "
		}
		return nil, "", err
	}
	if !json.Valid(data) {
		return nil, "", errors.New("text follows the recipe's closing brace; remove it")
	}
	note := ""
	if other := offered[r.Name]; other != nil {
		switch {
		case other.File == "":
			return nil, "", fmt.Errorf("name %q: a built-in recipe has it; give yours another name", r.Name)
		case orig.File == "" || orig.Name != r.Name:
			note = " · saving replaces your recipe " + r.Name
		}
	}
	return r, note, nil
}

// lineCol is the line and column (from 1) of byte offset off in data; a
// json.SyntaxError's offset is just past the byte that broke the JSON.
func lineCol(data []byte, off int64) (line, col int) {
	off = min(max(off-1, 0), int64(len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// editRecipe opens the recipe editor on the recipe chosen.
func (e *modelsEye) editRecipe() {
	r := e.recipes[e.recipeSelect.Selected]
	if r == nil {
		return // the recipes are not listed yet
	}
	ed := &recipeEditor{e: e, orig: r}
	ed.entry = widget.NewMultiLineEntry()
	ed.entry.TextStyle = fyne.TextStyle{Monospace: true}
	ed.entry.Wrapping = fyne.TextWrapOff
	ed.entry.SetText(recipeDraft(r))
	ed.entry.OnChanged = func(string) { ed.changed() }
	ed.status = widget.NewLabel("")
	ed.status.Wrapping = fyne.TextWrapWord
	ed.status.Selectable = true
	ed.saveButton = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), ed.save)
	ed.saveButton.Importance = widget.HighImportance
	ed.cancelButton = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), ed.close)
	buttons := []fyne.CanvasObject{ed.cancelButton, ed.saveButton}
	title := "Your copy of recipe " + r.Name
	if r.File != "" {
		title = "Recipe " + r.Name
		ed.deleteButton = widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), ed.confirmDelete)
		ed.deleteButton.Importance = widget.DangerImportance
		buttons = append([]fyne.CanvasObject{ed.deleteButton}, buttons...)
	}
	hint := widget.NewLabel("Saved as NAME.json in the recipes folder of your data folder; the fields are those of `recipes show NAME --json`.")
	hint.Wrapping = fyne.TextWrapWord
	content := container.NewBorder(hint, ed.status, nil, nil, ed.entry)
	ed.d = dialog.NewCustomWithoutButtons(title, content, e.p.env.win)
	ed.d.SetButtons(buttons)
	ed.d.SetOnClosed(func() {
		if e.editor == ed {
			e.editor = nil
		}
	})
	ed.check()
	e.editor = ed
	ed.d.Resize(recipeEditorSize)
	ed.d.Show()
	e.p.env.win.Canvas().Focus(ed.entry)
}

// changed schedules a check of the text, at most one every
// recipeCheckEvery while the user types; the check reads the text as it
// is then.
func (ed *recipeEditor) changed() {
	ed.valid = false // until checked
	ed.refreshButtons()
	if ed.checkDue {
		return
	}
	ed.checkDue = true
	time.AfterFunc(recipeCheckEvery, func() {
		ed.e.p.env.do(func() {
			ed.checkDue = false
			ed.check()
		})
	})
}

// check validates the text and shows the result on the status line. It
// returns the recipe the text holds, or nil.
func (ed *recipeEditor) check() *recipe.Recipe {
	r, note, err := checkRecipe(ed.entry.Text, ed.orig, ed.e.recipes)
	if err != nil {
		ed.valid = false
		ed.status.Importance = widget.DangerImportance
		ed.status.SetText(errorMessage(err))
	} else {
		ed.valid = true
		ed.status.Importance = widget.SuccessImportance
		ed.status.SetText("valid · hash " + r.Hash() + note)
	}
	ed.refreshButtons()
	return r
}

// refreshButtons enables Save for a valid text and nothing while the
// backend is busy.
func (ed *recipeEditor) refreshButtons() {
	setEnabled(ed.saveButton, ed.valid && !ed.busy)
	setEnabled(ed.cancelButton, !ed.busy)
	if ed.deleteButton != nil {
		setEnabled(ed.deleteButton, !ed.busy)
	}
}

// setEnabled enables or disables w.
func setEnabled(w fyne.Disableable, on bool) {
	if on {
		w.Enable()
	} else {
		w.Disable()
	}
}

// close closes the editor without saving.
func (ed *recipeEditor) close() { ed.d.Hide() }

// save checks the text once more and, when it is a recipe that may be
// saved, stores it; the editor then closes and the model's eye offers
// and chooses the recipe. A text that is not is refused, with its error
// on the status line; a backend error is shown in the error dialog and
// the editor stays open.
func (ed *recipeEditor) save() {
	if ed.busy || ed.check() == nil {
		return
	}
	data := []byte(ed.entry.Text)
	ed.run(func(ctx context.Context) (string, error) {
		r, err := ed.e.p.backend.SaveRecipe(ctx, data)
		if err != nil {
			return "", err
		}
		return r.Name, nil
	})
}

// confirmDelete asks before deleting the user's recipe.
func (ed *recipeEditor) confirmDelete() {
	msg := fmt.Sprintf("Delete your recipe %s? Its file %s is removed.", ed.orig.Name, ed.orig.File)
	dialog.ShowConfirm("Delete recipe", msg, func(ok bool) {
		if ok {
			ed.remove()
		}
	}, ed.e.p.env.win)
}

// remove deletes the user's recipe; the editor closes and the model's
// eye lists the recipes again (plain is chosen instead).
func (ed *recipeEditor) remove() {
	if ed.busy {
		return
	}
	name := ed.orig.Name
	ed.run(func(ctx context.Context) (string, error) {
		return "", ed.e.p.backend.DeleteRecipe(ctx, name)
	})
}

// run runs op off the UI goroutine with the buttons disabled; on success
// the editor closes and the recipes are listed again, choosing the one op
// names (if any); an error goes to the error dialog.
func (ed *recipeEditor) run(op func(ctx context.Context) (string, error)) {
	env := ed.e.p.env
	ed.busy = true
	ed.refreshButtons()
	ctx, cancel := env.opContext()
	go func() {
		defer cancel()
		name, err := op(ctx)
		env.do(func() {
			ed.busy = false
			ed.refreshButtons()
			if err != nil {
				env.showError(err)
				return
			}
			ed.close()
			ed.e.loadRecipes(name)
		})
	}()
}
