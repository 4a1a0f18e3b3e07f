//go:build !linux

package history

import (
	"os"
	"syscall"
)

// procStart is unknown outside Linux.
func procStart(int) string { return "" }

// processAlive reports whether process pid exists. Outside Linux a reused
// pid is not told apart, and where signal 0 is not supported (Windows) only
// this process counts as alive.
func processAlive(pid int, _ string) bool {
	if pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return true
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return p.Signal(syscall.Signal(0)) == nil
}
