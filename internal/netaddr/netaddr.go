// Package netaddr tells whether a server address is this machine: the
// question behind every "patient data never leaves the machine" check.
package netaddr

import (
	"net"
	"net/url"
	"strings"
)

// IsLocal reports whether a server address (a URL, or host:port as
// OLLAMA_HOST may give it) is this machine: localhost, a loopback IP, or
// no host or 0.0.0.0/:: (which connect to this machine). A name that
// merely starts with "localhost" (localhost.example.com) is not.
func IsLocal(addr string) bool {
	if !strings.Contains(addr, "://") {
		addr = "http://" + addr
	}
	u, err := url.Parse(addr)
	if err != nil {
		return false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}
