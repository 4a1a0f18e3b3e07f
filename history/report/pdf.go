package report

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/medgemma-workbench/medgemma-workbench/internal/pdfpage"
)

// Page geometry of the PDF, in millimetres (A4 portrait).
const (
	pageW        = pdfpage.PageW
	marginX      = 18.0
	marginTop    = 26.0
	marginBottom = 18.0
	contentW     = pageW - 2*marginX
	labelW       = 46.0
)

// Colours of the PDF.
var (
	red   = pdfpage.Red
	ink   = pdfpage.Ink
	grey  = pdfpage.Grey
	rule  = pdfpage.Rule
	quote = [3]int{244, 244, 244}
	cream = [3]int{255, 252, 240}
)

// PDF renders doc as an A4 PDF with the Go fonts embedded (so that any
// script the answers use prints), the banner at the top of every page and
// page numbers at the foot.
func PDF(doc *Document) ([]byte, error) {
	page := pdfpage.New(marginX, marginTop, marginBottom, pdfpage.Header{
		Banner: doc.Banner, Title: doc.Title, Subtitle: doc.Subtitle, AppVersion: doc.AppVersion,
		Generated: doc.Generated, Stamp: func(t time.Time) time.Time { return t.Local() },
	})
	p := &pdfWriter{Page: page, f: page.F}
	f := p.f

	p.TitleBlock(doc.Title, doc.Subtitle+" · "+doc.Generated.Local().Format("2 January 2006, 15:04 MST"),
		pdfpage.TitleStyle{SubtitleH: 6, Gap: 5})

	if doc.IncludePHI {
		y := f.GetY()
		f.SetTextColor(red[0], red[1], red[2])
		f.SetFont("go", "B", 10)
		f.SetX(marginX + 3)
		f.CellFormat(contentW-6, 6, "Contains protected health information — do not share outside the care or research team.", "", 1, "L", false, 0, "")
		f.SetX(marginX + 3)
		p.facts(doc.PHI, contentW-6)
		f.SetDrawColor(red[0], red[1], red[2])
		f.SetLineWidth(0.5)
		f.Rect(marginX, y-1, contentW, f.GetY()-y+3, "D")
		f.SetLineWidth(0.2)
		f.Ln(6)
	}

	p.Heading("Study")
	p.facts(doc.Study, contentW)
	if doc.Deidentification != "" {
		f.Ln(1.5)
		p.Small(doc.Deidentification)
	}

	if len(doc.Figures) > 0 {
		p.Heading("Images")
		p.figures(doc.Figures)
	}

	for _, r := range doc.Runs {
		// A run starts on a new page unless its facts fit on this one.
		p.Keep(float64(len(r.Facts))*5.5 + 24)
		p.Heading(r.Heading)
		p.facts(r.Facts, contentW)
		p.block("System prompt", r.System, quote, false)
		p.block("Prompt", r.Prompt, quote, false)
		p.block("Model's thinking", r.Thinking, quote, true)
		answer := strings.TrimSpace(r.Answer)
		if answer == "" {
			answer = "(no answer)"
		}
		p.block("Answer (draft)", answer, cream, false)
		p.block("Researcher's notes", r.Note, quote, false)
	}

	if len(doc.Notes) > 0 {
		p.Heading("Notes on this report")
		for _, n := range doc.Notes {
			p.Small("• " + n)
		}
	}
	f.Ln(6)
	p.Keep(20)
	f.SetDrawColor(rule[0], rule[1], rule[2])
	f.Line(marginX, f.GetY(), pageW-marginX, f.GetY())
	f.Ln(2)
	p.Color(ink)
	f.SetFont("go", "I", 9)
	f.MultiCell(contentW, 4.5, doc.Disclaimer, "", "L", false)

	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return buf.Bytes(), nil
}

type pdfWriter struct {
	*pdfpage.Page
	f      *fpdf.Fpdf
	images int
}

// facts writes a two-column table of labels and values, width w wide,
// starting at the current x.
func (p *pdfWriter) facts(facts []Fact, w float64) {
	f := p.f
	const lh = 5.0
	x := f.GetX()
	for _, fc := range facts {
		mono := isHex(fc.Value) || strings.HasPrefix(fc.Value, "sha256:") || strings.HasPrefix(fc.Value, "2.25.")
		p.valueFont(mono)
		lines := len(f.SplitText(fc.Value, w-labelW-2))
		h := float64(max(lines, 1)) * lh
		p.Keep(h + 1)
		y := f.GetY()
		p.Color(grey)
		f.SetFont("go", "B", 9)
		f.SetXY(x, y)
		f.CellFormat(labelW, lh, fc.Label, "", 0, "L", false, 0, "")
		p.Color(ink)
		p.valueFont(mono)
		f.SetXY(x+labelW, y)
		if full, total, ok := ratingStars(fc.Value); ok {
			// The Go fonts have no ★ or ☆: the stars are drawn, and the
			// text says the rating too.
			p.stars(x+labelW, y, lh, full, total)
			f.SetXY(x+labelW+float64(total)*lh+1, y)
			f.CellFormat(w-labelW-float64(total)*lh-1, lh, fmt.Sprintf("(%d of %d)", full, total), "", 1, "L", false, 0, "")
		} else {
			f.MultiCell(w-labelW, lh, fc.Value, "", "L", false)
		}
		end := max(f.GetY(), y+h)
		f.SetDrawColor(235, 235, 235)
		f.Line(x, end+0.4, x+w, end+0.4)
		f.SetXY(x, end+0.8)
	}
}

