package inference

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ollama/ollama/api"
)

// ErrRunnerStopped is the cause of a run whose model runner stopped (it
// crashed, or the server stopped) before the answer was complete; the
// next request starts the runner again.
var ErrRunnerStopped = errors.New("the model runner stopped")

// HTTPError is an answer from an HTTP API with a status other than 2xx.
type HTTPError struct {
	StatusCode int
	// Message is the server's error message, or the start of its body.
	Message string
	// RetryAfter is the wait the server asked for in Retry-After; 0 if
	// none.
	RetryAfter time.Duration
}

func (e *HTTPError) Error() string {
	msg := strings.TrimSpace(e.Message)
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	return fmt.Sprintf("%d %s", e.StatusCode, msg)
}

// Retryable reports whether a failed request is worth sending again: the
// server answered 429 (too many requests) or 5xx (overloaded, or a runner
// that crashed and will be restarted), or the runner stopped in the middle
// of the answer ([ErrRunnerStopped]). after is the wait the server asked
// for, 0 if it did not say.
func Retryable(err error) (after time.Duration, ok bool) {
	if errors.Is(err, ErrRunnerStopped) || serverWentAway(err) {
		return 0, true
	}
	code := 0
	var he *HTTPError
	var se api.StatusError
	switch {
	case errors.As(err, &he):
		code, after = he.StatusCode, he.RetryAfter
	case errors.As(err, &se):
		code = se.StatusCode
	default:
		return 0, false
	}
	return after, code == http.StatusTooManyRequests || code >= 500
}

// serverWentAway reports whether err says the connection to the server
// was refused, reset or cut off mid-answer: the managed server stopped
// (its owner exited) or restarts, and a new try finds the next one.
func serverWentAway(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// ParseRetryAfter reads a Retry-After header: seconds, or an HTTP date
// (relative to now). It returns 0 for an empty or unreadable value.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Backoff is how failed requests are retried: exponential backoff with
// jitter, honouring the server's Retry-After.
type Backoff struct {
	// Retries is how many times a request is sent again at most.
	Retries int
	// Base is the first wait and Max the longest; the wait doubles with
	// each attempt.
	Base, Max time.Duration
	// Rand returns a number in [0, 1) for the jitter; nil uses
	// math/rand/v2.
	Rand func() float64
}

// MaxRetryAfter caps the wait a server may ask for in Retry-After: a
// misconfigured or hostile server cannot stall a batch for hours.
const MaxRetryAfter = 60 * time.Second

// DefaultBackoff retries 4 times, waiting up to 0.5, 1, 2 and 4 s (at
// least half of each).
var DefaultBackoff = Backoff{Retries: 4, Base: 500 * time.Millisecond, Max: 30 * time.Second}

// Delay is the wait before retry number attempt (from 1). It is drawn
// from [d/2, d), with d = Base·2^(attempt-1) capped at Max ("equal
// jitter": it grows, and many clients that failed together spread out),
// and is never shorter than the server's Retry-After, capped at
// MaxRetryAfter.
func (b Backoff) Delay(attempt int, retryAfter time.Duration) time.Duration {
	base, maxd := b.Base, b.Max
	if base <= 0 {
		base = DefaultBackoff.Base
	}
	if maxd <= 0 {
		maxd = DefaultBackoff.Max
	}
	d := base
	for i := 1; i < attempt && d < maxd; i++ {
		d *= 2
	}
	d = min(d, maxd)
	r := b.Rand
	if r == nil {
		r = rand.Float64
	}
	wait := d/2 + time.Duration(r()*float64(d/2))
	return max(wait, min(retryAfter, MaxRetryAfter))
}
