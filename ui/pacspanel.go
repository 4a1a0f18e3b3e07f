package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// Preference keys of the PACS tab.
const (
	// PrefPACSServers holds the saved servers, as JSON (PACSServerConfig
	// without its password or token, which are in the SecretStore).
	PrefPACSServers = "pacs.servers"
	// PrefPACSRecent holds the studies opened last, newest first, as
	// JSON.
	PrefPACSRecent = "pacs.recent"
	// PrefPACSServer is the name of the server chosen last.
	PrefPACSServer = "pacs.server"
)

// SecretPACSPrefix, followed by ":" and a saved server's name, is the
// SecretStore name of that server's password or token.
const SecretPACSPrefix = "pacs-password"

// The authentications a saved server may use.
const (
	PACSAuthNone   = "none"
	PACSAuthBasic  = "basic"
	PACSAuthBearer = "bearer"
)

// pacsPageSize is how many studies one page of results shows.
const pacsPageSize = 25

// maxPACSRecent is how many recent studies the tab keeps.
const maxPACSRecent = 10

// PACSServerConfig is a saved DICOMweb server: what the Servers form
// holds. Its secret (the password or token) is kept apart.
type PACSServerConfig struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	Auth string `json:"auth"` // PACSAuthNone, PACSAuthBasic or PACSAuthBearer
	User string `json:"user,omitempty"`
}

// pacsRecent is a study opened from the PACS tab.
type pacsRecent struct {
	Server      string `json:"server"`
	Study       string `json:"study_uid"`
	Date        string `json:"date"`
	Description string `json:"description"`
	Modalities  string `json:"modalities"`
}

// pacsPanel is the PACS tab: the saved servers, the search form, a page
// of studies, the chosen study's series, the retrieve's progress and the
// recent studies. It is used only on the UI goroutine.
type pacsPanel struct {
	env     *tabEnv
	backend PACSBackend
	prefs   fyne.Preferences
	secrets SecretStore
	// openFolder opens a retrieved folder in the viewer.
	openFolder func(dir string)
	// every is how often the progress is drawn at most.
	every time.Duration

	servers []PACSServerConfig
	// memSecrets keeps the secrets when there is no SecretStore.
	memSecrets map[string]string

	serverSelect                             *widget.Select
	addServer, editServer, removeServer      *widget.Button
	patientID, patientName, dateFrom, dateTo *widget.Entry
	modality, accession, description         *widget.Entry
	search, prev, next, open, cancel         *widget.Button
	status, page, progressText               *widget.Label
	bar                                      *widget.ProgressBar
	table, seriesTable                       *widget.Table
	recentList                               *widget.List
	studies                                  []core.PACSStudy
	series                                   []core.PACSSeries
	recent                                   []pacsRecent
	query                                    core.PACSQuery // the query of the page shown
	selected                                 int            // the study chosen in the table, or -1
	searchSeq, seriesSeq                     int
	retrieving                               context.CancelFunc // while a retrieve runs
	serverForm                               *dialog.FormDialog // the last server form, for tests
	formName, formURL, formUser, formSecret  *widget.Entry
	formAuth                                 *widget.Select
	content                                  fyne.CanvasObject
}

// studyColumns are the result table's headings.
var studyColumns = []string{"Patient", "Patient ID", "Date", "Modality", "Description", "Accession", "Series", "Instances"}

// seriesColumns are the series table's headings.
var seriesColumns = []string{"#", "Modality", "Description", "Instances"}

