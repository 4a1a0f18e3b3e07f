package inference

import "syscall"

// sysProcAttr makes the child die with us, so a crashed workbench never
// leaves a server holding the GPU.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
