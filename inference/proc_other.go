//go:build !linux && !darwin && !windows

package inference

import (
	"os"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

// contain does nothing here: on this system the server may outlive a
// workbench that crashes.
func contain(p *os.Process) (cleanup func(), err error) { return func() {}, nil }

func childPIDs(pid int) []int { return nil }
