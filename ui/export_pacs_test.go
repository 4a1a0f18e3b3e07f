package ui

// Accessors of the PACS tab for its tests: what they read of its parts,
// kept out of the production build.

import "github.com/medgemma-workbench/medgemma-workbench/internal/core"

// retrieving reports whether a retrieve runs.
func (p *pacsPanel) retrieving() bool { return p.fetch.running != nil }

// savedServer is saved server i with its credentials, as a search sends
// it.
func (p *pacsPanel) savedServer(i int) core.PACSServer {
	return p.servers.serverOf(p.servers.list[i])
}

// serverForm opens the server form on saved server i, as Edit… does
// when it is chosen, or on a new server for i < 0, as Add server… does;
// it returns the form shown.
func (p *pacsPanel) serverForm(i int) *serverForm {
	if i < 0 {
		return p.servers.showForm(PACSServerConfig{}, -1)
	}
	return p.servers.showForm(p.servers.list[i], i)
}
