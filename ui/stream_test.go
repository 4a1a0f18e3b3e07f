package ui

import (
	"strings"
	"sync"
	"testing"
	"time"
)

func TestStreamBufferConcurrentWrites(t *testing.T) {
	var buf streamBuffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				buf.Write("x")
				buf.take()
			}
		}()
	}
	wg.Wait()
	if got := buf.String(); got != strings.Repeat("x", 800) {
		t.Errorf("len = %d, want 800", len(got))
	}
}

func TestThrottleLimitsRefreshes(t *testing.T) {
	const (
		interval = 20 * time.Millisecond
		writeFor = 200 * time.Millisecond
	)
	var buf streamBuffer
	done := make(chan struct{})
	var (
		mu    sync.Mutex
		shown []string
	)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		throttle(done, buf.take, interval, func(s string, applied func()) {
			mu.Lock()
			shown = append(shown, s)
			mu.Unlock()
			applied()
		})
	}()
	chunks := 0
	for start := time.Now(); time.Since(start) < writeFor; chunks++ {
		buf.Write("a")
		time.Sleep(time.Millisecond)
	}
	close(done)
	<-finished

	mu.Lock()
	defer mu.Unlock()
	if max := int(writeFor/interval) + 2; len(shown) > max || len(shown) == 0 {
		t.Errorf("%d chunks gave %d refreshes, want 1 to %d", chunks, len(shown), max)
	}
	for i := 1; i < len(shown); i++ {
		if len(shown[i]) <= len(shown[i-1]) {
			t.Errorf("refresh %d shows %d bytes after %d; want growing text", i, len(shown[i]), len(shown[i-1]))
		}
	}
}

func TestThrottleSkipsUnchanged(t *testing.T) {
	var buf streamBuffer
	buf.Write("once")
	done := make(chan struct{})
	calls := make(chan string, 10)
	go func() {
		time.Sleep(60 * time.Millisecond)
		close(done)
	}()
	throttle(done, buf.take, 5*time.Millisecond, func(s string, applied func()) { calls <- s; applied() })
	close(calls)
	var got []string
	for s := range calls {
		got = append(got, s)
	}
	if len(got) != 1 || got[0] != "once" {
		t.Errorf("refreshes = %q, want exactly [once]", got)
	}
}

// A UI that has not yet drawn the last update gets no new one: updates
// never queue up behind a slow screen.
func TestThrottleWaitsForTheUI(t *testing.T) {
	var buf streamBuffer
	done := make(chan struct{})
	var (
		mu      sync.Mutex
		shown   []string
		pending []func()
	)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		throttle(done, buf.take, 2*time.Millisecond, func(s string, applied func()) {
			mu.Lock()
			shown = append(shown, s)
			pending = append(pending, applied)
			mu.Unlock()
		})
	}()
	buf.Write("a")
	time.Sleep(30 * time.Millisecond)
	buf.Write("b") // the UI is still busy with "a"
	time.Sleep(30 * time.Millisecond)
	mu.Lock()
	if len(shown) != 1 {
		t.Errorf("while the UI was busy: %q shown, want only the first update", shown)
	}
	pending[0]() // the UI catches up
	mu.Unlock()
	time.Sleep(30 * time.Millisecond)
	close(done)
	<-finished
	mu.Lock()
	defer mu.Unlock()
	if len(shown) != 2 || shown[1] != "ab" {
		t.Errorf("after the UI caught up: %q, want [a ab]", shown)
	}
}

// streamed shows what the operation reported last even when it ended
// before the first refresh (the flush), and shows nothing after that.
func TestStreamedFlushesTheLastUpdate(t *testing.T) {
	var buf streamBuffer
	var shown []string
	do := func(f func()) { f() }
	streamed(do, time.Hour, buf.take, func(s string) { shown = append(shown, s) }, func() {
		buf.Write("a")
		buf.Write("b")
	})
	if len(shown) != 1 || shown[0] != "ab" {
		t.Errorf("shown %q, want [ab]", shown)
	}
	var box latest[int]
	var got []int
	streamed(do, time.Hour, box.take, func(v int) { got = append(got, v) }, func() {})
	if len(got) != 0 {
		t.Errorf("nothing reported, shown %v", got)
	}
}
