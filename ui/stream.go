package ui

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// refreshInterval is the shortest time between two refreshes of streamed
// text: about one frame at 60 Hz.
const refreshInterval = 17 * time.Millisecond

// streamBuffer accumulates streamed text. Write may be called from any
// goroutine.
type streamBuffer struct {
	mu    sync.Mutex
	b     strings.Builder
	dirty bool // text was written since the last take
}

// Write appends text.
func (s *streamBuffer) Write(text string) {
	if text == "" {
		return
	}
	s.mu.Lock()
	s.b.WriteString(text)
	s.dirty = true
	s.mu.Unlock()
}

// take returns the text so far and true if it changed since the last take.
func (s *streamBuffer) take() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty {
		return "", false
	}
	s.dirty = false
	return s.b.String(), true
}

// String returns the text so far.
func (s *streamBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// latest holds the newest value an operation reported, for streamed.
// set may be called from any goroutine.
type latest[T any] struct {
	mu    sync.Mutex
	v     T
	dirty bool // set since the last take
}

// set replaces the value.
func (x *latest[T]) set(v T) {
	x.mu.Lock()
	x.v, x.dirty = v, true
	x.mu.Unlock()
}

// take returns the value and true if it was set since the last take.
func (x *latest[T]) take() (T, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	ok := x.dirty
	x.dirty = false
	return x.v, ok
}

// streamed runs op on the calling goroutine (never the UI's) and streams
// what op reports onto the screen: op reports into a buffer (a
// streamBuffer's Write, a latest's set) whose take gives the value to show;
// show gets it on the UI goroutine through do at most once per interval
// (STYLE.md rule 6) and never while its previous update is not yet drawn,
// and once more after op has returned if op's last report was not yet shown
// (the flush). When streamed returns the flush is queued ahead of anything
// the caller queues next.
func streamed[T any](do func(func()), interval time.Duration, take func() (T, bool), show func(T), op func()) {
	done := make(chan struct{})
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		throttle(done, take, interval, func(v T, applied func()) {
			do(func() {
				show(v)
				applied()
			})
		})
	}()
	op()
	close(done)
	<-flushed
	if v, ok := take(); ok {
		do(func() { show(v) })
	}
}

// throttle calls show with the value take returns at most once per
// interval, and only when it changed (take reports whether it did) and the
// previous show has been applied (show calls applied when the UI has drawn
// it), so a slow UI never falls behind the stream with a queue of stale
// updates. It runs until done is closed; streamed shows the final value
// once throttle has returned.
func throttle[T any](done <-chan struct{}, take func() (T, bool), interval time.Duration, show func(v T, applied func())) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var busy atomic.Bool
	applied := func() { busy.Store(false) }
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if busy.Load() {
				continue
			}
			if v, ok := take(); ok {
				busy.Store(true)
				show(v, applied)
			}
		}
	}
}
