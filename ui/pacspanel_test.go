package ui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

const testPACSURL = "http://pacs.example:8042/dicom-web"

// openPACS selects the PACS tab in a window big enough for it, with one
// saved server using basic authentication.
func (h *harness) openPACS() *pacsPanel {
	h.t.Helper()
	h.wb.Window().Resize(fyne.NewSize(1400, 900))
	s := h.wb.shell
	s.tabs.Select(s.pacsTab)
	p := s.pacs
	if p == nil {
		h.t.Fatal("selecting the PACS tab made no panel")
	}
	p.fetch.every = 0
	if err := p.servers.AddServer(PACSServerConfig{Name: "Research PACS", URL: testPACSURL, Auth: core.PACSAuthBasic, User: "ana"}, "pw-1"); err != nil {
		h.t.Fatal(err)
	}
	return p
}

// cell is the text the table shows at row, col.
func cell(tb *widget.Table, row, col int) string {
	o := tb.CreateCell()
	tb.UpdateCell(widget.TableCellID{Row: row, Col: col}, o)
	return o.(*widget.Label).Text
}

// searchAndWait taps Search and waits for the answer.
func (h *harness) searchAndWait(p *pacsPanel, tap *widget.Button) {
	h.t.Helper()
	n := h.fake.pacsQueries()
	test.Tap(tap)
	h.waitFor("the search", waitTimeout, func() bool { return h.fake.pacsQueries() > n && !p.query.search.Disabled() })
}

func (f *fakePACS) fetches() []int {
	defer f.pblock()()
	return slices.Clone(f.fetched)
}

func (f *fakePACS) query(i int) core.PACSQuery {
	defer f.pblock()()
	return f.queries[i]
}

func (f *fakePACS) setPACSErr(s string) {
	defer f.pblock()()
	f.pacsErr = s
}

func (f *fakePACS) pacsQueries() int {
	defer f.pblock()()
	return len(f.queries)
}

// TestPACSSearchFillsTableAndPages searches with the form, sees the
// studies in the table with the server's credentials sent, and pages
// through them.
func TestPACSSearchFillsTableAndPages(t *testing.T) {
	fake := &fakeBackend{}
	fake.pacsStudies, fake.pacsInstances = 30, 4
	h := newHarness(t, fake)
	p := h.openPACS()

	test.Type(p.query.modality, "ct")
	test.Type(p.query.dateFrom, "2006-12-01")
	test.Type(p.query.dateTo, "20061231")
	test.Type(p.query.patientName, "DOE^*")
	h.searchAndWait(p, p.query.search)
	unlock := fake.pblock()
	q, srv := fake.queries[0], fake.servers[0]
	unlock()
	if q.Modality != "CT" || q.DateFrom != "20061201" || q.DateTo != "20061231" || q.PatientName != "DOE^*" || q.Limit != pacsPageSize || q.Offset != 0 {
		t.Errorf("query %+v: want the form's fields, CT, the dates as YYYYMMDD, the first page", q)
	}
	if srv != (core.PACSServer{URL: testPACSURL, PACSAuth: core.PACSAuth{User: "ana", Password: "pw-1"}}) {
		t.Errorf("server %+v: want the saved server with its user and password", srv)
	}
	if rows, _ := p.results.table.Length(); rows != pacsPageSize {
		t.Fatalf("table has %d rows, want a page of %d", rows, pacsPageSize)
	}
	if got := []string{cell(p.results.table, 0, 0), cell(p.results.table, 0, 2), cell(p.results.table, 0, 3), cell(p.results.table, 0, 4), cell(p.results.table, 0, 7)}; strings.Join(got, "|") != "DOE PAT1|2006-12-02|CT|Head study 1|4" {
		t.Errorf("first row %q", got)
	}
	if !strings.Contains(p.query.status.Text, "25 studies on Research PACS") || p.query.page.Text != "Studies 1–25" || p.query.next.Disabled() || !p.query.prev.Disabled() {
		t.Errorf("status %q, page %q, next disabled %v, prev disabled %v", p.query.status.Text, p.query.page.Text, p.query.next.Disabled(), p.query.prev.Disabled())
	}

	h.searchAndWait(p, p.query.next)
	if q := fake.query(1); q.Offset != pacsPageSize || q.Modality != "CT" {
		t.Errorf("Next asked %+v, want the same query at offset %d", q, pacsPageSize)
	}
	if rows, _ := p.results.table.Length(); rows != 5 || cell(p.results.table, 0, 4) != "Head study 26" || p.query.page.Text != "Studies 26–30" || !p.query.next.Disabled() || p.query.prev.Disabled() {
		t.Errorf("second page: %d rows, first %q, page %q, next disabled %v", rows, cell(p.results.table, 0, 4), p.query.page.Text, p.query.next.Disabled())
	}
	h.searchAndWait(p, p.query.prev)
	if q := fake.query(2); q.Offset != 0 || cell(p.results.table, 0, 4) != "Head study 1" {
		t.Errorf("Previous asked offset %d, shows %q", q.Offset, cell(p.results.table, 0, 4))
	}

	// Choosing a study lists its series.
	p.results.table.Select(widget.TableCellID{Row: 1, Col: 0})
	h.waitFor("the series", waitTimeout, func() bool { return len(p.results.series) == 1 })
	if cell(p.results.seriesTable, 0, 2) != "Axial 2" || cell(p.results.seriesTable, 0, 3) != "4" || p.fetch.open.Disabled() {
		t.Errorf("series row %q %q, open disabled %v", cell(p.results.seriesTable, 0, 2), cell(p.results.seriesTable, 0, 3), p.fetch.open.Disabled())
	}
	// The tab may have been hidden by the window meanwhile (AppTabs hides
	// the tabs not shown); the markup is of the tab itself.
	p.content.Show()
	assertMarkup(t, "pacs_results.xml", p.content)

	// A bad date is refused before anything is sent.
	test.Type(p.query.dateTo, "x")
	n := fake.pacsQueries()
	test.Tap(p.query.search)
	if fake.pacsQueries() != n || !strings.Contains(p.query.status.Text, "YYYYMMDD") {
		t.Errorf("bad date: %d queries sent, status %q", fake.pacsQueries()-n, p.query.status.Text)
	}
}

