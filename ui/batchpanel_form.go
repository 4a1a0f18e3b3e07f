package ui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// concurrencyNote warns about image batches at higher concurrency.
const concurrencyNote = "Image batches on the managed runtime are safest at 1: with images and 4 requests in " +
	"flight, Ollama (0.24.0 as 0.17.4) crashes now and then and the retries make the batch slower (docs/perf.md)."

// manifestHelp says what goes in a manifest and a prompts file.
const manifestHelp = "A manifest has one item a line (JSON Lines, or CSV): id, images (none for a text-only question), " +
	"question, answer (the reference), choices, and any other field as metadata that eval --by splits scores by. " +
	"A prompts file (YAML) has a system prompt and named templates using {{question}}, {{choices}} and {{id}}. " +
	"New from example… writes a commented sample of each."

// batchForm is the Batch tab's form: what a batch runs (the manifest or
// the images, the prompts), its counts, options and result file.
type batchForm struct {
	manifest, images, prompts, out *widget.Entry
	repeat, concurrency            *widget.Entry
	maxTokens, temp, seed          *widget.Entry
	autoOut                        string // the result path last filled in for the user
}

// newForm makes the form's entries and lays them out with the models'
// check boxes (newModels made them) and the buttons that fill them.
func (b *batchPanel) newForm() *widget.Form {
	f := &b.batchForm
	entry := func(placeholder string) *widget.Entry {
		e := widget.NewEntry()
		e.SetPlaceHolder(placeholder)
		return e
	}
	f.manifest = entry("manifest.jsonl or manifest.csv")
	f.manifest.OnChanged = func(string) { f.suggestOut() }
	f.images = entry("a folder or a ZIP of DICOM, PNG or JPEG files (instead of a manifest)")
	f.images.OnChanged = func(string) { f.suggestOut() }
	f.prompts = entry("prompts.yaml or prompts.json")
	f.out = entry("results.jsonl (resumed if it exists)")
	f.repeat = entry("1")
	f.repeat.SetText("1")
	f.concurrency = entry("1")
	f.concurrency.SetText("1")
	f.maxTokens = entry("")
	f.maxTokens.SetText(strconv.Itoa(defaultMaxTokens))
	f.temp = entry("default")
	f.seed = entry("none")

	folder := widget.NewButtonWithIcon("Folder…", theme.FolderOpenIcon(), func() { b.chooseFolderInto(f.images) })
	saveAs := widget.NewButtonWithIcon("Save as…", theme.DocumentSaveIcon(), func() {
		b.env.chooseSaveFile(batchResultName, func(path string) { f.out.SetText(path) })
	})
	note := widget.NewLabel(concurrencyNote)
	note.Wrapping = fyne.TextWrapWord
	note.Importance = widget.LowImportance
	num := b.numField
	help := widget.NewLabel(manifestHelp)
	help.Wrapping = fyne.TextWrapWord
	help.Importance = widget.LowImportance
	example := widget.NewButtonWithIcon("New from example…", theme.DocumentCreateIcon(), b.exampleTapped)
	return widget.NewForm(
		widget.NewFormItem("", container.NewBorder(nil, nil, nil, example, help)),
		widget.NewFormItem("Manifest", withButtons(f.manifest, b.pickButton("Choose…", f.manifest, []string{".jsonl", ".csv"}))),
		widget.NewFormItem("or images", withButtons(f.images, folder, b.pickButton("ZIP…", f.images, []string{".zip"}))),
		widget.NewFormItem("Prompts", withButtons(f.prompts, b.pickButton("Choose…", f.prompts, []string{".yaml", ".yml", ".json"}))),
		widget.NewFormItem("Models", container.NewVBox(b.models, b.modelHint)),
		widget.NewFormItem("Repetitions", container.NewHBox(num(f.repeat),
			widget.NewLabel("Concurrency"), num(f.concurrency))),
		widget.NewFormItem("", note),
		widget.NewFormItem("Options", container.NewHBox(
			widget.NewLabel("Max tokens"), num(f.maxTokens),
			widget.NewLabel("Temperature"), num(f.temp),
			widget.NewLabel("Seed"), num(f.seed))),
		widget.NewFormItem("Result file", withButtons(f.out, saveAs)),
	)
}

// suggestOut fills the result file next to the manifest or the images
// while the user has not chosen another.
func (f *batchForm) suggestOut() {
	if cur := strings.TrimSpace(f.out.Text); cur != "" && cur != f.autoOut {
		return
	}
	f.autoOut = defaultBatchOut(strings.TrimSpace(f.manifest.Text), strings.TrimSpace(f.images.Text))
	f.out.SetText(f.autoOut)
}

// defaultBatchOut is the result file for a manifest, or for a folder or
// ZIP of images: results.jsonl beside the manifest or the ZIP, or
// FOLDER-results.jsonl beside the folder; "" when neither is given.
func defaultBatchOut(manifest, images string) string {
	switch {
	case manifest != "":
		return filepath.Join(filepath.Dir(manifest), batchResultName)
	case strings.EqualFold(filepath.Ext(images), ".zip"):
		return filepath.Join(filepath.Dir(images), batchResultName)
	case images != "":
		images = filepath.Clean(images)
		return filepath.Join(filepath.Dir(images), filepath.Base(images)+"-"+batchResultName)
	}
	return ""
}

