package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// This file is the PACS tab's panel and its layout. Each of its parts is
// its own struct with the methods that own its state, in its own file:
// the saved servers (pacspanel_servers.go) and their form
// (pacspanel_form.go), the search form (pacspanel_query.go), the studies
// and series found (pacspanel_results.go), the retrieve
// (pacspanel_retrieve.go) and the recent studies (pacspanel_recent.go).
// What spans parts (a search fills the results, a retrieve adds a recent
// study) is a method of pacsPanel, in the file of the part it starts in.

// Preference keys of the PACS tab.
const (
	// PrefPACSServers holds the saved servers, as JSON (PACSServerConfig
	// without its password or token, which are in the SecretStore).
	PrefPACSServers = "pacs.servers"
	// PrefPACSServersUnreadable keeps a saved server list that was no
	// JSON when it was read, so that the next save does not lose it.
	PrefPACSServersUnreadable = "pacs.servers.unreadable"
	// PrefPACSRecent holds the studies opened last, newest first, as
	// JSON.
	PrefPACSRecent = "pacs.recent"
	// PrefPACSServer is the name of the server chosen last.
	PrefPACSServer = "pacs.server"
)

// SecretPACSPrefix, followed by ":" and a saved server's name, is the
// SecretStore name of that server's password or token.
const SecretPACSPrefix = "pacs-password"

// pacsPageSize is how many studies one page of results shows.
const pacsPageSize = 25

// maxPACSRecent is how many recent studies the tab keeps.
const maxPACSRecent = 10

// pacsPanel is the PACS tab: the saved servers, the search form, a page
// of studies, the chosen study's series, the retrieve's progress and the
// recent studies. It is used only on the UI goroutine.
type pacsPanel struct {
	env     *tabEnv
	backend PACSBackend

	servers pacsServers    // the saved servers and the picker
	query   pacsQueryForm  // the search form, its status line and paging
	results pacsResults    // a page of studies and the chosen study's series
	fetch   pacsRetrieval  // Retrieve and open, its progress and Cancel
	recent  pacsRecentList // the studies opened last

	content fyne.CanvasObject
}

func newPACSPanel(env *tabEnv, b PACSBackend, prefs fyne.Preferences, secrets SecretStore, openFolder func(string)) *pacsPanel {
	p := &pacsPanel{env: env, backend: b}
	p.servers.build(env, prefs, secrets)
	p.query.build(p.searchTapped, p.find)
	if note := p.servers.unreadNote(); note != "" {
		p.query.status.SetText(note + p.query.status.Text)
	}
	p.results.build(p.selectStudy)
	p.fetch.build(p.openTapped, openFolder)
	p.recent.build(prefs, p.openRecent)

	side := container.NewVSplit(
		container.NewBorder(widget.NewLabelWithStyle("Series", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, p.results.seriesTable),
		container.NewBorder(widget.NewLabelWithStyle("Recent studies", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, p.recent.list))
	results := container.NewHSplit(p.results.table, side)
	results.Offset = 0.68
	p.content = container.NewBorder(container.NewVBox(p.servers.layout(), p.query.form(), p.query.paging()), p.fetch.layout(), nil, nil, results)
	return p
}

// defaultEvery is how often a retrieve's progress is drawn at most.
const defaultEvery = 17 * time.Millisecond
