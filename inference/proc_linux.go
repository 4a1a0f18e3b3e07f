package inference

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// sysProcAttr makes the child die with us, so a crashed workbench never
// leaves a server holding the GPU, and puts it in a process group of its
// own, which its model runners join.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
}

// contain returns what kills the server's runners once the server has
// ended; Pdeathsig (see sysProcAttr) already ties the server to us.
func contain(p *os.Process) (cleanup func(), err error) {
	return func() { killGroup(p.Pid) }, nil
}

// killGroup kills what is left of the server's process group once the
// server itself has ended: a server that dies (or is killed) leaves its
// model runners behind, each holding the model's memory.
func killGroup(pid int) {
	if pid > 0 {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}

// childPIDs lists the processes whose parent is pid, from /proc.
func childPIDs(pid int) []int {
	if pid <= 0 {
		return nil
	}
	dirs, _ := os.ReadDir("/proc")
	var out []int
	for _, d := range dirs {
		child, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}