// TestPACSOpenRetrievesThenOpens opens a study: the retrieve's progress
// shows, Cancel stops it, a second try fetches only the rest, and the
// folder then opens in the viewer; the study is among the recent ones,
// which open it again.
func TestPACSOpenRetrievesThenOpens(t *testing.T) {
	fake := &fakeBackend{}
	fake.pacsStudies, fake.pacsInstances = 3, 4
	dir := t.TempDir()
	src, err := os.ReadFile(dicomtest.File(t, "3.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "mr.dcm"), src, 0o600); err != nil {
		t.Fatal(err)
	}
	fake.dir = dir
	fake.pstep = make(chan struct{})
	h := newHarness(t, fake)
	p := h.openPACS()
	h.searchAndWait(p, p.query.search)
	p.results.table.Select(widget.TableCellID{Row: 2, Col: 0})
	h.waitFor("the series", waitTimeout, func() bool { return len(p.results.series) == 1 })

	test.Tap(p.fetch.open)
	fake.pstep <- struct{}{}
	h.waitFor("the first instance", waitTimeout, func() bool { return p.fetch.bar.Value == 0.25 })
	if !strings.HasPrefix(p.fetch.text.Text, "1/4 instances, 1 MiB fetched") || p.fetch.cancel.Disabled() || !p.fetch.open.Disabled() {
		t.Errorf("progress %q, cancel disabled %v, open disabled %v", p.fetch.text.Text, p.fetch.cancel.Disabled(), p.fetch.open.Disabled())
	}
	test.Tap(p.fetch.cancel)
	h.waitFor("the cancel", waitTimeout, func() bool { return !p.retrieving() })
	if !strings.Contains(p.fetch.text.Text, "Cancelled: 1 instances kept") || p.fetch.open.Disabled() || h.wb.pane.viewer.Image() != nil {
		t.Errorf("after Cancel: %q, open disabled %v, image shown %v", p.fetch.text.Text, p.fetch.open.Disabled(), h.wb.pane.viewer.Image() != nil)
	}

	fake.pstep = nil
	test.Tap(p.fetch.open)
	h.waitFor("the image to be shown", waitTimeout, func() bool { return h.wb.pane.viewer.Image() != nil })
	if fake.fetches()[1] != 3 {
		t.Errorf("the second retrieve fetched %d instances, want the 3 missing", fake.fetches()[1])
	}
	if h.wb.shell.tabs.Selected() != h.wb.shell.workbenchTab || !strings.HasPrefix(h.wb.pane.imageInfo.Text, "mr.dcm") {
		t.Errorf("after the retrieve the window shows %q, image %q; want the viewer on mr.dcm", h.wb.shell.tabs.Selected().Text, h.wb.pane.imageInfo.Text)
	}
	if len(p.recent.studies) != 1 || p.recent.studies[0].Study != "1.2.3" || !strings.Contains(p.recent.studies[0].text(), "Head study 3 (Research PACS)") {
		t.Fatalf("recent studies %+v", p.recent.studies)
	}
	h.wb.shell.tabs.Select(h.wb.shell.pacsTab)
	p.recent.list.Select(0)
	h.waitFor("the recent study's retrieve", waitTimeout, func() bool {
		return len(fake.fetches()) == 3 && !p.retrieving() && h.wb.shell.tabs.Selected() == h.wb.shell.workbenchTab
	})
	if fake.fetches()[2] != 0 || h.wb.shell.tabs.Selected() != h.wb.shell.workbenchTab {
		t.Errorf("a recent study retrieved again fetched %d instances (want 0: it is cached), tab %q", fake.fetches()[2], h.wb.shell.tabs.Selected().Text)
	}
}

// TestPACSErrorsNameTheServer shows each failure in the tab's status,
// naming the server.
func TestPACSErrorsNameTheServer(t *testing.T) {
	fake := &fakeBackend{}
	fake.pacsStudies = 2
	h := newHarness(t, fake)
	s := h.wb.shell
	s.tabs.Select(s.pacsTab)
	p := s.pacs
	test.Tap(p.query.search)
	if !strings.Contains(p.query.status.Text, "Add server") || fake.pacsQueries() != 0 {
		t.Errorf("search without a server: status %q, %d queries", p.query.status.Text, fake.pacsQueries())
	}
	if err := p.servers.AddServer(PACSServerConfig{Name: "x", URL: "pacs:8042"}, ""); err == nil || !strings.Contains(err.Error(), "http(s)://") {
		t.Errorf("a URL without its scheme: %v", err)
	}
	p = h.openPACS()
	fake.setPACSErr("answered 401 Unauthorized: check the user and password")
	h.searchAndWait(p, p.query.search)
	if msg := p.query.status.Text; !strings.Contains(msg, "Search Research PACS") || !strings.Contains(msg, testPACSURL) || !strings.Contains(msg, "401") || p.query.status.Importance != widget.DangerImportance {
		t.Errorf("status %q (importance %v): want the failure naming the server", msg, p.query.status.Importance)
	}
	if rows, _ := p.results.table.Length(); rows != 0 {
		t.Errorf("a failed search shows %d rows", rows)
	}
	fake.setPACSErr("")
	h.searchAndWait(p, p.query.search)
	p.results.table.Select(widget.TableCellID{Row: 0, Col: 0})
	h.waitFor("the series", waitTimeout, func() bool { return len(p.results.series) == 1 })
	fake.setPACSErr("does not answer: is it running?")
	test.Tap(p.fetch.open)
	h.waitFor("the retrieve to fail", waitTimeout, func() bool {
		return !p.retrieving() && strings.Contains(p.query.status.Text, "Retrieve from Research PACS")
	})
	if !strings.Contains(p.query.status.Text, testPACSURL+" does not answer") || h.wb.pane.viewer.Image() != nil {
		t.Errorf("status %q after a failed retrieve", p.query.status.Text)
	}
}

// TestPACSShortcutAndMenu brings the PACS tab up with its shortcut and
// finds it in the View menu and the shortcuts dialog.
func TestPACSShortcutAndMenu(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	s, win := h.wb.shell, h.wb.Window()
	win.Canvas().(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyP, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift})
	if s.tabs.Selected() != s.pacsTab || s.pacs == nil || s.pacsTab.Content != s.pacs.content {
		t.Errorf("Ctrl+Shift+P selected %q", s.tabs.Selected().Text)
	}
	var view []string
	for _, it := range win.MainMenu().Items[1].Items {
		view = append(view, it.Label)
	}
	if !slices.Contains(view, "PACS") {
		t.Errorf("View menu %q lacks PACS", view)
	}
	s.showShortcuts()
	if txt := overlayTexts(win); !strings.Contains(txt, "Ctrl+Shift+P\nShow the PACS tab") {
		t.Errorf("shortcuts dialog %q lacks Ctrl+Shift+P", txt)
	}
}
