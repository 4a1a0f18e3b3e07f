package ui

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// pacsRecent is a study opened from the PACS tab.
type pacsRecent struct {
	Server      string `json:"server"`
	Study       string `json:"study_uid"`
	Date        string `json:"date"`
	Description string `json:"description"`
	Modalities  string `json:"modalities"`
}

// pacsRecentList are the studies opened last, newest first, kept in the
// preferences.
type pacsRecentList struct {
	prefs   fyne.Preferences
	studies []pacsRecent
	list    *widget.List
}

// build reads the recent studies and makes their list; choosing one
// calls open.
func (l *pacsRecentList) build(prefs fyne.Preferences, open func(pacsRecent)) {
	l.prefs = prefs
	_ = json.Unmarshal([]byte(prefs.String(PrefPACSRecent)), &l.studies)
	l.list = widget.NewList(func() int { return len(l.studies) },
		func() fyne.CanvasObject { w := widget.NewLabel(""); w.Truncation = fyne.TextTruncateEllipsis; return w },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(l.studies[i].text()) })
	l.list.OnSelected = func(i widget.ListItemID) {
		l.list.UnselectAll()
		if i < len(l.studies) {
			open(l.studies[i])
		}
	}
}

// add puts r first in the recent studies.
func (l *pacsRecentList) add(r pacsRecent) {
	l.studies = slices.DeleteFunc(l.studies, func(x pacsRecent) bool { return x.Study == r.Study && x.Server == r.Server })
	l.studies = append([]pacsRecent{r}, l.studies...)
	l.studies = l.studies[:min(len(l.studies), maxPACSRecent)]
	b, _ := json.Marshal(l.studies)
	l.prefs.SetString(PrefPACSRecent, string(b))
	l.list.Refresh()
}

// text is r as the list shows it: date · modalities · description (server).
func (r pacsRecent) text() string {
	parts := []string{dicomDate(r.Date)}
	if r.Modalities != "" {
		parts = append(parts, r.Modalities)
	}
	if r.Description != "" {
		parts = append(parts, r.Description)
	}
	return strings.Join(parts, " · ") + " (" + r.Server + ")"
}

// openRecent retrieves a recent study again (from the cache, as far as
// it is there) and opens it.
func (p *pacsPanel) openRecent(r pacsRecent) {
	srv, ok := p.servers.named(r.Server)
	if !ok {
		p.query.showError(fmt.Errorf("the server %s of this study is no longer saved: add it again", r.Server))
		return
	}
	p.retrieve(srv, r.Server, r)
}
