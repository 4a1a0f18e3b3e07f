package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// studyColumns are the result table's headings.
var studyColumns = []string{"Patient", "Patient ID", "Date", "Modality", "Description", "Accession", "Series", "Instances"}

// seriesColumns are the series table's headings.
var seriesColumns = []string{"#", "Modality", "Description", "Instances"}

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
	label := func() fyne.CanvasObject { l := widget.NewLabel(""); l.Truncation = fyne.TextTruncateEllipsis; return l }
	r.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(r.studies), len(studyColumns) },
		label,
		func(id widget.TableCellID, o fyne.CanvasObject) { o.(*widget.Label).SetText(r.studyCell(id)) })
	r.table.ShowHeaderColumn = false
	r.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	r.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row < 0 && id.Col >= 0 {
			o.(*widget.Label).SetText(studyColumns[id.Col])
		}
	}
	for i, w := range []float32{180, 150, 100, 80, 240, 110, 60, 80} {
		r.table.SetColumnWidth(i, w)
	}
	r.table.OnSelected = func(id widget.TableCellID) { choose(id.Row) }

	r.seriesTable = widget.NewTableWithHeaders(
		func() (int, int) { return len(r.series), len(seriesColumns) },
		label,
		func(id widget.TableCellID, o fyne.CanvasObject) { o.(*widget.Label).SetText(r.seriesCell(id)) })
	r.seriesTable.ShowHeaderColumn = false
	r.seriesTable.CreateHeader = r.table.CreateHeader
	r.seriesTable.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Row < 0 && id.Col >= 0 {
			o.(*widget.Label).SetText(seriesColumns[id.Col])
		}
	}
	for i, w := range []float32{50, 80, 260, 80} {
		r.seriesTable.SetColumnWidth(i, w)
	}
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

func (r *pacsResults) studyCell(id widget.TableCellID) string {
	if id.Row < 0 || id.Row >= len(r.studies) {
		return ""
	}
	s := r.studies[id.Row]
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

func (r *pacsResults) seriesCell(id widget.TableCellID) string {
	if id.Row < 0 || id.Row >= len(r.series) {
		return ""
	}
	s := r.series[id.Row]
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
