package app

import (
	"net"
	"net/url"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
)

// isLoopback reports whether a server address (a URL, or host:port as
// OLLAMA_HOST may give it) is this machine: localhost, a loopback IP, or
// no host or 0.0.0.0/:: (which connect to this machine).
func isLoopback(addr string) bool {
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

// burnInWarning is the one-line warning printed before images whose pixels
// may carry burned-in annotations (dicomview.StudyInfo.BurnInRisk) go to
// a server that is not this machine; "" when none applies. It names
// neither the files nor the patient.
func burnInWarning(server string, images []inference.Image) string {
	if server == "" || isLoopback(server) {
		return ""
	}
	n := 0
	for _, im := range images {
		if im.Study.BurnInRisk() {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	what := "an image whose pixels"
	if n > 1 {
		what = "images whose pixels"
	}
	return "warning: sending " + what + " may contain burned-in annotations (names, IDs, dates in the image) to " +
		redact.URL(server) + ", which is not this machine; check them or use a local runtime"
}
