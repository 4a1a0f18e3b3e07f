package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// Import sources, as the import dialog offers them.
const (
	importFromFolder = "Hugging Face folder (config.json + *.safetensors, e.g. google/medgemma-4b-it)"
	importFromGGUF   = "GGUF file (.gguf)"
	noQuantize       = "none (keep the weights)"
)

// importDialog is an open import dialog.
type importDialog struct {
	d        *dialog.FormDialog
	name     *widget.Entry
	source   *widget.RadioGroup
	path     *widget.Entry
	browse   *widget.Button
	quantize *widget.Select
}

// spec is what the dialog's fields say.
func (d *importDialog) spec() core.ImportSpec {
	s := core.ImportSpec{Name: strings.TrimSpace(d.name.Text)}
	path := strings.TrimSpace(d.path.Text)
	if d.source.Selected == importFromGGUF {
		s.GGUF = path
	} else {
		s.Safetensors = path
	}
	if q := d.quantize.Selected; q != noQuantize {
		s.Quantize = q
	}
	return s
}

// showImport opens the import dialog with source chosen; Import runs it.
func (p *ModelsPanel) showImport(source string) *importDialog {
	d := &importDialog{name: widget.NewEntry(), path: widget.NewEntry()}
	d.name.SetPlaceHolder("medgemma-local")
	d.path.SetPlaceHolder("choose with Browse…, or type a path")
	d.source = widget.NewRadioGroup([]string{importFromFolder, importFromGGUF}, nil)
	d.source.Required = true
	d.source.SetSelected(source)
	d.quantize = widget.NewSelect(append([]string{noQuantize}, core.Quantizations...), nil)
	d.quantize.SetSelected(noQuantize)
	d.browse = widget.NewButton("Browse…", func() { p.browseImport(d) })
	items := []*widget.FormItem{
		{Text: "Model name", Widget: d.name},
		{Text: "From", Widget: d.source},
		{Text: "Path", Widget: container.NewBorder(nil, nil, nil, d.browse, d.path)},
		{Text: "Quantize", Widget: d.quantize, HintText: "q8_0 or q4_K_M shrink the text weights; the vision tower is kept"},
	}
	d.d = dialog.NewForm("Import a model from files", "Import", "Cancel", items, func(ok bool) {
		if ok {
			p.Import(d.spec())
		}
	}, p.win)
	d.d.Resize(fyne.NewSize(720, 380))
	d.d.Show()
	return d
}

// browseImport lets the user pick the folder or the GGUF file.
func (p *ModelsPanel) browseImport(d *importDialog) {
	if d.source.Selected == importFromGGUF {
		fd := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
			if err != nil {
				showError(p.win, err)
				return
			}
			if rc == nil {
				return
			}
			d.path.SetText(rc.URI().Path())
			_ = rc.Close()
		}, p.win)
		fd.SetFilter(storage.NewExtensionFileFilter([]string{".gguf"}))
		fd.Resize(fyne.NewSize(900, 640))
		fd.Show()
		return
	}
	fd := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil {
			showError(p.win, err)
			return
		}
		if u != nil {
			d.path.SetText(u.Path())
		}
	}, p.win)
	fd.Resize(fyne.NewSize(900, 640))
	fd.Show()
}
