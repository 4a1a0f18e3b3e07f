package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestPACSServersSaved keeps the saved servers in the preferences and
// their passwords in the secret store, never in the preferences.
func TestPACSServersSaved(t *testing.T) {
	fake := &fakeBackend{}
	h := newHarness(t, fake)
	sec := &fakeSecrets{where: "memory"}
	h.wb.shell.info.Secrets = sec
	s := h.wb.shell
	s.tabs.Select(s.pacsTab)
	p := s.pacs
	if err := p.servers.AddServer(PACSServerConfig{Name: "Token PACS", URL: testPACSURL, Auth: core.PACSAuthBearer}, "tok-secret-9"); err != nil {
		t.Fatal(err)
	}
	prefs := fyne.CurrentApp().Preferences()
	if saved := prefs.String(PrefPACSServers); !strings.Contains(saved, "Token PACS") || strings.Contains(saved, "tok-secret-9") {
		t.Errorf("saved servers %q: want the server without its token", saved)
	}
	if sec.m[SecretPACSPrefix+":Token PACS"] != "tok-secret-9" {
		t.Errorf("secret store %v: want the token under the server's name", sec.m)
	}
	if got := p.savedServer(0); got.Token != "tok-secret-9" || got.User != "" {
		t.Errorf("server %+v: want the bearer token", got)
	}
	// A new panel (the next start) reads them back.
	q := newPACSPanel(h.wb.env, fake, prefs, sec, nil)
	if q.servers.picker.Selected != "Token PACS" || q.savedServer(0).Token != "tok-secret-9" {
		t.Errorf("reloaded: chosen %q, servers %+v", q.servers.picker.Selected, q.servers.list)
	}
	f := p.serverForm(0)
	if f.secret.Text != "tok-secret-9" || f.auth.Selected != "bearer" || !f.user.Disabled() {
		t.Errorf("edit form: secret %q, auth %q, user disabled %v", f.secret.Text, f.auth.Selected, f.user.Disabled())
	}
	f.dlg.Hide()
}

// TestPACSOldSettingsLoad reads the saved servers as the window wrote
// them before the authentication was core.PACSAuthKind (a plain string:
// "none", "basic", "bearer"; the lines below are what json.Marshal made
// of them): each comes back with its authentication and secret, and
// saving again writes the same "auth" names. A server whose
// authentication this version does not know is left out, the others
// kept.
func TestPACSOldSettingsLoad(t *testing.T) {
	const old = `[{"name":"Open PACS","url":"http://open:8042/dicom-web","auth":"none"},` +
		`{"name":"Research PACS","url":"http://pacs.example:8042/dicom-web","auth":"basic","user":"ana"},` +
		`{"name":"Token PACS","url":"https://tok.example/dicom-web","auth":"bearer"},` +
		`{"name":"Older PACS","url":"http://older:8042/dicom-web","auth":""},` +
		`{"name":"Future PACS","url":"http://future:8042/dicom-web","auth":"kerberos"}]`
	h := newHarness(t, &fakeBackend{})
	prefs := fyne.CurrentApp().Preferences()
	prefs.SetString(PrefPACSServers, old)
	prefs.SetString(PrefPACSServer, "Research PACS")
	sec := &fakeSecrets{m: map[string]string{SecretPACSPrefix + ":Research PACS": "pw-1", SecretPACSPrefix + ":Token PACS": "tok-2"}}
	p := newPACSPanel(h.wb.env, &fakeBackend{}, prefs, sec, nil)
	want := []core.PACSServer{
		{URL: "http://open:8042/dicom-web"},
		{URL: "http://pacs.example:8042/dicom-web", PACSAuth: core.PACSAuth{User: "ana", Password: "pw-1"}},
		{URL: "https://tok.example/dicom-web", PACSAuth: core.PACSAuth{Token: "tok-2"}},
		{URL: "http://older:8042/dicom-web"},
	}
	if len(p.servers.list) != len(want) {
		t.Fatalf("loaded %d servers %+v, want %d", len(p.servers.list), p.servers.list, len(want))
	}
	for i, w := range want {
		if got := p.savedServer(i); got != w {
			t.Errorf("server %d (%s) = %+v, want %+v", i, p.servers.list[i].Name, got, w)
		}
	}
	if p.servers.picker.Selected != "Research PACS" {
		t.Errorf("chosen %q, want the one chosen last", p.servers.picker.Selected)
	}
	p.servers.save()
	const again = `[{"name":"Open PACS","url":"http://open:8042/dicom-web","auth":"none"},` +
		`{"name":"Research PACS","url":"http://pacs.example:8042/dicom-web","auth":"basic","user":"ana"},` +
		`{"name":"Token PACS","url":"https://tok.example/dicom-web","auth":"bearer"},` +
		`{"name":"Older PACS","url":"http://older:8042/dicom-web","auth":"none"},` +
		`{"name":"Future PACS","url":"http://future:8042/dicom-web","auth":"kerberos"}]`
	if got := prefs.String(PrefPACSServers); got != again {
		t.Errorf("saved again:\n%s\nwant (the server this version cannot read kept as it was)\n%s", got, again)
	}
	if st := p.query.status.Text; !strings.Contains(st, "1 saved server uses an authentication this version does not know") {
		t.Errorf("status line %q does not say a saved server was not shown", st)
	}
}

