package ui

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// userTemplateSuffix marks the user's own templates in a template picker.
const userTemplateSuffix = " (saved)"

// promptTemplate is one entry of the prompt library.
type promptTemplate struct {
	// Option is how the template is offered in a picker.
	Option         string
	System, Prompt string
	// Schema is the JSON Schema the answer must fit, "" for free text.
	Schema string
	// User is true for a template the user saved (it can be deleted and
	// has versions); Name is its name.
	User bool
	Name string
}

// promptLibrary holds the built-in prompt templates and the user's own,
// and keeps the columns' template pickers up to date. It is used only on
// the UI goroutine.
type promptLibrary struct {
	env     *tabEnv
	backend TemplateBackend
	all     []promptTemplate
	byOpt   map[string]promptTemplate
	// pickers are refreshed whenever the templates change.
	pickers map[*attachedSelect]bool
}

func newPromptLibrary(env *tabEnv, b TemplateBackend) *promptLibrary {
	l := &promptLibrary{env: env, backend: b, pickers: map[*attachedSelect]bool{}}
	l.set(nil)
	return l
}

// builtinTemplates are the templates shipped in assets/prompts.json.
func builtinTemplates() []promptTemplate {
	var out []promptTemplate
	for _, t := range assets.Templates() {
		out = append(out, promptTemplate{Option: t.Label, System: t.System, Prompt: t.Prompt, Name: t.Name})
	}
	return out
}

// set replaces the user's templates and refreshes the pickers.
func (l *promptLibrary) set(user []core.PromptTemplate) {
	l.all = builtinTemplates()
	for _, t := range user {
		l.all = append(l.all, promptTemplate{Option: t.Name + userTemplateSuffix, System: t.System, Prompt: t.Prompt, Schema: t.Schema, User: true, Name: t.Name})
	}
	l.byOpt = make(map[string]promptTemplate, len(l.all))
	for _, t := range l.all {
		l.byOpt[t.Option] = t
	}
	for p := range l.pickers {
		l.refreshPicker(p)
	}
}

// options are the pickers' choices: the built-in templates, then the user's.
func (l *promptLibrary) options() []string {
	opts := make([]string, len(l.all))
	for i, t := range l.all {
		opts[i] = t.Option
	}
	return opts
}

// lookup finds the template offered as option.
func (l *promptLibrary) lookup(option string) (promptTemplate, bool) {
	t, ok := l.byOpt[option]
	return t, ok
}

// newPicker returns a template picker that calls chosen with the template
// the user picks; it opens while attached reports true.
func (l *promptLibrary) newPicker(chosen func(promptTemplate), attached func() bool) *attachedSelect {
	s := newAttachedSelect(l.options(), nil, attached)
	s.PlaceHolder = "Template…"
	s.OnChanged = func(opt string) {
		if t, ok := l.lookup(opt); ok {
			chosen(t)
		}
	}
	l.pickers[s] = true
	return s
}

// dropPicker stops refreshing p (its column was closed).
func (l *promptLibrary) dropPicker(p *attachedSelect) {
	delete(l.pickers, p)
}

// refreshPicker offers the current templates in p, keeping its choice if
// that template still exists.
func (l *promptLibrary) refreshPicker(p *attachedSelect) {
	sel := p.Selected
	onChanged := p.OnChanged
	p.OnChanged = nil // re-offering is not choosing
	p.SetOptions(l.options())
	if _, ok := l.byOpt[sel]; !ok && sel != "" {
		p.ClearSelected()
	}
	p.OnChanged = onChanged
}

// load reads the user's templates in the background.
func (l *promptLibrary) load() {
	var ts []core.PromptTemplate
	l.env.background(func(ctx context.Context) (err error) {
		ts, err = l.backend.Templates(ctx)
		return err
	}, func() { l.set(ts) })
}

// save stores t (system prompt, prompt, schema, recipe) as the user's
// template t.Name, a new version of it if it exists, in the background,
// then reloads the library and calls done with the option it is offered
// as.
func (l *promptLibrary) save(t core.PromptTemplate, done func(option string)) {
	name := t.Name
	name = strings.TrimSpace(name)
	if name == "" {
		l.env.showError(errors.New("save template: give the template a name"))
		return
	}
	l.change(func(ctx context.Context) error {
		t.Name = name
		return l.backend.SaveTemplate(ctx, t)
	}, func() {
		if done != nil {
			done(name + userTemplateSuffix)
		}
	})
}

// remove deletes the user's template name in the background and reloads
// the library.
func (l *promptLibrary) remove(name string) {
	l.change(func(ctx context.Context) error { return l.backend.DeleteTemplate(ctx, name) }, nil)
}

// change runs op (saving or deleting a user template) in the background,
// reloads the user's templates, and then calls done (if set) on the UI
// goroutine; an error is shown instead.
func (l *promptLibrary) change(op func(ctx context.Context) error, done func()) {
	var ts []core.PromptTemplate
	l.env.background(func(ctx context.Context) error {
		if err := op(ctx); err != nil {
			return err
		}
		var err error
		ts, err = l.backend.Templates(ctx)
		return err
	}, func() {
		l.set(ts)
		if done != nil {
			done()
		}
	})
}

// Column actions on templates.

// templateChosen fills the column's prompt, and its system prompt unless
// the template's is the shared one.
func (c *column) templateChosen(t promptTemplate) {
	shared := c.cv.systemEntry.Text
	if t.System == shared {
		c.systemOverride.SetChecked(false)
	} else {
		c.systemEntry.SetText(t.System)
		c.systemOverride.SetChecked(true)
	}
	c.promptEntry.SetText(t.Prompt)
	c.useSchemaText(t.Schema)
	c.updateTemplateButtons()
}

// updateTemplateButtons offers Delete and Versions only for the user's
// own templates.
func (c *column) updateTemplateButtons() {
	if t, ok := c.cv.prompts.lookup(c.templateSelect.Selected); ok && t.User {
		c.deleteTemplate.Enable()
		c.versionsButton.Enable()
	} else {
		c.deleteTemplate.Disable()
		c.versionsButton.Disable()
	}
}

// saveTemplateTapped asks for a name and saves the column's system prompt
// and prompt as the user's template.
func (c *column) saveTemplateTapped() {
	name := widget.NewEntry()
	name.SetPlaceHolder("name")
	if t, ok := c.cv.prompts.lookup(c.templateSelect.Selected); ok && t.User {
		name.SetText(t.Name)
	}
	d := dialog.NewForm("Save as template", "Save", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Name", name)},
		func(ok bool) {
			if !ok {
				return
			}
			t := core.PromptTemplate{Name: name.Text, System: c.system(), Prompt: c.promptEntry.Text,
				Recipe: c.cv.source.recipeRef().Key()}
			t.Schema = indentedSchema(c.schema)
			c.cv.prompts.save(t, func(option string) {
				c.templateSelect.SetSelected(option)
			})
		}, c.cv.env.win)
	d.Resize(fyne.NewSize(420, 180))
	d.Show()
}

// deleteTemplateTapped deletes the user's template chosen in the column,
// after asking.
func (c *column) deleteTemplateTapped() {
	t, ok := c.cv.prompts.lookup(c.templateSelect.Selected)
	if !ok || !t.User {
		return
	}
	dialog.ShowConfirm("Delete template", "Delete the template “"+t.Name+"”?", func(yes bool) {
		if yes {
			c.templateSelect.ClearSelected()
			c.cv.prompts.remove(t.Name)
			c.updateTemplateButtons()
		}
	}, c.cv.env.win)
}
