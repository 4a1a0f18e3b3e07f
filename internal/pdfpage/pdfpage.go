// Package pdfpage is the page the workbench's PDF reports share (the run
// report in history/report, the evaluation report in batch/evalreport):
// A4 with the Go fonts embedded (so that any script an answer uses
// prints), the draft banner at the top of every page, the report's title
// on the pages after the first, and the generation stamp and page numbers
// at the foot; plus the title block, headings, titled text blocks and
// small print both write (TitleBlock and Block in the sizes each report
// gives).
package pdfpage

import (
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
)

// A4 portrait, in millimetres.
const PageW, PageH = 210.0, 297.0

// RGB is a colour.
type RGB = [3]int

// The reports' colours.
var (
	Red  = RGB{179, 38, 30}
	Ink  = RGB{26, 26, 26}
	Grey = RGB{90, 90, 90}
	Rule = RGB{210, 210, 210}
)

// Page is a report being written.
type Page struct {
	F                                *fpdf.Fpdf
	MarginX, MarginTop, MarginBottom float64
	// ContentW is the width between the margins.
	ContentW float64
}

// Header is what every page shows: the banner, and the title and subtitle
// on the pages after the first; the foot says when (Stamp of Generated)
// and by which version it was made.
type Header struct {
	Banner, Title, Subtitle, AppVersion string
	Generated                           time.Time
	// Stamp puts Generated in the time zone the report is read in.
	Stamp func(time.Time) time.Time
}

// New starts a report with margins mx (left and right), top and bottom,
// and adds its first page.
func New(mx, top, bottom float64, h Header) *Page {
	f := fpdf.New("P", "mm", "A4", "")
	p := &Page{F: f, MarginX: mx, MarginTop: top, MarginBottom: bottom, ContentW: PageW - 2*mx}
	f.SetCompression(true)
	f.SetCreationDate(h.Generated)
	f.SetModificationDate(h.Generated)
	f.SetTitle(h.Title+" — "+h.Subtitle, true)
	f.SetCreator("MedGemma Workbench "+h.AppVersion, true)
	f.AddUTF8FontFromBytes("go", "", goregular.TTF)
	f.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	f.AddUTF8FontFromBytes("go", "I", goitalic.TTF)
	f.AddUTF8FontFromBytes("gomono", "", gomono.TTF)
	f.SetMargins(mx, top, mx)
	f.SetAutoPageBreak(true, bottom)
	f.AliasNbPages("{nb}")
	f.SetHeaderFuncMode(func() {
		f.SetFillColor(Red[0], Red[1], Red[2])
		f.Rect(0, 0, PageW, 13, "F")
		f.SetTextColor(255, 255, 255)
		f.SetFont("go", "B", 10.5)
		f.SetXY(mx, 3.5)
		f.CellFormat(p.ContentW, 6, h.Banner, "", 0, "C", false, 0, "")
		if f.PageNo() > 1 {
			p.Color(Grey)
			f.SetFont("go", "", 8)
			f.SetXY(mx, 16)
			f.CellFormat(p.ContentW, 4, h.Title+" · "+h.Subtitle, "", 0, "L", false, 0, "")
		}
		f.SetXY(mx, top)
	}, true)
	f.SetFooterFunc(func() {
		f.SetY(-13)
		f.SetDrawColor(Rule[0], Rule[1], Rule[2])
		f.Line(mx, f.GetY(), PageW-mx, f.GetY())
		p.Color(Grey)
		f.SetFont("go", "", 7.5)
		gen := "Generated " + h.Stamp(h.Generated).Format("2006-01-02 15:04 MST") + " by MedGemma Workbench"
		if h.AppVersion != "" {
			gen += " " + h.AppVersion
		}
		f.CellFormat(p.ContentW/2, 6, gen, "", 0, "L", false, 0, "")
		f.CellFormat(p.ContentW/2, 6, fmt.Sprintf("Page %d of {nb}", f.PageNo()), "", 0, "R", false, 0, "")
	})
	f.AddPage()
	return p
}

// Color sets the text colour.
func (p *Page) Color(c RGB) { p.F.SetTextColor(c[0], c[1], c[2]) }

// Keep starts a new page unless h millimetres are left on this one.
func (p *Page) Keep(h float64) {
	if p.F.GetY()+h > PageH-p.MarginBottom {
		p.F.AddPage()
	}
}

// Heading writes a section heading with a rule under it, on a new page
// when little room is left.
func (p *Page) Heading(title string) {
	f := p.F
	f.Ln(4)
	p.Keep(22)
	p.Color(Ink)
	f.SetFont("go", "B", 13)
	f.CellFormat(p.ContentW, 7, title, "", 1, "L", false, 0, "")
	f.SetDrawColor(Rule[0], Rule[1], Rule[2])
	f.Line(p.MarginX, f.GetY(), PageW-p.MarginX, f.GetY())
	f.Ln(2)
}

// Small writes a paragraph of small grey print.
func (p *Page) Small(text string) {
	p.Color(Grey)
	p.F.SetFont("go", "", 8.5)
	p.F.MultiCell(p.ContentW, 4, text, "", "L", false)
}

// TitleStyle is how a report sets the subtitle under its title: on one
// line SubtitleH high, or wrapped onto lines SubtitleH high when Wrap;
// Gap is the room left under the rule.
type TitleStyle struct {
	SubtitleH float64
	Wrap      bool
	Gap       float64
}

// TitleBlock writes the first page's title block: the title in large
// bold print, the subtitle in grey under it, and a heavy rule across the
// page.
func (p *Page) TitleBlock(title, subtitle string, s TitleStyle) {
	f := p.F
	p.Color(Ink)
	f.SetFont("go", "B", 20)
	f.CellFormat(p.ContentW, 9, title, "", 1, "L", false, 0, "")
	p.Color(Grey)
	f.SetFont("go", "", 10)
	if s.Wrap {
		f.MultiCell(p.ContentW, s.SubtitleH, subtitle, "", "L", false)
	} else {
		f.CellFormat(p.ContentW, s.SubtitleH, subtitle, "", 1, "L", false, 0, "")
	}
	f.SetDrawColor(Ink[0], Ink[1], Ink[2])
	f.SetLineWidth(0.6)
	f.Line(p.MarginX, f.GetY()+1.5, PageW-p.MarginX, f.GetY()+1.5)
	f.SetLineWidth(0.2)
	f.Ln(s.Gap)
}

// BlockStyle is how a report sets a titled block of text: the room before
// it and the room it keeps on the page, its title's colour, size and
// height, and its text's style ("" or "I"), size, line height and tint.
type BlockStyle struct {
	Before, Keep      float64
	TitleColor        RGB
	TitleSize, TitleH float64
	TextStyle         string
	TextSize, LineH   float64
	Fill              RGB
}

// Block writes a titled block of text on a tinted background, framed by
// a thin rule; nothing when text is blank.
func (p *Page) Block(title, text string, s BlockStyle) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	f := p.F
	f.Ln(s.Before)
	p.Keep(s.Keep)
	p.Color(s.TitleColor)
	f.SetFont("go", "B", s.TitleSize)
	f.CellFormat(p.ContentW, s.TitleH, title, "", 1, "L", false, 0, "")
	p.Color(Ink)
	f.SetFont("go", s.TextStyle, s.TextSize)
	f.SetFillColor(s.Fill[0], s.Fill[1], s.Fill[2])
	f.SetDrawColor(Rule[0], Rule[1], Rule[2])
	f.SetCellMargin(2.5)
	f.MultiCell(p.ContentW, s.LineH, text, "1", "L", true)
	f.SetCellMargin(1)
}
