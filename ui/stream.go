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

// throttle calls show with buf's text at most once per interval, and only
// when it changed and the previous show has been applied (show calls
// applied when the UI has drawn it), so a slow UI never falls behind the
// stream with a queue of stale updates. It runs until done is closed; the
// caller shows the final text itself once throttle has returned.
func throttle(done <-chan struct{}, buf *streamBuffer, interval time.Duration, show func(text string, applied func())) {
	throttleTake(done, buf.take, interval, show)
}

// throttleTake is throttle for any value: take returns the latest value
// and whether it changed since the last take.
func throttleTake[T any](done <-chan struct{}, take func() (T, bool), interval time.Duration, show func(v T, applied func())) {
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
