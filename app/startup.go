package app

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// EnvStartupTimes, set to 1, makes the workbench write to standard error
// when each step of its start and of opening the files given on the
// command line happens, in milliseconds since the process started: the
// window built, the headers read, the first slice rendered, given to the
// viewer and drawn (see ui.Workbench.SetMilestones). bench/scale's
// first-slice benchmark reads them.
const EnvStartupTimes = "MEDGEMMA_WORKBENCH_STARTUP_TIMES"

// initTime is when the app package was initialised: the process's start
// where the system does not say (processStart).
var initTime = time.Now()

// startupLog returns a function that writes "startup: MS EVENT" lines to
// w, MS being the milliseconds since start; it may be called on any
// goroutine.
func startupLog(w io.Writer, start time.Time) func(event string) {
	var mu sync.Mutex
	return func(event string) {
		ms := float64(time.Since(start).Microseconds()) / 1000
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "startup: %.1f ms %s\n", ms, event)
	}
}