// TestPACSUnreadableListKept: a saved server list that is no JSON is
// copied aside before anything replaces it, and the tab says so; the
// server added next is saved as the new list.
func TestPACSUnreadableListKept(t *testing.T) {
	const broken = `[{"name":"Half`
	h := newHarness(t, &fakeBackend{})
	prefs := fyne.CurrentApp().Preferences()
	prefs.SetString(PrefPACSServers, broken)
	p := newPACSPanel(h.wb.env, &fakeBackend{}, prefs, &fakeSecrets{m: map[string]string{}}, nil)
	if got := prefs.String(PrefPACSServersUnreadable); got != broken {
		t.Fatalf("kept aside %q, want the unreadable list %q", got, broken)
	}
	if st := p.query.status.Text; !strings.Contains(st, "could not be read") {
		t.Errorf("status line %q does not say the list could not be read", st)
	}
	if err := p.servers.AddServer(PACSServerConfig{Name: "New", URL: "http://new:8042/dicom-web"}, ""); err != nil {
		t.Fatal(err)
	}
	if got := prefs.String(PrefPACSServersUnreadable); got != broken {
		t.Errorf("after a save the kept list is %q, want %q", got, broken)
	}
	if got := prefs.String(PrefPACSServers); !strings.Contains(got, `"name":"New"`) {
		t.Errorf("saved list %q lacks the new server", got)
	}
}

