package inference

import (
	"net/http"
	"net/url"

	"github.com/medgemma-workbench/medgemma-workbench/internal/httpauth"
)

// The credentials a client sends to its own server only, and the error
// text cleaned of them, are internal/httpauth's, shared with the DICOMweb
// client; these are the names this package's code uses.
type (
	credentials   = httpauth.Credentials
	authTransport = httpauth.Transport
)

func splitCredentials(base *url.URL, token string) (*url.URL, credentials) {
	return httpauth.Split(base, token)
}

// authClient is an HTTP client without an overall timeout that sends
// creds to their origin only and never follows https down to http.
func authClient(creds credentials) *http.Client {
	return httpauth.Client(creds, nil)
}

func clean(err error, secrets ...string) error { return httpauth.Clean(err, secrets...) }
