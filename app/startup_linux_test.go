package app

import "testing"

// TestStatStartTime reads the start time out of /proc/PID/stat lines,
// whose second field, the command in parentheses, may hold spaces and
// parentheses itself.
func TestStatStartTime(t *testing.T) {
	for _, tc := range []struct {
		line string
		want uint64
		ok   bool
	}{
		{"4242 (medgemma-workb) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 9 0 123456 1 2 3", 123456, true},
		{"7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99 1", 99, true},
		{"7 (short) R 1 2 3", 0, false},
		{"no parenthesis", 0, false},
	} {
		got, ok := statStartTime([]byte(tc.line))
		if got != tc.want || ok != tc.ok {
			t.Errorf("statStartTime(%q) = %d, %v; want %d, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}
