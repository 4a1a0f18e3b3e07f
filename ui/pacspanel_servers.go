package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// PACSServerConfig is a saved DICOMweb server: what the Servers form
// holds. Its secret (the password or token) is kept apart. Auth is
// saved by its name (core.PACSAuthKind's String: "none", "basic",
// "bearer", "header"), as the tab has always saved it.
type PACSServerConfig struct {
	Name string            `json:"name"`
	URL  string            `json:"url"`
	Auth core.PACSAuthKind `json:"auth"`
	User string            `json:"user,omitempty"`
	// Header names the header the token goes in (PACSAuthHeader), e.g.
	// X-Api-Key; not a secret.
	Header string `json:"header,omitempty"`
}

// pacsServers are the PACS tab's saved servers: the list in the
// preferences, their secrets (a password or token) in the SecretStore,
// and the row that picks, adds, edits and removes them.
type pacsServers struct {
	env     *tabEnv
	prefs   fyne.Preferences
	secrets SecretStore
	// memSecrets keeps the secrets when there is no SecretStore.
	memSecrets map[string]string

	list []PACSServerConfig
	// unread are the saved entries this version cannot read (an
	// authentication a newer version added): they are written back as
	// they were, after list, so that no save loses them.
	unread []json.RawMessage
	// unreadList is set when the whole saved list was no JSON.
	unreadList        bool
	picker            *widget.Select
	add, edit, remove *widget.Button
}

func (s *pacsServers) build(env *tabEnv, prefs fyne.Preferences, secrets SecretStore) {
	s.env, s.prefs, s.secrets, s.memSecrets = env, prefs, secrets, map[string]string{}
	s.load()
	s.picker = widget.NewSelect(nil, func(string) { s.prefs.SetString(PrefPACSServer, s.picker.Selected) })
	s.picker.PlaceHolder = "(add a server)"
	s.add = widget.NewButton("Add server…", func() { s.showForm(PACSServerConfig{Auth: core.PACSAuthNone}, -1) })
	s.edit = widget.NewButton("Edit…", func() {
		if i := s.index(); i >= 0 {
			s.showForm(s.list[i], i)
		}
	})
	s.remove = widget.NewButton("Remove", s.removeTapped)
	s.refresh(s.prefs.String(PrefPACSServer))
}

// layout is the row of the picker and its buttons.
func (s *pacsServers) layout() fyne.CanvasObject {
	return container.NewBorder(nil, nil, widget.NewLabel("Server"), container.NewHBox(s.add, s.edit, s.remove), s.picker)
}

// load reads the saved servers. A server that cannot be read (an
// authentication this version does not know) is kept aside, unchanged,
// and written back by save; a list that is no JSON at all is copied to
// PrefPACSServersUnreadable before anything replaces it.
func (s *pacsServers) load() {
	saved := s.prefs.String(PrefPACSServers)
	var raw []json.RawMessage
	if saved != "" && json.Unmarshal([]byte(saved), &raw) != nil {
		s.prefs.SetString(PrefPACSServersUnreadable, saved)
		s.unreadList = true
		return
	}
	for _, r := range raw {
		var c PACSServerConfig
		if json.Unmarshal(r, &c) == nil {
			s.list = append(s.list, c)
		} else {
			s.unread = append(s.unread, r)
		}
	}
}

// unreadNote says how many saved servers this version cannot read, for
// the status line; "" when it reads them all.
func (s *pacsServers) unreadNote() string {
	switch n := len(s.unread); {
	case s.unreadList:
		return "The saved server list could not be read; it is kept aside as it was (preference " + PrefPACSServersUnreadable + "). "
	case n == 0:
		return ""
	case n == 1:
		return "1 saved server uses an authentication this version does not know; it is kept as it was, not shown. "
	default:
		return fmt.Sprintf("%d saved servers use an authentication this version does not know; they are kept as they were, not shown. ", n)
	}
}

func (s *pacsServers) save() {
	all := make([]any, 0, len(s.list)+len(s.unread))
	for _, c := range s.list {
		all = append(all, c)
	}
	for _, r := range s.unread {
		all = append(all, r)
	}
	b, _ := json.Marshal(all)
	s.prefs.SetString(PrefPACSServers, string(b))
}

