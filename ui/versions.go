package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/answerschema"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// A column's answer schema and its template's versions.

// freeTextLabel is the schema button's text when the answer is free text.
const freeTextLabel = "Answer: free text"

// setSchema makes s the JSON Schema the column's answers must fit (nil:
// free text) and says so on the schema button.
func (c *column) setSchema(s *answerschema.Schema) {
	c.schema = s
	if s == nil {
		c.schemaButton.SetText(freeTextLabel)
		return
	}
	c.schemaButton.SetText("Answer: JSON schema " + s.Hash)
}

// useSchemaText makes text (a template's schema, "" for free text) the
// column's schema; a schema that no longer compiles is shown as an error
// and the answer is free text.
func (c *column) useSchemaText(text string) {
	if strings.TrimSpace(text) == "" {
		c.setSchema(nil)
		return
	}
	s, err := answerschema.Compile("template", []byte(text))
	if err != nil {
		c.setSchema(nil)
		c.cv.env.showError(fmt.Errorf("column %s: %w; the answer is free text", c.title.Text, err))
		return
	}
	c.setSchema(s)
}

// indentedSchema is s laid out for reading and word diffs, "" for none.
func indentedSchema(s *answerschema.Schema) string {
	if s == nil {
		return ""
	}
	var b bytes.Buffer
	if json.Indent(&b, s.Raw, "", "  ") != nil {
		return string(s.Raw)
	}
	return b.String()
}

// schemaTapped asks for the JSON Schema the column's answers must fit:
// the runtime then constrains each answer to it and the run log records
// whether it fits. An empty schema is free text.
func (c *column) schemaTapped() {
	entry := widget.NewMultiLineEntry()
	entry.SetPlaceHolder(`{"type": "object", "properties": {"answer": {"enum": ["yes", "no"]}}, "required": ["answer"]}`)
	entry.SetText(indentedSchema(c.schema))
	entry.Wrapping = fyne.TextWrapWord
	entry.SetMinRowsVisible(12)
	help := widget.NewLabel("A JSON Schema (self-contained) the answer must fit: Ollama constrains the answer to it, " +
		"and each run records whether it fits and its fields. Leave it empty for a free-text answer.")
	help.Wrapping = fyne.TextWrapWord
	d := dialog.NewForm("Answer schema, column "+c.title.Text, "Use", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("", help), widget.NewFormItem("Schema", entry)},
		func(ok bool) {
			if ok {
				c.useSchemaText(entry.Text)
			}
		}, c.cv.env.win)
	entry.Validator = func(text string) error {
		if strings.TrimSpace(text) == "" {
			return nil
		}
		_, err := answerschema.Compile("column "+c.title.Text, []byte(text))
		return err
	}
	d.Resize(fyne.NewSize(640, 480))
	d.Show()
}

// versionsView is the dialog that lists a template's versions and shows a
// word diff between two of them.
type versionsView struct {
	versions []core.PromptTemplate // oldest first
	from, to *widget.Select
	list     *widget.List
	text     *widget.RichText
	info     *widget.Label
	dialog   *dialog.CustomDialog
}

// versionLabel names version i of n in the pickers: "v3 · 3f2a9c01b4d2 ·
// 2026-12-01 15:04".
func versionLabel(t core.PromptTemplate, i int) string {
	return fmt.Sprintf("v%d%s%s%s%s", i+1, statsSep, t.Version, statsSep, t.UpdatedAt.Local().Format("2006-01-02 15:04"))
}

// versionsTapped lists the versions of the user's template chosen in the
// column, newest last, with a word diff of any two; "Use" loads the
// version shown on the right into the column.
func (c *column) versionsTapped() {
	t, ok := c.cv.prompts.lookup(c.templateSelect.Selected)
	if !ok || !t.User {
		return
	}
	var vs []core.PromptTemplate
	c.cv.env.background(func(ctx context.Context) (err error) {
		vs, err = c.cv.prompts.backend.TemplateVersions(ctx, t.Name)
		return err
	}, func() {
		if len(vs) == 0 {
			c.cv.env.showError(fmt.Errorf("template %q has no saved versions", t.Name))
			return
		}
		c.showVersions(t.Name, vs)
	})
}

