package ui

// The Models tab's ways to get a model: pull one by name, import one from
// files (models_import.go), or install the offline demo model; each runs
// as the tab's one operation (models_op.go).

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// getModel is the "Get a model" row: the name to pull and the buttons
// that start an operation, disabled while one runs.
type getModel struct {
	pullEntry  *widget.SelectEntry
	pullButton *widget.Button
	importBtn  *widget.Button
	demoButton *widget.Button
}

// newGetModel makes the row's widgets and returns the row under its
// title.
func (p *ModelsPanel) newGetModel() fyne.CanvasObject {
	p.pullEntry = widget.NewSelectEntry(pullSuggestions)
	p.pullEntry.SetPlaceHolder("model name, e.g. medgemma:4b")
	p.pullEntry.OnSubmitted = func(string) { p.pullTapped() }
	p.pullButton = widget.NewButtonWithIcon("Pull", theme.DownloadIcon(), p.pullTapped)
	p.importBtn = widget.NewButtonWithIcon("Import from files…", theme.FolderOpenIcon(), func() { p.showImport(importFromFolder) })
	p.demoButton = widget.NewButtonWithIcon(demoButtonText, theme.ComputerIcon(), p.InstallDemo)
	return container.NewVBox(
		widget.NewLabelWithStyle("Get a model", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewBorder(nil, nil, nil, p.pullButton, p.pullEntry),
		container.NewHBox(p.importBtn, p.demoButton),
	)
}

// pullTapped pulls the model named in the pull box.
func (p *ModelsPanel) pullTapped() {
	name := strings.TrimSpace(p.pullEntry.Text)
	if name == "" {
		showError(p.win, errors.New("pull: type the name of a model to download, e.g. medgemma:4b"))
		return
	}
	p.Pull(name)
}

// pullMedGemma pulls MedGemma (the first-run card's online choice).
func (p *ModelsPanel) pullMedGemma() {
	p.pullEntry.SetText(pullSuggestions[0])
	p.Pull(pullSuggestions[0])
}

// Pull downloads the named model with progress. Call it on the UI
// goroutine.
func (p *ModelsPanel) Pull(name string) {
	p.runOp(name, "Pulling "+name, "Pulled "+name, "Pull of "+name+" cancelled; the bytes fetched so far are kept and the next pull resumes from them",
		func(ctx context.Context, progress func(core.Progress)) error {
			return p.backend.Pull(ctx, name, pullProgressEvery, progress)
		})
}

// Import creates a model from files with progress. Call it on the UI
// goroutine.
func (p *ModelsPanel) Import(spec core.ImportSpec) {
	if err := spec.Validate(); err != nil {
		showError(p.win, err)
		return
	}
	p.runOp(spec.Name, "Importing "+spec.Name, "Imported "+spec.Name, "Import of "+spec.Name+" cancelled",
		func(ctx context.Context, progress func(core.Progress)) error {
			return p.backend.Import(ctx, spec, progress)
		})
}

// InstallDemo installs the offline demo model. Call it on the UI
// goroutine.
func (p *ModelsPanel) InstallDemo() {
	p.runOp(core.DemoModelName, "Installing the demo model ("+core.DemoModelLabel+")", "Installed "+core.DemoModelName+" ("+core.DemoModelLabel+")",
		"Demo model install cancelled",
		func(ctx context.Context, _ func(core.Progress)) error {
			return p.backend.InstallDemo(ctx)
		})
}

// setBusy marks an operation running, or none, and disables the buttons
// that would start another while one runs.
func (p *ModelsPanel) setBusy(busy bool) {
	p.busy = busy
	for _, b := range []*widget.Button{p.pullButton, p.importBtn, p.demoButton} {
		if busy {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}
