package pacs

import (
	"net/url"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestCredentialsFollowKind: a PACSAuth is applied in one place, as its
// Kind says: the token wins over a user, a user over the URL's own, and
// the URL's user and password count only when the PACSAuth is empty. The
// URL that goes on never holds them.
func TestCredentialsFollowKind(t *testing.T) {
	for _, tc := range []struct {
		name, url       string
		auth            core.PACSAuth
		kind            core.PACSAuthKind
		token, user, pw string
		header          string
	}{
		{"none", "http://pacs:8042/dw", core.PACSAuth{}, core.PACSAuthNone, "", "", "", ""},
		{"URL user", "http://u:p@pacs:8042/dw", core.PACSAuth{}, core.PACSAuthNone, "", "u", "p", ""},
		{"basic", "http://pacs:8042/dw", core.PACSAuth{User: "ana", Password: "pw"}, core.PACSAuthBasic, "", "ana", "pw", ""},
		{"basic over the URL's", "http://u:p@pacs:8042/dw", core.PACSAuth{User: "ana", Password: "pw"}, core.PACSAuthBasic, "", "ana", "pw", ""},
		{"bearer", "http://pacs:8042/dw", core.PACSAuth{Token: "tok"}, core.PACSAuthBearer, "tok", "", "", ""},
		{"bearer wins over a user", "http://pacs:8042/dw", core.PACSAuth{User: "ana", Password: "pw", Token: "tok"}, core.PACSAuthBearer, "tok", "", "", ""},
		{"header", "http://pacs:8042/dw", core.PACSAuth{Token: "tok", Header: "X-Api-Key"}, core.PACSAuthHeader, "tok", "", "", "X-Api-Key"},
		{"header wins over a user", "http://u:p@pacs:8042/dw", core.PACSAuth{User: "ana", Password: "pw", Token: "tok", Header: "X-Api-Key"}, core.PACSAuthHeader, "tok", "", "", "X-Api-Key"},
		{"a header alone is no token", "http://pacs:8042/dw", core.PACSAuth{Header: "X-Api-Key"}, core.PACSAuthNone, "", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.auth.Kind(); got != tc.kind {
				t.Errorf("Kind = %v, want %v", got, tc.kind)
			}
			u, _ := url.Parse(tc.url)
			clean, c := credentials(u, tc.auth)
			if clean.User != nil {
				t.Errorf("the URL that goes on holds %v", clean.User)
			}
			var user, pw string
			if c.User != nil && c.Token == "" {
				user = c.User.Username()
				pw, _ = c.User.Password()
			}
			if c.Token != tc.token || user != tc.user || pw != tc.pw || c.Header != tc.header {
				t.Errorf("sends token %q in %q, user %q, password %q; want %q in %q, %q, %q", c.Token, c.Header, user, pw, tc.token, tc.header, tc.user, tc.pw)
			}
		})
	}
}

func TestPACSAuthKindNames(t *testing.T) {
	for _, k := range []core.PACSAuthKind{core.PACSAuthNone, core.PACSAuthBasic, core.PACSAuthBearer, core.PACSAuthHeader} {
		got, err := core.ParsePACSAuthKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParsePACSAuthKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if _, err := core.ParsePACSAuthKind("kerberos"); err == nil {
		t.Error("an unknown kind parses")
	}
}
