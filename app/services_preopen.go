package app

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

// preopenProgressEvery is how often OpenStudy relays the count of files
// an open begun by Preopen has read.
const preopenProgressEvery = 50 * time.Millisecond

// preopens are the opens Preopen began that no OpenStudy has taken yet.
type preopens struct {
	mu   sync.Mutex
	list []*preopened
}

// preopened is one path's open begun by Preopen.
type preopened struct {
	path   string
	ctx    context.Context // the open's
	cancel context.CancelFunc
	files  atomic.Int64  // files read so far
	done   chan struct{} // closed when the open has ended
	// Set before done is closed.
	series  []*dicomview.Series
	skipped []error
	err     error
}

// Preopen starts opening paths, one after the other, in a goroutine that
// ends when they are open or ctx is done, so that the window given them
// on its command line finds them read while it was building itself. The
// next OpenStudy of each of those paths waits for that open instead of
// starting another; cancelling that OpenStudy cancels the open.
func (s *Services) Preopen(ctx context.Context, paths []string) {
	var list []*preopened
	for _, p := range paths {
		if p == "" {
			continue
		}
		pctx, cancel := context.WithCancel(ctx)
		list = append(list, &preopened{path: p, ctx: pctx, cancel: cancel, done: make(chan struct{})})
	}
	if len(list) == 0 {
		return
	}
	s.pre.mu.Lock()
	s.pre.list = append(s.pre.list, list...)
	s.pre.mu.Unlock()
	go func() {
		for _, po := range list {
			po.series, po.skipped, po.err = dicomview.OpenSeriesContext(po.ctx, po.path, func(n int) { po.files.Store(int64(n)) })
			close(po.done)
		}
	}()
}

// takePreopened removes and returns the open of path that Preopen began,
// or nil.
func (s *Services) takePreopened(path string) *preopened {
	s.pre.mu.Lock()
	defer s.pre.mu.Unlock()
	for i, po := range s.pre.list {
		if po.path == path {
			s.pre.list = append(s.pre.list[:i], s.pre.list[i+1:]...)
			return po
		}
	}
	return nil
}

// wait waits for po's open, relaying its count of files read to progress
// (if not nil) while it lasts and at its end, and returns its result; if ctx is done
// first it cancels the open and returns ctx's error.
func (po *preopened) wait(ctx context.Context, progress func(files int)) ([]*dicomview.Series, []error, error) {
	defer po.cancel()
	tick := time.NewTicker(preopenProgressEvery)
	defer tick.Stop()
	for {
		select {
		case <-po.done:
			if progress != nil {
				progress(int(po.files.Load()))
			}
			return po.series, po.skipped, po.err
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("open %s: %w", po.path, ctx.Err())
		case <-tick.C:
			if progress != nil {
				progress(int(po.files.Load()))
			}
		}
	}
}
