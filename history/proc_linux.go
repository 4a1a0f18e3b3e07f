package history

import (
	"os"
	"strconv"
	"strings"
)

// procStart returns the start time of process pid in clock ticks since
// boot (field 22 of /proc/PID/stat), which with the pid identifies a
// process even after its pid is reused; "" if unknown.
func procStart(pid int) string {
	state, start := procStat(pid)
	if state == "" {
		return ""
	}
	return start
}

// procStat returns the state and start time fields of /proc/PID/stat.
func procStat(pid int) (state, start string) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", ""
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", ""
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3
	if len(f) < 20 {
		return "", ""
	}
	return f[0], f[19]
}

// processAlive reports whether the process pid that started at start (as
// procStart gave it) is still running.
func processAlive(pid int, start string) bool {
	if pid <= 0 {
		return false
	}
	state, st := procStat(pid)
	if state == "" || state == "Z" || state == "X" {
		return false
	}
	return start == "" || st == start
}
