package ui

// The Models tab's installed models: a row each with its facts and a
// Delete button, or the first-run card when there are none.

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/units"
)

// installedList is the installed models: their facts as last listed, a
// row each by name, and the hint or first-run card when there are none.
// It is used only on the UI goroutine.
type installedList struct {
	facts      []core.Facts
	rows       map[string]*modelRow
	list       *fyne.Container
	listHint   *widget.Label
	firstRun   fyne.CanvasObject
	listScroll *container.Scroll
}

// modelRow is one installed model's row.
type modelRow struct {
	name   *widget.Label
	badge  *widget.Label
	detail *widget.Label
	del    *widget.Button
}

// newInstalledList makes the list, not yet listed, and returns it
// scrolling.
func (p *ModelsPanel) newInstalledList() fyne.CanvasObject {
	p.rows = map[string]*modelRow{}
	p.listHint = widget.NewLabel("Listing models…")
	p.listHint.Wrapping = fyne.TextWrapWord
	p.list = container.NewVBox()
	p.firstRun = newFirstRunCard(p.pullMedGemma, func() { p.showImport(importFromFolder) }, p.InstallDemo)
	p.firstRun.Hide()
	installed := container.NewVBox(
		widget.NewLabelWithStyle("Installed models", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		p.listHint, p.firstRun, p.list,
	)
	p.listScroll = container.NewVScroll(installed)
	return p.listScroll
}

// setFacts shows the installed models, or the first-run card when there
// are none.
func (p *ModelsPanel) setFacts(facts []core.Facts, err error) {
	if err != nil {
		setShown(p.listHint, "Models unavailable: "+errorMessage(err))
		return
	}
	p.facts = facts
	if p.onListed != nil {
		defer p.onListed(facts)
	}
	p.rows = map[string]*modelRow{}
	p.list.RemoveAll()
	if len(facts) == 0 {
		setShown(p.listHint, "")
		p.firstRun.Show()
		p.relayout()
		return
	}
	p.firstRun.Hide()
	setShown(p.listHint, "")
	for _, f := range facts {
		r := p.newRow(f)
		p.rows[f.Name] = r
		p.list.Add(container.NewBorder(nil, nil, nil, r.del,
			container.NewVBox(container.NewHBox(r.name, r.badge), r.detail)))
	}
	p.relayout()
}

// relayout lays the list out again after its rows changed: a container
// does not resize its parent by itself.
func (p *ModelsPanel) relayout() {
	p.list.Refresh()
	p.listScroll.Content.Refresh()
	p.listScroll.Refresh()
}

// newRow makes model f's row: its name, its capability badge, its facts
// and Delete.
func (p *ModelsPanel) newRow(f core.Facts) *modelRow {
	r := &modelRow{
		name:   widget.NewLabelWithStyle(f.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		badge:  widget.NewLabel(capabilityBadge(f)),
		detail: widget.NewLabel(factsDetail(f)),
	}
	r.detail.Wrapping = fyne.TextWrapWord
	if f.Can("vision") {
		r.badge.Importance = widget.SuccessImportance
	} else {
		r.badge.Importance = widget.WarningImportance
	}
	if f.Demo {
		r.badge.SetText(capabilityBadge(f) + statsSep + core.DemoModelLabel)
		r.badge.Importance = widget.WarningImportance
	}
	name := f.Name
	r.del = widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), func() { p.confirmDelete(name) })
	return r
}

// Models returns the names of the models listed, for tests and callers.
func (p *ModelsPanel) Models() []string {
	names := make([]string, 0, len(p.facts))
	for _, f := range p.facts {
		names = append(names, f.Name)
	}
	return names
}

// confirmDelete asks whether to delete model name, saying what that
// frees, and deletes it when the user agrees.
func (p *ModelsPanel) confirmDelete(name string) dialog.Dialog {
	msg := fmt.Sprintf("Delete %s from the runtime?", name)
	for _, f := range p.facts {
		if f.Name == name && f.Size > 0 {
			msg += fmt.Sprintf("\nThis frees %s on disk. To use it again, pull or import it again.", units.Bytes(f.Size))
		}
	}
	d := dialog.NewConfirm("Delete model", msg, func(ok bool) {
		if ok {
			p.delete(name)
		}
	}, p.win)
	d.SetConfirmText("Delete")
	d.SetDismissText("Cancel")
	d.SetConfirmImportance(widget.DangerImportance)
	d.Show()
	return d
}

// delete removes model name from the runtime in the background, its
// Delete disabled meanwhile, and lists the models again.
func (p *ModelsPanel) delete(name string) {
	if r, ok := p.rows[name]; ok {
		r.del.Disable()
	}
	ctx, cancel := p.opContext()
	go func() {
		defer cancel()
		err := p.backend.RemoveModel(ctx, name)
		p.do(func() {
			if err != nil {
				if r, ok := p.rows[name]; ok {
					r.del.Enable()
				}
				showError(p.win, fmt.Errorf("delete model %s: %w", name, err))
				return
			}
			p.changed()
		})
	}()
}
