package ui

import (
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// pacsAuthKinds are the authentications the server form offers, in its
// order.
var pacsAuthKinds = []core.PACSAuthKind{core.PACSAuthNone, core.PACSAuthBasic, core.PACSAuthBearer, core.PACSAuthHeader}

// serverForm is the form that adds or edits a saved server: its name,
// DICOMweb root and credentials.
type serverForm struct {
	dlg                             *dialog.FormDialog
	name, url, user, header, secret *widget.Entry
	auth                            *widget.Select
}

// config is the server the form describes (its secret apart).
func (f *serverForm) config() PACSServerConfig {
	kind, _ := core.ParsePACSAuthKind(f.auth.Selected)
	c := PACSServerConfig{Name: f.name.Text, URL: f.url.Text, Auth: kind}
	switch kind {
	case core.PACSAuthBasic:
		c.User = f.user.Text
	case core.PACSAuthHeader:
		c.Header = strings.TrimSpace(f.header.Text)
	}
	return c
}

// authChosen enables the fields the authentication kind uses.
func (f *serverForm) authChosen(kind core.PACSAuthKind) {
	enable(f.user, kind == core.PACSAuthBasic)
	enable(f.header, kind == core.PACSAuthHeader)
	enable(f.secret, kind != core.PACSAuthNone)
}

// enable enables or disables w.
func enable(w fyne.Disableable, on bool) {
	if on {
		w.Enable()
	} else {
		w.Disable()
	}
}

// showForm asks for a server's name, URL and credentials and saves them;
// i is the server edited, or -1 for a new one.
func (s *pacsServers) showForm(cfg PACSServerConfig, i int) *serverForm {
	f := &serverForm{name: widget.NewEntry(), url: widget.NewEntry(), user: widget.NewEntry(), header: widget.NewEntry(), secret: widget.NewPasswordEntry()}
	f.name.SetText(cfg.Name)
	f.name.SetPlaceHolder("Research PACS")
	f.url.SetText(cfg.URL)
	f.url.SetPlaceHolder("http://pacs:8042/dicom-web")
	f.user.SetText(cfg.User)
	f.header.SetText(cfg.Header)
	f.header.SetPlaceHolder("X-Api-Key")
	if i >= 0 {
		f.secret.SetText(s.secret(cfg.Name))
	}
	var names []string
	for _, k := range pacsAuthKinds {
		names = append(names, k.String())
	}
	f.auth = widget.NewSelect(names, func(a string) {
		kind, _ := core.ParsePACSAuthKind(a)
		f.authChosen(kind)
	})
	f.auth.SetSelected(cfg.Auth.String())
	title := "Add a DICOMweb server"
	if i >= 0 {
		title = "Edit " + cfg.Name
	}
	f.dlg = dialog.NewForm(title, "Save", "Cancel", []*widget.FormItem{
		widget.NewFormItem("Name", f.name), widget.NewFormItem("DICOMweb root", f.url),
		widget.NewFormItem("Authentication", f.auth), widget.NewFormItem("User", f.user),
		widget.NewFormItem("Token header", f.header), widget.NewFormItem("Password or token", f.secret),
	}, func(ok bool) {
		if !ok {
			return
		}
		c := f.config().trimmed()
		if err := s.AddServer(c, f.secret.Text); err != nil {
			s.env.showError(err)
			return
		}
		if i >= 0 && i < len(s.list) && s.list[i].Name != c.Name {
			// Renamed: the server under its old name goes, with its secret.
			_ = s.setSecret(s.list[i].Name, "")
			s.list = slices.Delete(s.list, i, i+1)
			s.save()
			s.refresh(c.Name)
		}
	}, s.env.win)
	f.dlg.Resize(fyne.NewSize(560, 400))
	f.dlg.Show()
	return f
}
