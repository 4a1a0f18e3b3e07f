package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// pacsRetrieval is Retrieve and open: the buttons, the progress of the
// retrieve that runs, and where a retrieved folder goes.
type pacsRetrieval struct {
	open, cancel *widget.Button
	bar          *widget.ProgressBar
	text         *widget.Label
	running      context.CancelFunc // while a retrieve runs
	// every is how often the progress is drawn at most.
	every time.Duration
	// openFolder opens a retrieved folder in the viewer.
	openFolder func(dir string)
}

// build makes the buttons and the progress; Retrieve and open calls open.
func (f *pacsRetrieval) build(open func(), openFolder func(string)) {
	f.every, f.openFolder = defaultEvery, openFolder
	f.open = widget.NewButton("Retrieve and open", open)
	f.open.Importance = widget.HighImportance
	f.open.Disable()
	f.cancel = widget.NewButton("Cancel", f.cancelTapped)
	f.cancel.Disable()
	f.bar = widget.NewProgressBar()
	f.text = widget.NewLabel("")
	f.text.Truncation = fyne.TextTruncateEllipsis
}

// layout is the progress with the buttons at its right.
func (f *pacsRetrieval) layout() fyne.CanvasObject {
	return container.NewBorder(nil, nil, nil, container.NewHBox(f.open, f.cancel), container.NewVBox(f.bar, f.text))
}

func (f *pacsRetrieval) showProgress(pr core.RetrieveProgress) {
	if f.running == nil {
		return
	}
	if pr.Total > 0 {
		f.bar.SetValue(float64(pr.Instances) / float64(pr.Total))
	}
	f.text.SetText(pr.Text())
}

func (f *pacsRetrieval) cancelTapped() {
	if f.running != nil {
		f.running()
	}
}

func (p *pacsPanel) openTapped() {
	s, ok := p.results.chosen()
	if !ok {
		return
	}
	srv, name, err := p.servers.chosen()
	if err != nil {
		p.query.showError(err)
		return
	}
	p.retrieve(srv, name, pacsRecent{Server: name, Study: s.UID, Date: s.Date,
		Description: s.Description, Modalities: strings.Join(s.Modalities, ", ")})
}

// retrieve brings the study r into the cache, showing the progress, and
// opens its folder in the viewer. Cancel stops it; a retrieve of the same
// study again fetches only what is missing.
func (p *pacsPanel) retrieve(srv core.PACSServer, name string, r pacsRecent) {
	f := &p.fetch
	if f.running != nil {
		return
	}
	ctx, cancel := p.env.opContext()
	f.running = cancel
	f.open.Disable()
	f.cancel.Enable()
	f.bar.SetValue(0)
	f.text.SetText("Retrieving from " + name + "…")
	var mu sync.Mutex
	var last time.Time
	every := f.every
	go func() {
		defer cancel()
		got, err := p.backend.RetrieveStudy(ctx, srv, r.Study, nil, func(pr core.RetrieveProgress) {
			mu.Lock()
			draw := pr.Done || time.Since(last) >= every
			if draw {
				last = time.Now()
			}
			mu.Unlock()
			if draw {
				p.env.do(func() { f.showProgress(pr) })
			}
		})
		p.env.do(func() {
			f.running = nil
			f.cancel.Disable()
			if p.results.selected >= 0 {
				f.open.Enable()
			}
			switch {
			case isCancel(err):
				f.text.SetText(fmt.Sprintf("Cancelled: %d instances kept in the cache. Open it again to fetch the rest.", got.Instances))
			case err != nil:
				f.text.SetText("")
				p.query.showError(fmt.Errorf("retrieve from %s: %w", name, err))
			default:
				f.bar.SetValue(1)
				f.text.SetText(fmt.Sprintf("Retrieved %d instances (%d from the cache). Opening…", got.Instances, got.Cached))
				p.recent.add(r)
				if f.openFolder != nil {
					f.openFolder(got.Dir)
				}
			}
		})
	}()
}