// spec reads the form. What every batch needs is core.BatchSpec.Check's
// to say, worded here in the form's fields; the models installed and the
// result file's name are the window's own checks. The error names the
// field and what to give.
func (b *batchPanel) spec() (core.BatchSpec, error) {
	f := &b.batchForm
	s := core.BatchSpec{
		Manifest: strings.TrimSpace(f.manifest.Text),
		Images:   strings.TrimSpace(f.images.Text),
		Prompts:  strings.TrimSpace(f.prompts.Text),
		Out:      strings.TrimSpace(f.out.Text),
		Models:   slices.Clone(b.models.Selected),
		// Not a whole number: 0, which Check refuses.
		Repeat:      wholeNumber(f.repeat.Text),
		Concurrency: wholeNumber(f.concurrency.Text),
	}
	if err := s.Check(); err != nil {
		return s, f.problemText(err)
	}
	switch {
	case len(b.models.Options) == 0:
		return s, errors.New("no models installed: get one in the Models tab first")
	case len(s.Models) == 0:
		return s, errors.New("check at least one model")
	case strings.EqualFold(filepath.Ext(s.Out), ".csv"):
		return s, fmt.Errorf("result file %s: name it FILE.jsonl; its CSV copy is written beside it", s.Out)
	}
	var err error
	s.Options, err = parseOptions(f.maxTokens.Text, f.temp.Text, f.seed.Text)
	return s, err
}

// wholeNumber is text as a whole number, or 0 when it is none.
func wholeNumber(text string) int {
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil {
		return 0
	}
	return n
}

// problemText words a problem core.BatchSpec.Check found in the form's
// fields; other errors pass as they are.
func (f *batchForm) problemText(err error) error {
	var pe *core.BatchSpecError
	if !errors.As(err, &pe) {
		return err
	}
	atLeastOne := func(field, text string) error {
		return fmt.Errorf("%s %q: want a whole number of 1 or more", field, text)
	}
	switch pe.Problem {
	case core.BatchNoSource:
		return errors.New("choose a manifest (JSON Lines or CSV), or a folder or ZIP of images")
	case core.BatchBothSources:
		return errors.New("give a manifest or images, not both: clear one of the two fields")
	case core.BatchNoPrompts:
		return errors.New("choose a prompts file (YAML or JSON)")
	case core.BatchNoOut:
		return errors.New("choose a result file (JSON Lines, e.g. results.jsonl)")
	case core.BatchRepeat:
		return atLeastOne("repetitions", f.repeat.Text)
	case core.BatchConcurrency:
		return atLeastOne("concurrency", f.concurrency.Text)
	}
	return err
}

// exampleTapped asks for a folder, writes the sample manifest and
// prompts file there, and puts them in the form.
func (b *batchPanel) exampleTapped() {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil {
			b.env.showError(err)
			return
		}
		if u == nil {
			return
		}
		if u.Scheme() != "file" {
			b.env.showError(errors.New(u.String() + ": choose a folder on this computer"))
			return
		}
		b.writeExamples(u.Path())
	}, b.env.win)
	d.Resize(fyne.NewSize(900, 640))
	d.Show()
}

// writeExamples writes the samples into dir and fills the form with them.
func (b *batchPanel) writeExamples(dir string) {
	var manifest, prompts string
	b.env.background(func(ctx context.Context) (err error) {
		manifest, prompts, err = b.backend.WriteExamples(ctx, dir)
		return err
	}, func() {
		b.images.SetText("")
		b.manifest.SetText(manifest)
		b.prompts.SetText(prompts)
		dialog.ShowInformation("Examples written", "Wrote "+manifest+" and "+prompts+
			": open them in an editor, each line says what goes there. They run as they are.", b.env.win)
	})
}

// chooseFile asks for a file with one of exts and puts its path in e.
func (b *batchPanel) chooseFile(e *widget.Entry, exts []string) {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil {
			b.env.showError(err)
			return
		}
		if rc == nil {
			return // cancelled
		}
		u := rc.URI()
		_ = rc.Close()
		b.setLocal(e, u)
	}, b.env.win)
	d.SetFilter(storage.NewExtensionFileFilter(exts))
	d.Resize(fyne.NewSize(900, 640))
	d.Show()
}

// chooseFolderInto asks for a folder and puts its path in e.
func (b *batchPanel) chooseFolderInto(e *widget.Entry) {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil {
			b.env.showError(err)
			return
		}
		if u != nil {
			b.setLocal(e, u)
		}
	}, b.env.win)
	d.Resize(fyne.NewSize(900, 640))
	d.Show()
}

// setLocal puts the path of u in e, when u is on this computer.
func (b *batchPanel) setLocal(e *widget.Entry, u fyne.URI) {
	if u.Scheme() != "file" {
		b.env.showError(errors.New(u.String() + ": choose a file on this computer"))
		return
	}
	e.SetText(u.Path())
}
