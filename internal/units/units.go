// Package units writes sizes, durations and rates for people: one wording
// for the CLI, the window and the messages of every package, so that the
// same number never reads two ways ("3.3 GB" in one place, "3.1 GiB" in
// another).
//
// Sizes are binary (KiB, MiB, GiB: powers of 1024), as the limits, VRAM
// and the runtime's memory are; durations are milliseconds below a second
// and seconds above.
package units

import (
	"fmt"
	"strconv"
	"time"
)

// Bytes writes n bytes in binary units: "300 B", "512 KiB" for an exact
// multiple, "3.3 GiB" with one decimal otherwise.
func Bytes(n int64) string {
	const unit = 1024
	if n < unit && n > -unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	neg := ""
	if n < 0 {
		neg, n = "-", -n
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	suffix := string("KMGTPE"[exp]) + "iB"
	if n%div == 0 {
		return neg + strconv.FormatInt(n/div, 10) + " " + suffix
	}
	return fmt.Sprintf("%s%.1f %s", neg, float64(n)/float64(div), suffix)
}

// Duration writes d in whole milliseconds below a second ("640 ms") and in
// seconds with two decimals above ("2.35 s").
func Duration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// Wait writes a wait the user is told about ("30 s", "1.5 s"): whole
// seconds when it is whole, else one decimal.
func Wait(d time.Duration) string {
	s := d.Seconds()
	if d%time.Second == 0 {
		return fmt.Sprintf("%.0f s", s)
	}
	return fmt.Sprintf("%.1f s", s)
}

// Rate writes count per second over d ("41.3 tokens/s"), or "" when d is
// not positive.
func Rate(count int64, d time.Duration, what string) string {
	if d <= 0 {
		return ""
	}
	return fmt.Sprintf("%.1f %s/s", float64(count)/d.Seconds(), what)
}
