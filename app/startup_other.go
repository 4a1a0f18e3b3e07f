//go:build !linux

package app

import "time"

// processStart returns when the process started: here, when the app
// package was initialised.
func processStart() time.Time { return initTime }
