package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// pacsQueryForm is the PACS tab's search form, the status line under it
// and the paging of its results.
type pacsQueryForm struct {
	patientID, patientName, dateFrom, dateTo *widget.Entry
	modality, accession, description         *widget.Entry
	search, prev, next                       *widget.Button
	status, page                             *widget.Label
	shown                                    core.PACSQuery // the query of the page shown
	seq                                      int            // the latest search's number; older answers are dropped
}

// build makes the form: Search (and Enter in a field) calls search, the
// paging buttons page with the offset to show.
func (q *pacsQueryForm) build(search func(), page func(offset int)) {
	entry := func(hint string) *widget.Entry {
		e := widget.NewEntry()
		e.SetPlaceHolder(hint)
		e.OnSubmitted = func(string) { search() }
		return e
	}
	q.patientID, q.patientName = entry("ID, wildcards * ?"), entry("DOE^J*")
	q.dateFrom, q.dateTo = entry("YYYYMMDD"), entry("YYYYMMDD")
	q.modality, q.accession, q.description = entry("CT, MR, CR…"), entry(""), entry("wildcards * ?")
	q.search = widget.NewButton("Search", search)
	q.search.Importance = widget.HighImportance
	q.prev = widget.NewButton("Previous", func() { page(max(q.shown.Offset-pacsPageSize, 0)) })
	q.next = widget.NewButton("Next", func() { page(q.shown.Offset + pacsPageSize) })
	q.prev.Disable()
	q.next.Disable()
	q.page = widget.NewLabel("")
	q.status = widget.NewLabel("Choose a server and search.")
	q.status.Wrapping = fyne.TextWrapWord
}

// form is the fields and Search, in two columns.
func (q *pacsQueryForm) form() fyne.CanvasObject {
	return container.NewGridWithColumns(2,
		container.New(layout.NewFormLayout(),
			widget.NewLabel("Patient ID"), q.patientID, widget.NewLabel("Date from"), q.dateFrom,
			widget.NewLabel("Modality"), q.modality, widget.NewLabel("Description"), q.description),
		container.New(layout.NewFormLayout(),
			widget.NewLabel("Patient name"), q.patientName, widget.NewLabel("Date to"), q.dateTo,
			widget.NewLabel("Accession"), q.accession, widget.NewLabel(""), q.search))
}

// paging is the status line with the page shown and Previous and Next.
func (q *pacsQueryForm) paging() fyne.CanvasObject {
	return container.NewBorder(nil, nil, nil, container.NewHBox(q.page, q.prev, q.next), q.status)
}

// fromForm is the form as a query of the first page.
func (q *pacsQueryForm) fromForm() (core.PACSQuery, error) {
	r := core.PACSQuery{
		PatientID: strings.TrimSpace(q.patientID.Text), PatientName: strings.TrimSpace(q.patientName.Text),
		Modality: strings.ToUpper(strings.TrimSpace(q.modality.Text)), Accession: strings.TrimSpace(q.accession.Text),
		Description: strings.TrimSpace(q.description.Text),
		DateFrom:    strings.ReplaceAll(strings.TrimSpace(q.dateFrom.Text), "-", ""),
		DateTo:      strings.ReplaceAll(strings.TrimSpace(q.dateTo.Text), "-", ""),
		Limit:       pacsPageSize,
	}
	for _, d := range []string{r.DateFrom, r.DateTo} {
		if d == "" {
			continue
		}
		if _, err := time.Parse("20060102", d); err != nil {
			return r, fmt.Errorf("date %q: write it as YYYYMMDD (or YYYY-MM-DD), e.g. 20061201", d)
		}
	}
	if r.DateFrom != "" && r.DateTo != "" && r.DateFrom > r.DateTo {
		return r, fmt.Errorf("the date range %s to %s ends before it starts", r.DateFrom, r.DateTo)
	}
	return r, nil
}

// showError puts err in the status line, as a failure.
func (q *pacsQueryForm) showError(err error) {
	q.status.Importance = widget.DangerImportance
	q.status.SetText(errorMessage(err))
}

// showPage says how many studies of q.shown's page server gave, and
// offers the pages before and after it.
func (q *pacsQueryForm) showPage(n int, server string) {
	switch {
	case n == 0 && q.shown.Offset == 0:
		q.status.SetText("No studies on " + server + " match.")
		q.page.SetText("")
	case n == 0:
		q.status.SetText("No more studies on " + server + ".")
		q.page.SetText("")
	default:
		q.status.SetText(fmt.Sprintf("%d studies on %s. Choose one to see its series.", n, server))
		q.page.SetText(fmt.Sprintf("Studies %d–%d", q.shown.Offset+1, q.shown.Offset+n))
	}
	enable(q.prev, q.shown.Offset > 0)
	enable(q.next, n == pacsPageSize)
}

func (p *pacsPanel) searchTapped() {
	q, err := p.query.fromForm()
	if err != nil {
		p.query.showError(err)
		return
	}
	p.query.shown = q
	p.find(0)
}

// find shows the page of the query shown at offset.
func (p *pacsPanel) find(offset int) {
	srv, name, err := p.servers.chosen()
	if err != nil {
		p.query.showError(err)
		return
	}
	q := p.query.shown
	q.Limit, q.Offset = pacsPageSize, offset
	p.query.seq++
	seq := p.query.seq
	p.query.search.Disable()
	p.query.status.Importance = widget.MediumImportance
	p.query.status.SetText("Searching " + name + "…")
	ctx, cancel := p.env.opContext()
	go func() {
		defer cancel()
		studies, err := p.backend.FindStudies(ctx, srv, q)
		p.env.do(func() {
			if seq != p.query.seq {
				return
			}
			p.query.search.Enable()
			if err != nil {
				p.query.showError(fmt.Errorf("search %s: %w", name, err))
				return
			}
			p.query.shown = q
			p.results.show(studies)
			p.fetch.open.Disable()
			p.query.showPage(len(studies), name)
		})
	}()
}
