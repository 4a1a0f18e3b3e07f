package inference

import (
	"testing"
	"time"
)

// TestDelayCapsRetryAfter checks that the server's Retry-After is honoured
// up to MaxRetryAfter and no further.
func TestDelayCapsRetryAfter(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: time.Second, Rand: func() float64 { return 0 }}
	for _, tc := range []struct {
		after, want time.Duration
	}{
		{0, 50 * time.Millisecond},
		{12 * time.Second, 12 * time.Second},
		{60 * time.Second, 60 * time.Second},
		{61 * time.Second, 60 * time.Second},
		{24 * time.Hour, 60 * time.Second},
	} {
		if got := b.Delay(1, tc.after); got != tc.want {
			t.Errorf("Delay(1, %v) = %v, want %v", tc.after, got, tc.want)
		}
	}
}
