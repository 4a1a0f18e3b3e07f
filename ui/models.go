package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/units"
)

// Timings of the Models tab.
const (
	// pullProgressEvery is the least time between two progress updates a
	// pull or an import sends towards the UI; the UI coalesces them further
	// so that it never queues stale ones.
	pullProgressEvery = 50 * time.Millisecond
	// factsTimeout bounds one listing of the models, the runtime's start
	// included.
	factsTimeout = 2 * time.Minute
	// runtimeTimeout bounds one look at the loaded models.
	runtimeTimeout = 5 * time.Second
	// runtimePollEvery is how often the runtime section is brought up to
	// date while the window is open.
	runtimePollEvery = 2 * time.Second
)

// Names offered in the pull box; any other name may be typed.
var pullSuggestions = []string{"medgemma:4b", "medgemma1.5", "medgemma"}

// demoButtonText is the demo model's button, wherever it is offered.
const demoButtonText = "Install demo model (" + core.DemoModelLabel + ")"

// ModelsPanel is the Models tab: the runtime's state and loaded models,
// the installed models with their facts, and pulling, importing and
// deleting models with progress and Cancel.
type ModelsPanel struct {
	win     fyne.Window
	backend ModelsBackend
	do      func(func())

	// OnChanged, when set, is called on the UI goroutine after a model
	// was added or removed.
	OnChanged func()
	// onListed, when set, is called on the UI goroutine with each
	// successful listing (the shell's first-run check).
	onListed func([]core.Facts)

	quit      chan struct{}
	closeOnce sync.Once
	// hidden stops the polling's requests while another tab is shown.
	hidden atomic.Bool

	content fyne.CanvasObject

	// Used only on the UI goroutine.
	facts    []core.Facts
	busy     bool // a pull, an import or the demo install runs
	cancelOp context.CancelFunc
	opBest   float64 // the highest fraction the bar showed in this operation
	rows     map[string]*modelRow

	runtimeInfo *widget.Label
	computeInfo *widget.Label
	loadedInfo  *widget.Label
	refresh     *widget.Button
	pullEntry   *widget.SelectEntry
	pullButton  *widget.Button
	importBtn   *widget.Button
	demoButton  *widget.Button
	opTitle     *widget.Label
	opBar       *widget.ProgressBar
	opDetail    *widget.Label
	opCancel    *widget.Button
	opBox       *fyne.Container
	list        *fyne.Container
	listHint    *widget.Label
	firstRun    fyne.CanvasObject
	listScroll  *container.Scroll
}

// modelRow is one installed model's row.
type modelRow struct {
	name   *widget.Label
	badge  *widget.Label
	detail *widget.Label
	del    *widget.Button
}

func newModelsPanel(win fyne.Window, b ModelsBackend, do func(func())) *ModelsPanel {
	p := &ModelsPanel{win: win, backend: b, do: do, quit: make(chan struct{}), rows: map[string]*modelRow{}}
	p.content = p.build()
	return p
}

// Content is the tab's content.
func (p *ModelsPanel) Content() fyne.CanvasObject { return p.content }

// Close cancels the panel's background work.
func (p *ModelsPanel) Close() {
	p.closeOnce.Do(func() { close(p.quit) })
}

func (p *ModelsPanel) build() fyne.CanvasObject {
	bold := fyne.TextStyle{Bold: true}
	p.runtimeInfo = widget.NewLabel(stateText(p.backend.RuntimeState(), p.backend.RuntimeMissing(), modelsLine))
	p.runtimeInfo.Wrapping = fyne.TextWrapWord
	p.computeInfo = widget.NewLabel(computeText(p.backend.RuntimeState()))
	p.computeInfo.Wrapping = fyne.TextWrapWord
	p.loadedInfo = widget.NewLabel("")
	p.loadedInfo.Wrapping = fyne.TextWrapWord
	p.refresh = widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), p.Refresh)
	runtimeBox := container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabelWithStyle("Runtime", fyne.TextAlignLeading, bold), p.refresh),
		p.runtimeInfo, p.computeInfo, p.loadedInfo,
	)

	p.pullEntry = widget.NewSelectEntry(pullSuggestions)
	p.pullEntry.SetPlaceHolder("model name, e.g. medgemma:4b")
	p.pullEntry.OnSubmitted = func(string) { p.pullTapped() }
	p.pullButton = widget.NewButtonWithIcon("Pull", theme.DownloadIcon(), p.pullTapped)
	p.importBtn = widget.NewButtonWithIcon("Import from files…", theme.FolderOpenIcon(), func() { p.showImport(importFromFolder) })
	p.demoButton = widget.NewButtonWithIcon(demoButtonText, theme.ComputerIcon(), p.InstallDemo)
	actions := container.NewVBox(
		widget.NewLabelWithStyle("Get a model", fyne.TextAlignLeading, bold),
		container.NewBorder(nil, nil, nil, p.pullButton, p.pullEntry),
		container.NewHBox(p.importBtn, p.demoButton),
	)

	p.opTitle = widget.NewLabel("")
	p.opTitle.Wrapping = fyne.TextWrapWord
	p.opBar = widget.NewProgressBar()
	p.opDetail = widget.NewLabel("")
	p.opDetail.Wrapping = fyne.TextWrapWord
	p.opCancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), p.cancel)
	p.opBox = container.NewVBox(p.opTitle, container.NewBorder(nil, nil, nil, p.opCancel, p.opBar), p.opDetail)
	p.opBox.Hide()

	p.listHint = widget.NewLabel("Listing models…")
	p.listHint.Wrapping = fyne.TextWrapWord
	p.list = container.NewVBox()
	p.firstRun = newFirstRunCard(p.pullMedGemma, func() { p.showImport(importFromFolder) }, p.InstallDemo)
	p.firstRun.Hide()
	installed := container.NewVBox(
		widget.NewLabelWithStyle("Installed models", fyne.TextAlignLeading, bold),
		p.listHint, p.firstRun, p.list,
	)

	top := container.NewVBox(runtimeBox, widget.NewSeparator(), actions, p.opBox, widget.NewSeparator())
	p.listScroll = container.NewVScroll(installed)
	return container.NewBorder(top, nil, nil, nil, p.listScroll)
}

