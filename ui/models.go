package ui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
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
//
// Its state is kept by concern, a struct and a file each: the runtime
// section (runtimeSection, models_runtime.go), the installed models
// (installedList, models_list.go), the ways to get a model (getModel,
// models_get.go; the import dialog in models_import.go) and the operation
// running (modelOp, models_op.go).
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

	content fyne.CanvasObject

	runtimeSection
	installedList
	getModel
	modelOp
}

// newModelsPanel makes the Models tab; Refresh lists the models.
func newModelsPanel(win fyne.Window, b ModelsBackend, do func(func())) *ModelsPanel {
	p := &ModelsPanel{win: win, backend: b, do: do, quit: make(chan struct{})}
	p.content = p.build()
	return p
}

// Content is the tab's content.
func (p *ModelsPanel) Content() fyne.CanvasObject { return p.content }

// Close cancels the panel's background work.
func (p *ModelsPanel) Close() {
	p.closeOnce.Do(func() { close(p.quit) })
}

// build makes the tab: the runtime and the ways to get a model, with the
// operation's progress, above the installed models.
func (p *ModelsPanel) build() fyne.CanvasObject {
	runtimeBox := p.newRuntimeSection()
	actions := p.newGetModel()
	opBox := p.newOpBox()
	installed := p.newInstalledList()
	top := container.NewVBox(runtimeBox, widget.NewSeparator(), actions, opBox, widget.NewSeparator())
	return container.NewBorder(top, nil, nil, nil, installed)
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

// changed lists the models again and tells the owner.
func (p *ModelsPanel) changed() {
	p.Refresh()
	if p.OnChanged != nil {
		p.OnChanged()
	}
}