// TestPACSTokenHeaderForm adds a server whose token goes in a header of
// its own, as a user does in the form: choosing "header" enables the
// header's field (and not the user's); the saved server keeps the
// header's name in the preferences and the token in the secret store
// only; a search sends both; Edit… shows them again. A header name that
// cannot carry a token is refused with a dialog naming the server and
// the problem, and nothing is saved.
func TestPACSTokenHeaderForm(t *testing.T) {
	fake := &fakeBackend{}
	fake.pacsStudies = 2
	h := newHarness(t, fake)
	sec := &fakeSecrets{where: "memory"}
	h.wb.shell.info.Secrets = sec
	s := h.wb.shell
	s.tabs.Select(s.pacsTab)
	p := s.pacs

	f := p.serverForm(-1)
	if !f.header.Disabled() {
		t.Error("the token header's field is enabled with no authentication")
	}
	test.Type(f.name, "Gateway")
	test.Type(f.url, testPACSURL)
	f.auth.SetSelected("header")
	if f.header.Disabled() || !f.user.Disabled() || f.secret.Disabled() {
		t.Errorf("header chosen: header disabled %v, user disabled %v, token disabled %v", f.header.Disabled(), f.user.Disabled(), f.secret.Disabled())
	}
	test.Type(f.header, "X-Api-Key")
	test.Type(f.secret, "tok-ui-77")
	f.dlg.Submit()
	saved := fyne.CurrentApp().Preferences().String(PrefPACSServers)
	if !strings.Contains(saved, `"auth":"header","header":"X-Api-Key"`) || strings.Contains(saved, "tok-ui-77") {
		t.Errorf("saved servers %s: want the header's name and not the token", saved)
	}
	if sec.m[SecretPACSPrefix+":Gateway"] != "tok-ui-77" {
		t.Errorf("secret store %v: want the token under the server's name", sec.m)
	}
	h.searchAndWait(p, p.query.search)
	unlock := fake.pblock()
	srv := fake.servers[0]
	unlock()
	if want := (core.PACSServer{URL: testPACSURL, PACSAuth: core.PACSAuth{Token: "tok-ui-77", Header: "X-Api-Key"}}); srv != want {
		t.Errorf("search sent %+v, want %+v", srv, want)
	}
	e := p.serverForm(0)
	if e.auth.Selected != "header" || e.header.Text != "X-Api-Key" || e.secret.Text != "tok-ui-77" || e.header.Disabled() {
		t.Errorf("edit form: auth %q, header %q, token %q, header disabled %v", e.auth.Selected, e.header.Text, e.secret.Text, e.header.Disabled())
	}
	e.dlg.Hide()

	for _, tc := range []struct{ header, want string }{
		{"Authorization", "choose bearer authentication"},
		{"Cookie", "set that header themselves"},
		{"X Api Key", "not an HTTP header name"},
	} {
		b := p.serverForm(-1)
		test.Type(b.name, "Bad gateway")
		test.Type(b.url, "http://gw.example/dicom-web")
		b.auth.SetSelected("header")
		test.Type(b.header, tc.header)
		test.Type(b.secret, "tok-bad-1")
		b.dlg.Submit()
		msg := overlayTexts(h.wb.Window())
		if !strings.Contains(msg, "Bad gateway") || !strings.Contains(msg, tc.want) || strings.Contains(msg, "tok-bad-1") {
			t.Errorf("%q: dialog %q, want the server's name and %q, not the token", tc.header, msg, tc.want)
		}
		if saved := fyne.CurrentApp().Preferences().String(PrefPACSServers); strings.Contains(saved, "Bad gateway") || len(p.servers.list) != 1 || sec.m[SecretPACSPrefix+":Bad gateway"] != "" {
			t.Errorf("%q: saved anyway: %s", tc.header, saved)
		}
		h.wb.Window().Canvas().Overlays().Top().Hide()
	}
}

// TestPACSRenameServer renames a saved server in its form: a save that
// fails (a URL without its scheme) keeps the server as it was; one that
// succeeds replaces it, its password moving to the new name.
func TestPACSRenameServer(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	sec := &fakeSecrets{where: "memory"}
	h.wb.shell.info.Secrets = sec
	p := h.openPACS()
	f := p.serverForm(0)
	f.name.SetText("Renamed PACS")
	f.url.SetText("pacs:8042")
	f.dlg.Submit()
	if len(p.servers.list) != 1 || p.servers.list[0].Name != "Research PACS" || !strings.Contains(overlayTexts(h.wb.Window()), "http(s)://") {
		t.Fatalf("a failed rename: servers %+v, dialog %q", p.servers.list, overlayTexts(h.wb.Window()))
	}
	h.wb.Window().Canvas().Overlays().Top().Hide()
	f = p.serverForm(0)
	f.name.SetText("Renamed PACS")
	f.dlg.Submit()
	if len(p.servers.list) != 1 || p.servers.list[0].Name != "Renamed PACS" || p.servers.picker.Selected != "Renamed PACS" {
		t.Fatalf("renamed: servers %+v, chosen %q", p.servers.list, p.servers.picker.Selected)
	}
	if got := p.savedServer(0); got.Password != "pw-1" || sec.m[SecretPACSPrefix+":Research PACS"] != "" {
		t.Errorf("renamed: password %q, old name's secret %q", got.Password, sec.m[SecretPACSPrefix+":Research PACS"])
	}
}
