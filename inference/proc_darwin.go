//go:build darwin

package inference

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

// sysProcAttr puts the server in a process group of its own, which its
// model runners join: one signal to the group reaches them all.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// contain ties the server's process group to this process. macOS has no
// Pdeathsig, so a watchdog does it: a shell, in a group of its own, that
// blocks reading a pipe only this process holds open. However this
// process ends (a crash or SIGKILL included), the kernel closes the pipe,
// the read returns, and the watchdog kills the group. cleanup, called
// once the server has exited, stops the watchdog and kills the group's
// leftover runners.
func contain(p *os.Process) (cleanup func(), err error) {
	pgid := p.Pid
	kill := func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) }
	r, w, err := os.Pipe() // close-on-exec: the server does not hold w
	if err != nil {
		return kill, fmt.Errorf("watchdog for the server: %w", err)
	}
	dog := exec.Command("/bin/sh", "-c", "read _; kill -9 -"+strconv.Itoa(pgid))
	dog.Stdin = r
	dog.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // not hit by a Ctrl-C meant for us
	err = dog.Start()
	r.Close()
	if err != nil {
		w.Close()
		return kill, fmt.Errorf("watchdog for the server: %w", err)
	}
	return func() {
		// Stop the watchdog first: once the server is reaped its group
		// id may be reused.
		_ = dog.Process.Kill()
		w.Close()
		_ = dog.Wait()
		kill()
	}, nil
}

// childPIDs is not implemented on macOS (no /proc).
func childPIDs(pid int) []int { return nil }
