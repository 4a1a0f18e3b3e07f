package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// tableColumn is one column of a table of T: its heading, its width and the
// text of its cell for a row. The heading, the width and the cell come
// from one entry, so that they cannot drift apart.
type tableColumn[T any] struct {
	title string
	width float32
	cell  func(T) string
}

// studyColumns are the result table's columns.
var studyColumns = []tableColumn[core.PACSStudy]{
	{"Patient", 180, func(s core.PACSStudy) string { return strings.ReplaceAll(s.PatientName, "^", " ") }},
	{"Patient ID", 150, func(s core.PACSStudy) string { return s.PatientID }},
	{"Date", 100, func(s core.PACSStudy) string { return dicomDate(s.Date) }},
	{"Modality", 80, func(s core.PACSStudy) string { return strings.Join(s.Modalities, ", ") }},
	{"Description", 240, func(s core.PACSStudy) string { return s.Description }},
	{"Accession", 110, func(s core.PACSStudy) string { return s.Accession }},
	{"Series", 60, func(s core.PACSStudy) string { return countText(s.Series) }},
	{"Instances", 80, func(s core.PACSStudy) string { return countText(s.Instances) }},
}

// seriesColumns are the series table's columns.
var seriesColumns = []tableColumn[core.PACSSeries]{
	{"#", 50, func(s core.PACSSeries) string { return countText(s.Number) }},
	{"Modality", 80, func(s core.PACSSeries) string { return s.Modality }},
	{"Description", 260, func(s core.PACSSeries) string { return s.Description }},
	{"Instances", 80, func(s core.PACSSeries) string { return countText(s.Instances) }},
}

// newColumnTable is a table of rows() with cols: a bold heading row,
// each column at its width, each cell its column's text, cut with an
// ellipsis when it does not fit.
func newColumnTable[T any](cols []tableColumn[T], rows func() []T) *widget.Table {
	t := widget.NewTableWithHeaders(
		func() (int, int) { return len(rows()), len(cols) },
		func() fyne.CanvasObject { l := widget.NewLabel(""); l.Truncation = fyne.TextTruncateEllipsis; return l },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(cellText(cols, rows(), id))
		})
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row < 0 && id.Col >= 0 && id.Col < len(cols) {
			o.(*widget.Label).SetText(cols[id.Col].title)
		}
	}
	for i, c := range cols {
		t.SetColumnWidth(i, c.width)
	}
	return t
}

// cellText is the text of cell id of rows; "" outside them.
func cellText[T any](cols []tableColumn[T], rows []T, id widget.TableCellID) string {
	if id.Row < 0 || id.Row >= len(rows) || id.Col < 0 || id.Col >= len(cols) {
		return ""
	}
	return cols[id.Col].cell(rows[id.Row])
}

// pacsResults are a page of the studies a search found and the chosen
// study's series.
type pacsResults struct {
	table, seriesTable *widget.Table
	studies            []core.PACSStudy
	series             []core.PACSSeries
	selected           int // the study chosen in the table, or -1
	seq                int // the latest series listing's number; older answers are dropped
}

// build makes the two tables; choosing a study's row calls choose.
func (r *pacsResults) build(choose func(row int)) {
	r.selected = -1
	r.table = newColumnTable(studyColumns, func() []core.PACSStudy { return r.studies })
	r.table.OnSelected = func(id widget.TableCellID) { choose(id.Row) }
	r.seriesTable = newColumnTable(seriesColumns, func() []core.PACSSeries { return r.series })
}

// show puts a page of studies in the table, none chosen.
func (r *pacsResults) show(studies []core.PACSStudy) {
	r.studies = studies
	r.selected = -1
	r.series = nil
	r.table.UnselectAll()
	r.table.Refresh()
	r.seriesTable.Refresh()
}

// chosen is the study chosen in the table.
func (r *pacsResults) chosen() (core.PACSStudy, bool) {
	if r.selected < 0 || r.selected >= len(r.studies) {
		return core.PACSStudy{}, false
	}
	return r.studies[r.selected], true
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
	r := &p.results
	if row < 0 || row >= len(r.studies) || row == r.selected {
		return
	}
	r.selected = row
	r.series = nil
	r.seriesTable.Refresh()
	if p.fetch.running == nil {
		p.fetch.open.Enable()
	}
	srv, name, err := p.servers.chosen()
	if err != nil {
		p.query.showError(err)
		return
	}
	study := r.studies[row].UID
	r.seq++
	seq := r.seq
	ctx, cancel := p.env.opContext()
	go func() {
		defer cancel()
		series, err := p.backend.StudySeries(ctx, srv, study)
		p.env.do(func() {
			if seq != r.seq {
				return
			}
			if err != nil {
				p.query.showError(fmt.Errorf("series of the study on %s: %w", name, err))
				return
			}
			r.series = series
			r.seriesTable.Refresh()
		})
	}()
}
