package ui

// The Models tab's runtime section: the runtime's state, its compute
// devices and the models loaded, polled while the tab is shown.

import (
	"context"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// runtimeSection shows the runtime: its state, its compute devices and
// the models loaded.
type runtimeSection struct {
	runtimeInfo *widget.Label
	computeInfo *widget.Label
	loadedInfo  *widget.Label
	// hidden stops the polling's requests while another tab is shown.
	hidden atomic.Bool
}

// newRuntimeSection makes the section's widgets, as the runtime is now,
// and returns the section with its Refresh button.
func (p *ModelsPanel) newRuntimeSection() fyne.CanvasObject {
	bold := fyne.TextStyle{Bold: true}
	p.runtimeInfo = widget.NewLabel(stateText(p.backend.RuntimeState(), p.backend.RuntimeMissing(), modelsLine))
	p.runtimeInfo.Wrapping = fyne.TextWrapWord
	p.computeInfo = widget.NewLabel(computeText(p.backend.RuntimeState()))
	p.computeInfo.Wrapping = fyne.TextWrapWord
	p.loadedInfo = widget.NewLabel("")
	p.loadedInfo.Wrapping = fyne.TextWrapWord
	refresh := widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), p.Refresh)
	return container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabelWithStyle("Runtime", fyne.TextAlignLeading, bold), refresh),
		p.runtimeInfo, p.computeInfo, p.loadedInfo,
	)
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
