package ui

// Opening files: an open runs in the background, reports its count of
// files read, can be cancelled, and shows its first slice with the series.

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

// openProgressEvery is how often an open in progress updates its count of
// files read.
const openProgressEvery = 100 * time.Millisecond

// openState is the state of the opens: the latest one's, which alone is
// shown.
type openState struct {
	openSeq    int                // counts opens; only the latest result is shown
	cancelOpen context.CancelFunc // stops the open in progress; nil when none
	// cancelOpenButton, shown while files are opening, calls cancelOpen.
	cancelOpenButton *widget.Button
	// firstSlice: the first slice of the latest open is not yet on screen
	// (for the milestones, env.mark).
	firstSlice bool
	// prerendered is the first slice of an open, rendered by the open's
	// goroutine with its default window, for the render that shows it;
	// nil once used.
	prerendered *renderResult
	// pending is the latest open's result, for awaitOpen; nil when none.
	pending *pendingOpen
}

// newCancelOpenButton makes the button that cancels a long open (a large
// folder or ZIP), hidden until one starts. Opening itself is the
// browser's (File…, Folder…) and the File menu's.
func (p *imagePane) newCancelOpenButton() *widget.Button {
	p.cancelOpenButton = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() {
		if p.cancelOpen != nil {
			p.cancelOpen()
		}
	})
	p.cancelOpenButton.Hide()
	return p.cancelOpenButton
}

// open loads paths (files, folders, ZIPs, DICOMDIRs) in the background
// and shows their series in the browser when loaded.
func (p *imagePane) open(paths ...string) {
	p.openSeq++
	seq := p.openSeq
	if p.cancelOpen != nil {
		p.cancelOpen() // the newer open wins
	}
	opening := "Opening " + baseNames(paths) + "…"
	p.imageInfo.SetText(opening)
	p.env.mark("open: start")
	p.firstSlice = true
	po := &pendingOpen{ready: make(chan struct{})}
	p.pending = po
	ctx, cancel := p.env.opContext()
	p.cancelOpen = cancel
	p.cancelOpenButton.Show()
	var files atomic.Int64
	var last atomic.Int64 // unix ms of the last progress shown
	progress := func(n int) {
		files.Store(int64(n))
		now := time.Now().UnixMilli()
		if prev := last.Load(); now-prev < openProgressEvery.Milliseconds() || !last.CompareAndSwap(prev, now) {
			return
		}
		p.env.do(func() {
			if seq == p.openSeq && p.cancelOpen != nil {
				p.imageInfo.SetText(fmt.Sprintf("%s %d files read", opening, files.Load()))
			}
		})
	}
	go func() {
		defer cancel()
		var all []*dicomview.Series
		var skipped []error
		var firstErr error
		for _, path := range paths {
			s, sk, err := p.backend.OpenStudy(ctx, path, progress)
			all = append(all, s...)
			skipped = append(skipped, sk...)
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}
		var first *renderResult
		if len(all) > 0 {
			firstErr = nil // show what loaded
			p.env.mark(fmt.Sprintf("open: %d files read", files.Load()))
			if ctx.Err() == nil {
				first = renderFirst(all[0].Slices[0])
				p.env.mark("first slice: rendered")
			}
		}
		po.show = func() {
			if p.pending == po {
				p.pending = nil
			}
			if seq == p.openSeq {
				p.prerendered = first
			}
			p.opened(seq, paths, all, skipped, firstErr)
		}
		close(po.ready)
		p.env.do(po.run)
	}()
}

// pendingOpen is the result of one open, shown once: by awaitOpen before
// the window is first shown, or when the open's goroutine hands it to the
// UI goroutine.
type pendingOpen struct {
	ready chan struct{} // closed when show is set
	show  func()        // shows the open's result
	shown bool          // used on the UI goroutine only
}

// run shows the open's result unless it was shown. It runs on the UI
// goroutine, after ready is closed.
func (po *pendingOpen) run() {
	if !po.shown {
		po.shown = true
		po.show()
	}
}

// awaitOpen waits at most d for the latest open to end and shows its
// result now; the window's first frame then shows it. Call it on the UI
// goroutine before the window is shown.
func (p *imagePane) awaitOpen(d time.Duration) {
	po := p.pending
	if po == nil {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-po.ready:
		po.run()
	case <-t.C:
	}
}

func (p *imagePane) opened(seq int, paths []string, series []*dicomview.Series, skipped []error, err error) {
	if seq != p.openSeq {
		return // a later open supersedes this one
	}
	p.cancelOpen = nil
	p.cancelOpenButton.Hide()
	if err != nil {
		p.imageInfo.SetText(p.infoText())
		p.env.showError(err) // nothing for a cancelled open
		return
	}
	p.addRecent(paths)
	if p.onOpened != nil {
		p.onOpened() // from History's "open image", or the first-run card
	}
	// The keys step, zoom and invert at once, unless the user is typing.
	if c := p.env.win.Canvas(); c.Focused() == nil {
		c.Focus(p.viewer)
	}
	p.series = series
	p.cur = nil
	p.env.mark("open: series shown")
	p.browser.setSeries(series, skipped)
	p.showSeries(series[0], 0)
}

// openSeries shows series s (the history browser's model input) as
// if it had been opened.
func (p *imagePane) openSeries(s *dicomview.Series) {
	p.openSeq++
	p.opened(p.openSeq, nil, []*dicomview.Series{s}, nil, nil)
}

// markFirstSlice reports the first slice of an open given to the viewer,
// and then drawn.
func (p *imagePane) markFirstSlice() {
	p.firstSlice = false
	if p.env.milestone == nil {
		return
	}
	p.env.mark("first slice: set")
	p.viewer.onDrawn = func() {
		p.viewer.onDrawn = nil
		p.env.mark("first slice: drawn")
	}
}