// ratingStars reads a rating written as stars (report.go: ★ filled, ☆
// empty) and says how many are filled of how many.
func ratingStars(v string) (full, total int, ok bool) {
	for _, r := range v {
		switch r {
		case '★':
			full++
		case '☆':
		default:
			return 0, 0, false
		}
		total++
	}
	return full, total, total > 0
}

// stars draws total five-pointed stars in a row of cells size wide from
// (x, y), the first full filled and the rest outlined, in the ink colour.
func (p *pdfWriter) stars(x, y, size float64, full, total int) {
	f := p.f
	f.SetDrawColor(ink[0], ink[1], ink[2])
	f.SetFillColor(ink[0], ink[1], ink[2])
	f.SetLineWidth(0.2)
	outer := size * 0.42
	inner := outer * 0.45
	for i := range total {
		cx, cy := x+size*(float64(i)+0.5), y+size*0.5
		pts := make([]fpdf.PointType, 0, 10)
		for k := range 10 {
			r := outer
			if k%2 == 1 {
				r = inner
			}
			a := -math.Pi/2 + float64(k)*math.Pi/5
			pts = append(pts, fpdf.PointType{X: cx + r*math.Cos(a), Y: cy + r*math.Sin(a)})
		}
		style := "D"
		if i < full {
			style = "FD"
		}
		f.Polygon(pts, style)
	}
}

func (p *pdfWriter) valueFont(mono bool) {
	if mono {
		p.f.SetFont("gomono", "", 8.3)
	} else {
		p.f.SetFont("go", "", 9.5)
	}
}

// block writes a titled block of text on a tinted background bg, in
// italics when italic.
func (p *pdfWriter) block(title, text string, bg [3]int, italic bool) {
	s := pdfpage.BlockStyle{Before: 2.5, Keep: 16, TitleColor: ink, TitleSize: 10, TitleH: 6,
		TextSize: 10, LineH: 5.2, Fill: bg}
	if italic {
		s.TextStyle = "I"
	}
	p.Block(title, text, s)
}

// figures lays the figures out two to a row, each with its caption.
func (p *pdfWriter) figures(figs []Figure) {
	f := p.f
	const gap = 6.0
	colW := (contentW - gap) / 2
	for i := 0; i < len(figs); i += 2 {
		row := figs[i:min(i+2, len(figs))]
		// Height of the row: the tallest image at column width, capped.
		imgH := 0.0
		for _, fig := range row {
			imgH = max(imgH, min(colW*float64(fig.pixelsH())/float64(fig.pixelsW()), 95))
		}
		p.Keep(imgH + 22)
		y := f.GetY()
		bottom := y
		for j, fig := range row {
			x := marginX + float64(j)*(colW+gap)
			w, h := colW, colW*float64(fig.pixelsH())/float64(fig.pixelsW())
			if h > imgH {
				w, h = w*imgH/h, imgH
			}
			p.images++
			name := fmt.Sprintf("figure%d", p.images)
			f.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(fig.PNG))
			f.ImageOptions(name, x+(colW-w)/2, y, w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
			f.SetDrawColor(rule[0], rule[1], rule[2])
			f.Rect(x+(colW-w)/2, y, w, h, "D")
			f.SetXY(x, y+imgH+1.5)
			p.Color(grey)
			f.SetFont("go", "", 7.8)
			f.MultiCell(colW, 3.6, fig.Caption, "", "L", false)
			bottom = max(bottom, f.GetY())
		}
		f.SetXY(marginX, bottom+3)
	}
}

// pixelsW and pixelsH are the size of the figure's PNG, for its aspect.
func (fig Figure) pixelsW() int {
	if w, _ := pngSize(fig.PNG); w > 0 {
		return w
	}
	return 1
}

func (fig Figure) pixelsH() int {
	if _, h := pngSize(fig.PNG); h > 0 {
		return h
	}
	return 1
}

// pngSize reads the size from a PNG's IHDR chunk.
func pngSize(b []byte) (int, int) {
	if len(b) < 24 {
		return 0, 0
	}
	be := func(p []byte) int { return int(p[0])<<24 | int(p[1])<<16 | int(p[2])<<8 | int(p[3]) }
	return be(b[16:20]), be(b[20:24])
}

func isHex(s string) bool {
	if len(s) < 16 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