// opContext returns a context cancelled when the panel closes or cancel
// is called; the caller must call cancel.
func (p *ModelsPanel) opContext() (context.Context, context.CancelFunc) {
	return contextUntil(p.quit)
}

// Refresh lists the models and looks at the runtime again, in the
// background. Call it on the UI goroutine.
func (p *ModelsPanel) Refresh() {
	p.refreshRuntime()
	ctx, cancel := p.opContext()
	go func() {
		defer cancel()
		ctx, cancelTimeout := context.WithTimeout(ctx, factsTimeout)
		defer cancelTimeout()
		facts, err := p.backend.ModelFacts(ctx)
		p.do(func() { p.setFacts(facts, err) })
	}()
}

// refreshRuntime brings the runtime section up to date in the background.
func (p *ModelsPanel) refreshRuntime() {
	ctx, cancel := p.opContext()
	go func() {
		defer cancel()
		st, missing := p.backend.RuntimeState(), p.backend.RuntimeMissing()
		loaded, lerr := "", error(nil)
		if st.Phase == core.PhaseReady {
			ctx, cancelTimeout := context.WithTimeout(ctx, runtimeTimeout)
			ls, err := p.backend.Loaded(ctx)
			cancelTimeout()
			loaded, lerr = loadedText(ls), err
		}
		p.do(func() {
			p.runtimeInfo.SetText(stateText(st, missing, modelsLine))
			p.computeInfo.SetText(computeText(st))
			switch {
			case lerr != nil:
				setShown(p.loadedInfo, "Loaded: unknown ("+lerr.Error()+")")
			default:
				setShown(p.loadedInfo, loaded)
			}
		})
	}()
}

// StartPolling keeps the runtime section current until Close, while the
// panel is shown (see SetShown).
func (p *ModelsPanel) StartPolling(every time.Duration) {
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				return
			case <-t.C:
				if !p.hidden.Load() {
					p.refreshRuntime()
				}
			}
		}
	}()
}

// SetShown tells the panel whether it is on screen: while hidden, the
// polling asks the runtime nothing (Refresh still does).
func (p *ModelsPanel) SetShown(shown bool) {
	p.hidden.Store(!shown)
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

// Deleting.

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

// changed lists the models again and tells the owner.
func (p *ModelsPanel) changed() {
	p.Refresh()
	if p.OnChanged != nil {
		p.OnChanged()
	}
}

// Pulling, importing and the demo model: one operation at a time, with
// progress and Cancel.

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

// runOp runs one operation on model name in the background with the
// progress box shown; an error that does not name the model is made to.
// Progress reaches the UI streamed: at most once a frame, and an update
// that arrives while the previous one is not yet drawn replaces it.
func (p *ModelsPanel) runOp(name, title, doneText, cancelledText string, op func(ctx context.Context, progress func(core.Progress)) error) {
	if p.busy {
		showError(p.win, errors.New("another download or import is running: wait for it, or press Cancel"))
		return
	}
	ctx, cancel := p.opContext()
	p.cancelOp = cancel
	p.setBusy(true)
	p.opBest = 0
	p.opTitle.SetText(title + "…")
	p.opBar.SetValue(0)
	p.opBar.Show()
	p.opDetail.SetText("Starting…")
	p.opCancel.Enable()
	p.opCancel.Show()
	p.opBox.Show()
	p.content.Refresh()

	go func() {
		defer cancel()
		var box latest[core.Progress]
		var err error
		streamed(p.do, refreshInterval, box.take, func(pr core.Progress) {
			if p.cancelOp != nil { // not yet ended
				p.showProgress(pr)
			}
		}, func() { err = op(ctx, box.set) })
		cancelled := ctx.Err() != nil
		if err != nil && !strings.Contains(err.Error(), name) {
			err = fmt.Errorf("%s: %w", strings.ToLower(title[:1])+title[1:], err)
		}
		p.do(func() { p.opDone(err, cancelled, doneText, cancelledText) })
	}()
}

// showProgress shows one update; the bar never moves back within an
// operation (a new layer's bytes raise the total, not the work done).
func (p *ModelsPanel) showProgress(pr core.Progress) {
	if pr.Total > 0 {
		if f := pr.Percent / 100; f > p.opBest {
			p.opBest = min(f, 1)
		}
		p.opBar.SetValue(p.opBest)
	}
	p.opDetail.SetText(progressText(pr))
}

func (p *ModelsPanel) opDone(err error, cancelled bool, doneText, cancelledText string) {
	p.cancelOp = nil
	p.setBusy(false)
	p.opCancel.Hide()
	defer p.content.Refresh() // the box's height changed
	switch {
	case cancelled:
		p.opTitle.SetText(cancelledText)
		p.opBar.Hide()
		p.opDetail.SetText("")
	case err != nil:
		p.opTitle.SetText("Failed: " + errorMessage(err))
		p.opBar.Hide()
		p.opDetail.SetText("")
		showError(p.win, err)
	default:
		p.opTitle.SetText(doneText)
		p.opBar.SetValue(1)
		p.opDetail.SetText("")
		p.changed()
	}
}

func (p *ModelsPanel) cancel() {
	if p.cancelOp != nil {
		p.cancelOp()
		p.opCancel.Disable()
		p.opDetail.SetText("Cancelling…")
	}
}

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
