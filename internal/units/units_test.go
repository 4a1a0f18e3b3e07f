package units

import (
	"testing"
	"time"
)

func TestBytes(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {300, "300 B"}, {1023, "1023 B"}, {1024, "1 KiB"},
		{512 << 10, "512 KiB"}, {1536, "1.5 KiB"}, {1 << 30, "1 GiB"},
		{3_300_000_000, "3.1 GiB"}, {8 << 40, "8 TiB"}, {-2048, "-2 KiB"},
	} {
		if got := Bytes(c.n); got != c.want {
			t.Errorf("Bytes(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestDurationWaitRate(t *testing.T) {
	if got := Duration(640 * time.Millisecond); got != "640 ms" {
		t.Errorf("Duration = %q", got)
	}
	if got := Duration(2350 * time.Millisecond); got != "2.35 s" {
		t.Errorf("Duration = %q", got)
	}
	if got := Wait(30 * time.Second); got != "30 s" {
		t.Errorf("Wait = %q", got)
	}
	if got := Wait(1500 * time.Millisecond); got != "1.5 s" {
		t.Errorf("Wait = %q", got)
	}
	if got := Rate(413, 10*time.Second, "tokens"); got != "41.3 tokens/s" {
		t.Errorf("Rate = %q", got)
	}
	if got := Rate(5, 0, "runs"); got != "" {
		t.Errorf("Rate over 0 = %q", got)
	}
}
