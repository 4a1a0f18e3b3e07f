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
		throttle(done, &buf, interval, func(s string) {
			mu.Lock()
			shown = append(shown, s)
			mu.Unlock()
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
	throttle(done, &buf, 5*time.Millisecond, func(s string) { calls <- s })
	close(calls)
	var got []string
	for s := range calls {
		got = append(got, s)
	}
	if len(got) != 1 || got[0] != "once" {
		t.Errorf("refreshes = %q, want exactly [once]", got)
	}
}