func newPACSPanel(env *tabEnv, b PACSBackend, prefs fyne.Preferences, secrets SecretStore, openFolder func(string)) *pacsPanel {
	p := &pacsPanel{env: env, backend: b, prefs: prefs, secrets: secrets, openFolder: openFolder,
		every: 17 * time.Millisecond, selected: -1, memSecrets: map[string]string{}}
	p.loadPrefs()

	p.serverSelect = widget.NewSelect(nil, func(string) { p.prefs.SetString(PrefPACSServer, p.serverSelect.Selected) })
	p.serverSelect.PlaceHolder = "(add a server)"
	p.addServer = widget.NewButton("Add server…", func() { p.showServerForm(PACSServerConfig{Auth: PACSAuthNone}, -1) })
	p.editServer = widget.NewButton("Edit…", func() {
		if i := p.serverIndex(); i >= 0 {
			p.showServerForm(p.servers[i], i)
		}
	})
	p.removeServer = widget.NewButton("Remove", p.removeTapped)
	p.refreshServers(p.prefs.String(PrefPACSServer))

	entry := func(hint string) *widget.Entry {
		e := widget.NewEntry()
		e.SetPlaceHolder(hint)
		e.OnSubmitted = func(string) { p.searchTapped() }
		return e
	}
	p.patientID, p.patientName = entry("ID, wildcards * ?"), entry("DOE^J*")
	p.dateFrom, p.dateTo = entry("YYYYMMDD"), entry("YYYYMMDD")
	p.modality, p.accession, p.description = entry("CT, MR, CR…"), entry(""), entry("wildcards * ?")
	p.search = widget.NewButton("Search", p.searchTapped)
	p.search.Importance = widget.HighImportance
	p.prev = widget.NewButton("Previous", func() { p.find(max(p.query.Offset-pacsPageSize, 0)) })
	p.next = widget.NewButton("Next", func() { p.find(p.query.Offset + pacsPageSize) })
	p.prev.Disable()
	p.next.Disable()
	p.page = widget.NewLabel("")
	p.status = widget.NewLabel("Choose a server and search.")
	p.status.Wrapping = fyne.TextWrapWord

	p.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(p.studies), len(studyColumns) },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Truncation = fyne.TextTruncateEllipsis; return l },
		func(id widget.TableCellID, o fyne.CanvasObject) { o.(*widget.Label).SetText(p.studyCell(id)) })
	p.table.ShowHeaderColumn = false
	p.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	p.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row < 0 && id.Col >= 0 {
			o.(*widget.Label).SetText(studyColumns[id.Col])
		}
	}
	for i, w := range []float32{180, 150, 100, 80, 240, 110, 60, 80} {
		p.table.SetColumnWidth(i, w)
	}
	p.table.OnSelected = func(id widget.TableCellID) { p.selectStudy(id.Row) }

	p.seriesTable = widget.NewTableWithHeaders(
		func() (int, int) { return len(p.series), len(seriesColumns) },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Truncation = fyne.TextTruncateEllipsis; return l },
		func(id widget.TableCellID, o fyne.CanvasObject) { o.(*widget.Label).SetText(p.seriesCell(id)) })
	p.seriesTable.ShowHeaderColumn = false
	p.seriesTable.CreateHeader = p.table.CreateHeader
	p.seriesTable.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row < 0 && id.Col >= 0 {
			o.(*widget.Label).SetText(seriesColumns[id.Col])
		}
	}
	for i, w := range []float32{50, 80, 260, 80} {
		p.seriesTable.SetColumnWidth(i, w)
	}

	p.open = widget.NewButton("Retrieve and open", p.openTapped)
	p.open.Importance = widget.HighImportance
	p.open.Disable()
	p.cancel = widget.NewButton("Cancel", p.cancelTapped)
	p.cancel.Disable()
	p.bar = widget.NewProgressBar()
	p.progressText = widget.NewLabel("")
	p.progressText.Truncation = fyne.TextTruncateEllipsis

	p.recentList = widget.NewList(func() int { return len(p.recent) },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Truncation = fyne.TextTruncateEllipsis; return l },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(p.recentText(p.recent[i])) })
	p.recentList.OnSelected = func(i widget.ListItemID) {
		p.recentList.UnselectAll()
		if i < len(p.recent) {
			p.openRecent(p.recent[i])
		}
	}

	servers := container.NewBorder(nil, nil, widget.NewLabel("Server"), container.NewHBox(p.addServer, p.editServer, p.removeServer), p.serverSelect)
	form := container.NewGridWithColumns(2,
		container.New(layout.NewFormLayout(),
			widget.NewLabel("Patient ID"), p.patientID, widget.NewLabel("Date from"), p.dateFrom,
			widget.NewLabel("Modality"), p.modality, widget.NewLabel("Description"), p.description),
		container.New(layout.NewFormLayout(),
			widget.NewLabel("Patient name"), p.patientName, widget.NewLabel("Date to"), p.dateTo,
			widget.NewLabel("Accession"), p.accession, widget.NewLabel(""), p.search))
	paging := container.NewBorder(nil, nil, nil, container.NewHBox(p.page, p.prev, p.next), p.status)
	retrieve := container.NewBorder(nil, nil, nil, container.NewHBox(p.open, p.cancel), container.NewVBox(p.bar, p.progressText))
	side := container.NewVSplit(
		container.NewBorder(widget.NewLabelWithStyle("Series", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, p.seriesTable),
		container.NewBorder(widget.NewLabelWithStyle("Recent studies", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, p.recentList))
	results := container.NewHSplit(p.table, side)
	results.Offset = 0.68
	p.content = container.NewBorder(container.NewVBox(servers, form, paging), retrieve, nil, nil, results)
	return p
}

// loadPrefs reads the saved servers and the recent studies.
func (p *pacsPanel) loadPrefs() {
	_ = json.Unmarshal([]byte(p.prefs.String(PrefPACSServers)), &p.servers)
	_ = json.Unmarshal([]byte(p.prefs.String(PrefPACSRecent)), &p.recent)
}

func (p *pacsPanel) saveServers() {
	b, _ := json.Marshal(p.servers)
	p.prefs.SetString(PrefPACSServers, string(b))
}

// refreshServers fills the server picker and chooses name (else the
// first server).
func (p *pacsPanel) refreshServers(name string) {
	var names []string
	for _, s := range p.servers {
		names = append(names, s.Name)
	}
	p.serverSelect.SetOptions(names)
	switch {
	case slices.Contains(names, name):
		p.serverSelect.SetSelected(name)
	case len(names) > 0:
		p.serverSelect.SetSelected(names[0])
	default:
		p.serverSelect.ClearSelected()
	}
	if len(names) == 0 {
		p.editServer.Disable()
		p.removeServer.Disable()
	} else {
		p.editServer.Enable()
		p.removeServer.Enable()
	}
}

// serverIndex is the chosen server's index in p.servers, or -1.
func (p *pacsPanel) serverIndex() int {
	for i, s := range p.servers {
		if s.Name == p.serverSelect.Selected {
			return i
		}
	}
	return -1
}

func secretName(server string) string { return SecretPACSPrefix + ":" + server }

func (p *pacsPanel) secret(server string) string {
	if p.secrets == nil {
		return p.memSecrets[server]
	}
	v, _ := p.secrets.Get(secretName(server))
	return v
}

func (p *pacsPanel) setSecret(server, value string) error {
	if p.secrets == nil {
		p.memSecrets[server] = value
		return nil
	}
	return p.secrets.Set(secretName(server), value)
}

// AddServer saves cfg with its password or token (replacing a server of
// the same name) and chooses it.
func (p *pacsPanel) AddServer(cfg PACSServerConfig, secret string) error {
	cfg.Name, cfg.URL = strings.TrimSpace(cfg.Name), strings.TrimSpace(cfg.URL)
	if cfg.Name == "" {
		cfg.Name = cfg.URL
	}
	if cfg.URL == "" || !strings.HasPrefix(cfg.URL, "http://") && !strings.HasPrefix(cfg.URL, "https://") {
		return fmt.Errorf("server %q: give its DICOMweb root as http(s)://HOST:PORT/PATH, e.g. http://pacs:8042/dicom-web", cfg.URL)
	}
	if cfg.Auth == "" {
		cfg.Auth = PACSAuthNone
	}
	if cfg.Auth != PACSAuthNone {
		if err := p.setSecret(cfg.Name, secret); err != nil {
			return fmt.Errorf("keep the password of %s: %w", cfg.Name, err)
		}
	}
	if i := slices.IndexFunc(p.servers, func(s PACSServerConfig) bool { return s.Name == cfg.Name }); i >= 0 {
		p.servers[i] = cfg
	} else {
		p.servers = append(p.servers, cfg)
	}
	p.saveServers()
	p.refreshServers(cfg.Name)
	return nil
}

// showServerForm asks for a server's name, URL and credentials; i is
// the server edited, or -1 for a new one.
func (p *pacsPanel) showServerForm(cfg PACSServerConfig, i int) {
	name, url, user, secret := widget.NewEntry(), widget.NewEntry(), widget.NewEntry(), widget.NewPasswordEntry()
	name.SetText(cfg.Name)
	name.SetPlaceHolder("Research PACS")
	url.SetText(cfg.URL)
	url.SetPlaceHolder("http://pacs:8042/dicom-web")
	user.SetText(cfg.User)
	if i >= 0 {
		secret.SetText(p.secret(cfg.Name))
	}
	auth := widget.NewSelect([]string{PACSAuthNone, PACSAuthBasic, PACSAuthBearer}, func(a string) {
		if a == PACSAuthBasic {
			user.Enable()
		} else {
			user.Disable()
		}
		if a == PACSAuthNone {
			secret.Disable()
		} else {
			secret.Enable()
		}
	})
	auth.SetSelected(orDefault(cfg.Auth, PACSAuthNone))
	title := "Add a DICOMweb server"
	if i >= 0 {
		title = "Edit " + cfg.Name
	}
	d := dialog.NewForm(title, "Save", "Cancel", []*widget.FormItem{
		widget.NewFormItem("Name", name), widget.NewFormItem("DICOMweb root", url),
		widget.NewFormItem("Authentication", auth), widget.NewFormItem("User", user),
		widget.NewFormItem("Password or token", secret),
	}, func(ok bool) {
		if !ok {
			return
		}
		c := PACSServerConfig{Name: name.Text, URL: url.Text, Auth: auth.Selected}
		if c.Auth == PACSAuthBasic {
			c.User = user.Text
		}
		if i >= 0 && strings.TrimSpace(c.Name) != p.servers[i].Name {
			p.servers = slices.Delete(p.servers, i, i+1)
		}
		if err := p.AddServer(c, secret.Text); err != nil {
			p.env.showError(err)
		}
	}, p.env.win)
	d.Resize(fyne.NewSize(560, 360))
	p.serverForm, p.formName, p.formURL, p.formUser, p.formSecret, p.formAuth = d, name, url, user, secret, auth
	d.Show()
}

func orDefault(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

func (p *pacsPanel) removeTapped() {
	i := p.serverIndex()
	if i < 0 {
		return
	}
	name := p.servers[i].Name
	dialog.ShowConfirm("Remove "+name+"?", "The workbench forgets this server and its password. Retrieved studies stay in the cache.", func(ok bool) {
		if !ok {
			return
		}
		_ = p.setSecret(name, "")
		p.servers = slices.Delete(p.servers, i, i+1)
		p.saveServers()
		p.refreshServers("")
	}, p.env.win)
}

// server is the chosen server with its credentials.
func (p *pacsPanel) server() (core.PACSServer, string, error) {
	i := p.serverIndex()
	if i < 0 {
		return core.PACSServer{}, "", errors.New("no PACS server chosen: add one with Add server… (its DICOMweb root, e.g. http://pacs:8042/dicom-web)")
	}
	return p.serverOf(p.servers[i]), p.servers[i].Name, nil
}

func (p *pacsPanel) serverOf(c PACSServerConfig) core.PACSServer {
	srv := core.PACSServer{URL: c.URL}
	switch c.Auth {
	case PACSAuthBasic:
		srv.User, srv.Password = c.User, p.secret(c.Name)
	case PACSAuthBearer:
		srv.Token = p.secret(c.Name)
	}
	return srv
}

// formQuery is the search form as a query of the first page.
func (p *pacsPanel) formQuery() (core.PACSQuery, error) {
	q := core.PACSQuery{
		PatientID: strings.TrimSpace(p.patientID.Text), PatientName: strings.TrimSpace(p.patientName.Text),
		Modality: strings.ToUpper(strings.TrimSpace(p.modality.Text)), Accession: strings.TrimSpace(p.accession.Text),
		Description: strings.TrimSpace(p.description.Text),
		DateFrom:    strings.ReplaceAll(strings.TrimSpace(p.dateFrom.Text), "-", ""),
		DateTo:      strings.ReplaceAll(strings.TrimSpace(p.dateTo.Text), "-", ""),
		Limit:       pacsPageSize,
	}
	for _, d := range []string{q.DateFrom, q.DateTo} {
		if d == "" {
			continue
		}
		if _, err := time.Parse("20060102", d); err != nil {
			return q, fmt.Errorf("date %q: write it as YYYYMMDD (or YYYY-MM-DD), e.g. 20061201", d)
		}
	}
	if q.DateFrom != "" && q.DateTo != "" && q.DateFrom > q.DateTo {
		return q, fmt.Errorf("the date range %s to %s ends before it starts", q.DateFrom, q.DateTo)
	}
	return q, nil
}

func (p *pacsPanel) searchTapped() {
	q, err := p.formQuery()
	if err != nil {
		p.showStatusError(err)
		return
	}
	p.query = q
	p.find(0)
}

// find shows the page of p.query at offset.
func (p *pacsPanel) find(offset int) {
	srv, name, err := p.server()
	if err != nil {
		p.showStatusError(err)
		return
	}
	q := p.query
	q.Limit, q.Offset = pacsPageSize, offset
	p.searchSeq++
	seq := p.searchSeq
	p.search.Disable()
	p.status.Importance = widget.MediumImportance
	p.status.SetText("Searching " + name + "…")
	ctx, cancel := p.env.opContext()
	go func() {
		defer cancel()
		studies, err := p.backend.FindStudies(ctx, srv, q)
		p.env.do(func() {
			if seq != p.searchSeq {
				return
			}
			p.search.Enable()
			if err != nil {
				p.showStatusError(fmt.Errorf("search %s: %w", name, err))
				return
			}
			p.query = q
			p.showStudies(studies, name)
		})
	}()
}

// showStudies puts a page of studies in the table.
func (p *pacsPanel) showStudies(studies []core.PACSStudy, server string) {
	p.studies = studies
	p.selected = -1
	p.series = nil
	p.table.UnselectAll()
	p.table.Refresh()
	p.seriesTable.Refresh()
	p.open.Disable()
	first := p.query.Offset + 1
	switch {
	case len(studies) == 0 && p.query.Offset == 0:
		p.status.SetText("No studies on " + server + " match.")
		p.page.SetText("")
	case len(studies) == 0:
		p.status.SetText("No more studies on " + server + ".")
		p.page.SetText("")
	default:
		p.status.SetText(fmt.Sprintf("%d studies on %s. Choose one to see its series.", len(studies), server))
		p.page.SetText(fmt.Sprintf("Studies %d–%d", first, p.query.Offset+len(studies)))
	}
	if p.query.Offset > 0 {
		p.prev.Enable()
	} else {
		p.prev.Disable()
	}
	if len(studies) == pacsPageSize {
		p.next.Enable()
	} else {
		p.next.Disable()
	}
}

func (p *pacsPanel) showStatusError(err error) {
	p.status.Importance = widget.DangerImportance
	p.status.SetText(errorMessage(err))
}

func (p *pacsPanel) studyCell(id widget.TableCellID) string {
	if id.Row < 0 || id.Row >= len(p.studies) {
		return ""
	}
	s := p.studies[id.Row]
	switch id.Col {
	case 0:
		return strings.ReplaceAll(s.PatientName, "^", " ")
	case 1:
		return s.PatientID
	case 2:
		return dicomDate(s.Date)
	case 3:
		return strings.Join(s.Modalities, ", ")
	case 4:
		return s.Description
	case 5:
		return s.Accession
	case 6:
		return countText(s.Series)
	case 7:
		return countText(s.Instances)
	}
	return ""
}

func (p *pacsPanel) seriesCell(id widget.TableCellID) string {
	if id.Row < 0 || id.Row >= len(p.series) {
		return ""
	}
	s := p.series[id.Row]
	switch id.Col {
	case 0:
		return countText(s.Number)
	case 1:
		return s.Modality
	case 2:
		return s.Description
	case 3:
		return countText(s.Instances)
	}
	return ""
}

// countText is n, or empty when the server did not tell.
func countText(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprint(n)
}

// dicomDate writes a DICOM date YYYYMMDD as YYYY-MM-DD.
func dicomDate(d string) string {
	if len(d) == 8 {
		return d[:4] + "-" + d[4:6] + "-" + d[6:]
	}
	return d
}

// selectStudy lists the series of the study in row.
func (p *pacsPanel) selectStudy(row int) {
	if row < 0 || row >= len(p.studies) || row == p.selected {
		return
	}
	p.selected = row
	p.series = nil
	p.seriesTable.Refresh()
	if p.retrieving == nil {
		p.open.Enable()
	}
	srv, name, err := p.server()
	if err != nil {
		p.showStatusError(err)
		return
	}
	study := p.studies[row].UID
	p.seriesSeq++
	seq := p.seriesSeq
	ctx, cancel := p.env.opContext()
	go func() {
		defer cancel()
		series, err := p.backend.StudySeries(ctx, srv, study)
		p.env.do(func() {
			if seq != p.seriesSeq {
				return
			}
			if err != nil {
				p.showStatusError(fmt.Errorf("series of the study on %s: %w", name, err))
				return
			}
			p.series = series
			p.seriesTable.Refresh()
		})
	}()
}

func (p *pacsPanel) openTapped() {
	if p.selected < 0 || p.selected >= len(p.studies) {
		return
	}
	s := p.studies[p.selected]
	_, name, err := p.server()
	if err != nil {
		p.showStatusError(err)
		return
	}
	p.retrieve(p.serverOf(p.servers[p.serverIndex()]), name, pacsRecent{Server: name, Study: s.UID, Date: s.Date,
		Description: s.Description, Modalities: strings.Join(s.Modalities, ", ")})
}

// openRecent retrieves a recent study again (from the cache, as far as
// it is there) and opens it.
func (p *pacsPanel) openRecent(r pacsRecent) {
	i := slices.IndexFunc(p.servers, func(s PACSServerConfig) bool { return s.Name == r.Server })
	if i < 0 {
		p.showStatusError(fmt.Errorf("the server %s of this study is no longer saved: add it again", r.Server))
		return
	}
	p.retrieve(p.serverOf(p.servers[i]), r.Server, r)
}

// retrieve brings the study r into the cache, showing the progress, and
// opens its folder in the viewer. Cancel stops it; a retrieve of the same
// study again fetches only what is missing.
func (p *pacsPanel) retrieve(srv core.PACSServer, name string, r pacsRecent) {
	if p.retrieving != nil {
		return
	}
	ctx, cancel := p.env.opContext()
	p.retrieving = cancel
	p.open.Disable()
	p.cancel.Enable()
	p.bar.SetValue(0)
	p.progressText.SetText("Retrieving from " + name + "…")
	var mu sync.Mutex
	var last time.Time
	go func() {
		defer cancel()
		got, err := p.backend.RetrieveStudy(ctx, srv, r.Study, nil, func(pr core.RetrieveProgress) {
			mu.Lock()
			draw := pr.Done || time.Since(last) >= p.every
			if draw {
				last = time.Now()
			}
			mu.Unlock()
			if draw {
				p.env.do(func() { p.showProgress(pr) })
			}
		})
		p.env.do(func() {
			p.retrieving = nil
			p.cancel.Disable()
			if p.selected >= 0 {
				p.open.Enable()
			}
			switch {
			case isCancel(err):
				p.progressText.SetText(fmt.Sprintf("Cancelled: %d instances kept in the cache. Open it again to fetch the rest.", got.Instances))
			case err != nil:
				p.progressText.SetText("")
				p.showStatusError(fmt.Errorf("retrieve from %s: %w", name, err))
			default:
				p.bar.SetValue(1)
				p.progressText.SetText(fmt.Sprintf("Retrieved %d instances (%d from the cache). Opening…", got.Instances, got.Cached))
				p.addRecent(r)
				if p.openFolder != nil {
					p.openFolder(got.Dir)
				}
			}
		})
	}()
}

func (p *pacsPanel) showProgress(pr core.RetrieveProgress) {
	if p.retrieving == nil {
		return
	}
	if pr.Total > 0 {
		p.bar.SetValue(float64(pr.Instances) / float64(pr.Total))
	}
	p.progressText.SetText(pr.Text())
}

func (p *pacsPanel) cancelTapped() {
	if p.retrieving != nil {
		p.retrieving()
	}
}

// addRecent puts r first in the recent studies.
func (p *pacsPanel) addRecent(r pacsRecent) {
	p.recent = slices.DeleteFunc(p.recent, func(x pacsRecent) bool { return x.Study == r.Study && x.Server == r.Server })
	p.recent = append([]pacsRecent{r}, p.recent...)
	p.recent = p.recent[:min(len(p.recent), maxPACSRecent)]
	b, _ := json.Marshal(p.recent)
	p.prefs.SetString(PrefPACSRecent, string(b))
	p.recentList.Refresh()
}

func (p *pacsPanel) recentText(r pacsRecent) string {
	parts := []string{dicomDate(r.Date)}
	if r.Modalities != "" {
		parts = append(parts, r.Modalities)
	}
	if r.Description != "" {
		parts = append(parts, r.Description)
	}
	return strings.Join(parts, " · ") + " (" + r.Server + ")"
}
