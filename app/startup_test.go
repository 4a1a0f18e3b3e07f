package app

import (
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStartupLog checks the lines EnvStartupTimes writes: one a step,
// "startup: MS ms EVENT", the milliseconds since the start given, in
// order, whatever goroutine writes them.
func TestStartupLog(t *testing.T) {
	var b strings.Builder
	mark := startupLog(&b, time.Now().Add(-1500*time.Millisecond))
	mark("main")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { mark("first slice: drawn") })
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	re := regexp.MustCompile(`^startup: (1[5-9]\d\d|[2-9]\d\d\d)\.\d ms (main|first slice: drawn)$`)
	if len(lines) != 5 {
		t.Fatalf("%d lines, want 5:\n%s", len(lines), b.String())
	}
	for _, l := range lines {
		if !re.MatchString(l) {
			t.Errorf("line %q, want startup: MS ms EVENT with MS ≥ 1500", l)
		}
	}
}

// TestProcessStart checks that the process's start is found before the
// app package was initialised, and not long before.
func TestProcessStart(t *testing.T) {
	start := processStart()
	if start.After(initTime) {
		t.Errorf("process started %v after the package was initialised", start.Sub(initTime))
	}
	if d := initTime.Sub(start); d > 30*time.Second {
		t.Errorf("process started %v before the package was initialised", d)
	}
}