// refresh fills the server picker and chooses name (else the first
// server).
func (s *pacsServers) refresh(name string) {
	var names []string
	for _, c := range s.list {
		names = append(names, c.Name)
	}
	s.picker.SetOptions(names)
	switch {
	case slices.Contains(names, name):
		s.picker.SetSelected(name)
	case len(names) > 0:
		s.picker.SetSelected(names[0])
	default:
		s.picker.ClearSelected()
	}
	if len(names) == 0 {
		s.edit.Disable()
		s.remove.Disable()
	} else {
		s.edit.Enable()
		s.remove.Enable()
	}
}

// index is the chosen server's index in s.list, or -1.
func (s *pacsServers) index() int {
	return slices.IndexFunc(s.list, func(c PACSServerConfig) bool { return c.Name == s.picker.Selected })
}

func secretName(server string) string { return SecretPACSPrefix + ":" + server }

func (s *pacsServers) secret(server string) string {
	if s.secrets == nil {
		return s.memSecrets[server]
	}
	v, _ := s.secrets.Get(secretName(server))
	return v
}

func (s *pacsServers) setSecret(server, value string) error {
	if s.secrets == nil {
		s.memSecrets[server] = value
		return nil
	}
	return s.secrets.Set(secretName(server), value)
}

// trimmed is c without spaces around its name and URL, named by its URL
// when it has no name.
func (c PACSServerConfig) trimmed() PACSServerConfig {
	c.Name, c.URL = strings.TrimSpace(c.Name), strings.TrimSpace(c.URL)
	if c.Name == "" {
		c.Name = c.URL
	}
	return c
}

// AddServer saves cfg with its password or token (replacing a server of
// the same name) and chooses it.
func (s *pacsServers) AddServer(cfg PACSServerConfig, secret string) error {
	cfg = cfg.trimmed()
	if cfg.URL == "" || !strings.HasPrefix(cfg.URL, "http://") && !strings.HasPrefix(cfg.URL, "https://") {
		return fmt.Errorf("server %q: give its DICOMweb root as http(s)://HOST:PORT/PATH, e.g. http://pacs:8042/dicom-web", cfg.URL)
	}
	if cfg.Auth == core.PACSAuthHeader {
		if err := (core.PACSAuth{Token: secret, Header: cfg.Header}).Check(); err != nil {
			return fmt.Errorf("server %s: %w", cfg.Name, err)
		}
	}
	if cfg.Auth != core.PACSAuthNone {
		if err := s.setSecret(cfg.Name, secret); err != nil {
			return fmt.Errorf("keep the password of %s: %w", cfg.Name, err)
		}
	}
	if i := slices.IndexFunc(s.list, func(c PACSServerConfig) bool { return c.Name == cfg.Name }); i >= 0 {
		s.list[i] = cfg
	} else {
		s.list = append(s.list, cfg)
	}
	s.save()
	s.refresh(cfg.Name)
	return nil
}

func (s *pacsServers) removeTapped() {
	i := s.index()
	if i < 0 {
		return
	}
	name := s.list[i].Name
	dialog.ShowConfirm("Remove "+name+"?", "The workbench forgets this server and its password. Retrieved studies stay in the cache.", func(ok bool) {
		if !ok {
			return
		}
		_ = s.setSecret(name, "")
		s.list = slices.Delete(s.list, i, i+1)
		s.save()
		s.refresh("")
	}, s.env.win)
}

// chosen is the chosen server with its credentials, and its name.
func (s *pacsServers) chosen() (core.PACSServer, string, error) {
	i := s.index()
	if i < 0 {
		return core.PACSServer{}, "", errors.New("no PACS server chosen: add one with Add server… (its DICOMweb root, e.g. http://pacs:8042/dicom-web)")
	}
	return s.serverOf(s.list[i]), s.list[i].Name, nil
}

// named is the saved server called name with its credentials.
func (s *pacsServers) named(name string) (core.PACSServer, bool) {
	i := slices.IndexFunc(s.list, func(c PACSServerConfig) bool { return c.Name == name })
	if i < 0 {
		return core.PACSServer{}, false
	}
	return s.serverOf(s.list[i]), true
}

// serverOf is c with its secret, as its authentication sends it.
func (s *pacsServers) serverOf(c PACSServerConfig) core.PACSServer {
	srv := core.PACSServer{URL: c.URL}
	switch c.Auth {
	case core.PACSAuthBasic:
		srv.User, srv.Password = c.User, s.secret(c.Name)
	case core.PACSAuthBearer:
		srv.Token = s.secret(c.Name)
	case core.PACSAuthHeader:
		srv.Token, srv.Header = s.secret(c.Name), c.Header
	}
	return srv
}