// showVersions opens the versions dialog of the template name.
func (c *column) showVersions(name string, vs []core.PromptTemplate) {
	v := &versionsView{versions: vs}
	labels := make([]string, len(vs))
	for i, t := range vs {
		labels[i] = versionLabel(t, i)
	}
	v.text = widget.NewRichText()
	v.text.Wrapping = fyne.TextWrapWord
	v.info = widget.NewLabel("")
	v.info.Wrapping = fyne.TextWrapWord
	v.from = widget.NewSelect(labels, func(string) { v.update() })
	v.to = widget.NewSelect(labels, func(string) { v.update() })
	v.list = widget.NewList(func() int { return len(vs) },
		func() fyne.CanvasObject { return widget.NewLabel("v00 · 000000000000 · 2006-01-02 15:04 · words") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(labels[len(vs)-1-i] + statsSep + firstWords(vs[len(vs)-1-i].Prompt, 8))
		})
	v.list.OnSelected = func(i widget.ListItemID) { v.to.SetSelectedIndex(len(vs) - 1 - i) }
	v.to.SetSelectedIndex(len(vs) - 1)
	v.from.SetSelectedIndex(max(len(vs)-2, 0))

	use := widget.NewButtonWithIcon("Use the version on the right", theme.ConfirmIcon(), nil)
	legend := widget.NewLabelWithStyle("Red italic: only in the left version · green bold: only in the right one",
		fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	pickers := container.NewGridWithColumns(2, v.from, v.to)
	diff := container.NewBorder(container.NewVBox(pickers, v.info, legend), use, nil, nil, container.NewVScroll(v.text))
	split := container.NewHSplit(v.list, diff)
	split.Offset = 0.34
	d := dialog.NewCustom(fmt.Sprintf("Versions of “%s”: %d", name, len(vs)), "Close", split, c.cv.env.win)
	use.OnTapped = func() {
		if i := v.to.SelectedIndex(); i >= 0 {
			t := vs[i]
			c.systemEntry.SetText(t.System)
			c.systemOverride.SetChecked(t.System != c.cv.systemEntry.Text)
			c.promptEntry.SetText(t.Prompt)
			c.useSchemaText(t.Schema)
			d.Hide()
		}
	}
	d.Resize(fyne.NewSize(980, 600))
	v.dialog = d
	c.cv.versions = v
	d.Show()
}

// update shows the word diff from the left version to the right one,
// part by part: system prompt, prompt, schema and recipe.
func (v *versionsView) update() {
	a, b := v.from.SelectedIndex(), v.to.SelectedIndex()
	if a < 0 || b < 0 {
		return
	}
	x, y := v.versions[a], v.versions[b]
	parts := []struct{ name, a, b string }{
		{"System prompt", x.System, y.System},
		{"Prompt", x.Prompt, y.Prompt},
		{"Answer schema", x.Schema, y.Schema},
		{"Recipe", x.Recipe, y.Recipe},
	}
	var segs []widget.RichTextSegment
	var changed []string
	for _, p := range parts {
		segs = append(segs, &widget.TextSegment{Style: widget.RichTextStyleSubHeading, Text: p.name})
		switch {
		case p.a == p.b && strings.TrimSpace(p.a) == "":
			segs = append(segs, &widget.TextSegment{Style: widget.RichTextStyleParagraph, Text: "(none)"})
		case p.a == p.b:
			segs = append(segs, &widget.TextSegment{Style: widget.RichTextStyleParagraph, Text: "unchanged: " + firstWords(p.a, 24)})
		default:
			ops := wordDiff(p.a, p.b)
			changed = append(changed, strings.ToLower(p.name)+" ("+diffSummary(ops)+")")
			segs = append(segs, diffSegments(ops)...)
			segs = append(segs, &widget.TextSegment{Style: widget.RichTextStyleParagraph, Text: ""})
		}
	}
	v.text.Segments = segs
	v.text.Refresh()
	switch {
	case a == b:
		v.info.SetText(fmt.Sprintf("v%d (%s) with itself: choose another version on the left", a+1, x.Version))
	case len(changed) == 0:
		v.info.SetText(fmt.Sprintf("v%d → v%d: the same texts", a+1, b+1))
	default:
		v.info.SetText(fmt.Sprintf("v%d (%s) → v%d (%s): changed %s", a+1, x.Version, b+1, y.Version, strings.Join(changed, ", ")))
	}
}

// firstWords is the first n words of s, with "…" when there are more.
func firstWords(s string, n int) string {
	w := strings.Fields(s)
	if len(w) <= n {
		return strings.Join(w, " ")
	}
	return strings.Join(w[:n], " ") + " …"
}
