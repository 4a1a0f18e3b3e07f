//go:build !linux

package inference

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }

func childPIDs(pid int) []int { return nil }

func killGroup(pid int) {}
