package core

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestPACSAuthKindText: each kind is written to JSON by its name and read
// back; an empty name is none, an unknown one an error.
func TestPACSAuthKindText(t *testing.T) {
	for _, k := range []PACSAuthKind{PACSAuthNone, PACSAuthBasic, PACSAuthBearer, PACSAuthHeader} {
		b, err := json.Marshal(k)
		if err != nil || string(b) != `"`+k.String()+`"` {
			t.Errorf("Marshal(%v) = %s, %v", k, b, err)
		}
		var got PACSAuthKind = 99
		if err := json.Unmarshal(b, &got); err != nil || got != k {
			t.Errorf("Unmarshal(%s) = %v, %v", b, got, err)
		}
	}
	var k PACSAuthKind = PACSAuthBearer
	if err := json.Unmarshal([]byte(`""`), &k); err != nil || k != PACSAuthNone {
		t.Errorf(`Unmarshal("") = %v, %v; want none`, k, err)
	}
	if err := json.Unmarshal([]byte(`"kerberos"`), &k); err == nil || !strings.Contains(err.Error(), "none, basic, bearer or header") {
		t.Errorf("an unknown kind: %v", err)
	}
}

// TestPACSAuthHeader: a token with a header name is sent in that header
// (it wins over a user, as a bearer token does); a header without a
// token is refused, and so is a name that is no header name or one that
// the HTTP client, the requests or other credentials use, each saying
// why and never quoting the token.
func TestPACSAuthHeader(t *testing.T) {
	for _, tc := range []struct {
		auth PACSAuth
		kind PACSAuthKind
	}{
		{PACSAuth{Token: "tok", Header: "X-Api-Key"}, PACSAuthHeader},
		{PACSAuth{User: "ana", Password: "pw", Token: "tok", Header: "X-Api-Key"}, PACSAuthHeader},
		{PACSAuth{Token: "tok"}, PACSAuthBearer},
		{PACSAuth{User: "ana", Header: "X-Api-Key"}, PACSAuthBasic},
	} {
		if got := tc.auth.Kind(); got != tc.kind {
			t.Errorf("%+v: Kind = %v, want %v", tc.auth, got, tc.kind)
		}
	}
	for _, tc := range []struct {
		header, token, want string
	}{
		{"X-Api-Key", "tok-1", ""},
		{"x-orthanc-token", "tok-1", ""},
		{"Token", "tok-1", ""},
		{"", "tok-1", ""}, // bearer
		{"X Api Key", "tok-1", "not an HTTP header name"},
		{"X-Api-Key:", "tok-1", "not an HTTP header name"},
		{"X-Äpi", "tok-1", "not an HTTP header name"},
		{"Authorization", "tok-1", "choose bearer authentication"},
		{"authorization", "tok-1", "choose bearer authentication"},
		{"Cookie", "tok-1", "set that header themselves"},
		{"HOST", "tok-1", "set that header themselves"},
		{"Content-Length", "tok-1", "set that header themselves"},
		{"Accept", "tok-1", "set that header themselves"},
		{"Proxy-Authorization", "tok-1", "set that header themselves"},
		{"Sec-Fetch-Site", "tok-1", "set that header themselves"},
		{"X-Api-Key", "", "but no token"},
		{"X-Api-Key", "tok-1\n", "line break"},
		{"", "tok-1\r\nX-Evil: 1", "line break"},
	} {
		err := PACSAuth{Token: tc.token, Header: tc.header}.Check()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", tc.header, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q, token %q: %v, want %q", tc.header, tc.token, err, tc.want)
		case err != nil && tc.token != "" && strings.Contains(err.Error(), strings.TrimSpace(tc.token)):
			t.Errorf("%q: the error %q holds the token", tc.header, err)
		case err != nil && tc.header != "" && !strings.Contains(err.Error(), tc.header):
			t.Errorf("%q: the error %q does not name the header", tc.header, err)
		}
	}
}
