package app

import (
	"bytes"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// clockTicks is the unit of /proc/PID/stat's times (USER_HZ), 100 on
// every Linux architecture.
const clockTicks = 100

// processStart returns when the process started, to 10 ms: its start
// time in /proc/self/stat against the boot-time clock; initTime when
// that cannot be read.
func processStart() time.Time {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return initTime
	}
	ticks, ok := statStartTime(stat)
	var now unix.Timespec
	if !ok || unix.ClockGettime(unix.CLOCK_BOOTTIME, &now) != nil {
		return initTime
	}
	age := time.Duration(now.Nano()) - time.Duration(ticks)*time.Second/clockTicks
	if start := time.Now().Add(-age); start.Before(initTime) {
		return start
	}
	return initTime
}

// statStartTime returns field 22 (starttime) of a /proc/PID/stat line,
// counting fields after the command name's closing parenthesis.
func statStartTime(stat []byte) (uint64, bool) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	// Fields 3… follow ") "; starttime is the 20th of them.
	f := bytes.Fields(stat[i+1:])
	if len(f) < 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(f[19]), 10, 64)
	return n, err == nil
}
