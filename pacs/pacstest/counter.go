package pacstest

import (
	"net/http"
	"strings"
	"sync"
)

// Counter is an http.RoundTripper that counts the requests it carries,
// by kind: a QIDO-RS query (JSON), an instance retrieve, a STOW-RS store.
type Counter struct {
	Next http.RoundTripper // nil: http.DefaultTransport

	mu    sync.Mutex
	paths []string
}

// RoundTrip implements http.RoundTripper.
func (c *Counter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.paths = append(c.paths, r.Method+" "+r.URL.Path)
	c.mu.Unlock()
	next := c.Next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(r)
}

// Retrieves is the number of GET …/instances/UID requests (one instance
// each) so far.
func (c *Counter) Retrieves() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, p := range c.paths {
		if strings.HasPrefix(p, "GET ") && strings.Contains(p, "/instances/") {
			n++
		}
	}
	return n
}

// Requests returns "METHOD PATH" of every request so far.
func (c *Counter) Requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.paths...)
}

// Reset forgets the requests counted.
func (c *Counter) Reset() {
	c.mu.Lock()
	c.paths = nil
	c.mu.Unlock()
}
