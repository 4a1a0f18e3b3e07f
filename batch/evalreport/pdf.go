package evalreport

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/pdfpage"
)

// Page geometry of the PDF, in millimetres (A4 portrait), and its
// colours, as the run report's (history/report).
const (
	pageW        = pdfpage.PageW
	marginX      = 14.0
	marginTop    = 24.0
	marginBottom = 18.0
	contentW     = pageW - 2*marginX
	labelW       = 48.0
)

var (
	red   = pdfpage.Red
	ink   = pdfpage.Ink
	grey  = pdfpage.Grey
	rule  = pdfpage.Rule
	head  = [3]int{236, 236, 236}
	quote = [3]int{244, 244, 244}
)

// PDF renders doc as an A4 PDF with the Go fonts embedded, the banner at
// the top of every page and page numbers at the foot.
func PDF(doc *Document) ([]byte, error) {
	page := pdfpage.New(marginX, marginTop, marginBottom, pdfpage.Header{
		Banner: doc.Banner, Title: doc.Title, Subtitle: doc.Subtitle, AppVersion: doc.AppVersion,
		Generated: doc.Generated, Stamp: func(t time.Time) time.Time { return t.UTC() },
	})
	p := &pdfWriter{Page: page, f: page.F}
	f := p.f

	p.TitleBlock(doc.Title, doc.Subtitle+" · "+doc.Generated.UTC().Format("2 January 2006, 15:04 MST"),
		pdfpage.TitleStyle{SubtitleH: 5, Wrap: true, Gap: 4})

	p.Heading("Summary")
	p.facts(doc.Summary)
	p.Heading("Scores per prompt and model")
	p.table(doc.Scores)
	if doc.Pairs != nil {
		p.Heading("Paired differences")
		p.table(*doc.Pairs)
	}
	if doc.Forest != nil {
		p.figure(*doc.Forest)
	}
	if doc.Calibration != nil {
		p.Heading("Calibration")
		p.table(*doc.Calibration)
	}
	if doc.Reliability != nil {
		p.figure(*doc.Reliability)
	}
	if doc.Kappa != nil {
		p.Heading("Agreement (kappa)")
		p.table(*doc.Kappa)
	}
	p.Heading("Prompts")
	for _, pr := range doc.Prompts {
		p.subheading(pr.Name)
		p.facts(pr.Facts)
		p.block("System prompt as sent", pr.System)
		p.block("Prompt as sent (the prompt's first row)", pr.Text)
	}
	p.Heading("Models")
	for _, m := range doc.Models {
		p.subheading(m.Name)
		p.facts(m.Facts)
	}
	p.Heading("Provenance")
	p.facts(doc.Provenance)
	p.Heading("Methods")
	for _, n := range doc.Notes {
		p.Small("• " + n)
		f.Ln(0.8)
	}
	f.Ln(5)
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

func (p *pdfWriter) subheading(title string) {
	f := p.f
	f.Ln(1.5)
	p.Keep(16)
	p.Color(ink)
	f.SetFont("go", "B", 10.5)
	f.CellFormat(contentW, 6, title, "", 1, "L", false, 0, "")
}

// mono reports whether a value is a digest, set in the mono font.
func mono(v string) bool {
	return strings.HasPrefix(v, "sha256:") || len(v) >= 16 && strings.Trim(v, "0123456789abcdef") == ""
}

// facts writes a two-column table of labels and values.
func (p *pdfWriter) facts(facts []Fact) {
	f := p.f
	const lh = 4.8
	for _, fc := range facts {
		p.valueFont(mono(fc.Value))
		lines := len(f.SplitText(fc.Value, contentW-labelW-2))
		h := float64(max(lines, 1)) * lh
		p.Keep(h + 1)
		y := f.GetY()
		p.Color(grey)
		f.SetFont("go", "B", 8.8)
		f.SetXY(marginX, y)
		f.CellFormat(labelW, lh, fc.Label, "", 0, "L", false, 0, "")
		p.Color(ink)
		p.valueFont(mono(fc.Value))
		f.SetXY(marginX+labelW, y)
		f.MultiCell(contentW-labelW, lh, fc.Value, "", "L", false)
		end := max(f.GetY(), y+h)
		f.SetDrawColor(235, 235, 235)
		f.Line(marginX, end+0.4, marginX+contentW, end+0.4)
		f.SetXY(marginX, end+0.8)
	}
}

func (p *pdfWriter) valueFont(mono bool) {
	if mono {
		p.f.SetFont("gomono", "", 7.4)
	} else {
		p.f.SetFont("go", "", 9.2)
	}
}

// table writes t with columns as wide as their widest cell, the font
// made smaller (down to 6 pt) until the table fits the page's width and
// cells clipped where it still does not.
func (p *pdfWriter) table(t core.EvalTable) {
	f := p.f
	const pad = 2.4
	size := 8.5
	var widths []float64
	measure := func() float64 {
		widths = make([]float64, len(t.Header))
		f.SetFont("go", "B", size)
		for i, h := range t.Header {
			widths[i] = f.GetStringWidth(h) + pad
		}
		f.SetFont("go", "", size)
		for _, r := range t.Rows {
			for i, c := range r {
				widths[i] = max(widths[i], f.GetStringWidth(c)+pad)
			}
		}
		sum := 0.0
		for _, w := range widths {
			sum += w
		}
		return sum
	}
	total := measure()
	for total > contentW && size > 6 {
		size -= 0.25
		total = measure()
	}
	if total > contentW {
		for i := range widths {
			widths[i] *= contentW / total
		}
	}
	lh := size * 0.55
	row := func(cells []string, style string, fill bool) {
		p.Keep(lh + 1)
		f.SetFont("go", style, size)
		for i, c := range cells {
			for f.GetStringWidth(c)+pad > widths[i] && len([]rune(c)) > 1 {
				c = string([]rune(c)[:len([]rune(c))-2]) + "…"
			}
			f.CellFormat(widths[i], lh, c, "B", 0, "L", fill, 0, "")
		}
		f.Ln(-1)
	}
	p.Color(ink)
	f.SetDrawColor(rule[0], rule[1], rule[2])
	f.SetFillColor(head[0], head[1], head[2])
	f.SetCellMargin(pad / 2)
	row(t.Header, "B", true)
	for _, r := range t.Rows {
		row(r, "", false)
	}
	f.SetCellMargin(1)
	if t.Note != "" {
		f.Ln(1)
		p.Small(t.Note)
	}
}

// figure places a plot at its pixels' size at 110 dpi, at most the
// page's width, with its caption.
func (p *pdfWriter) figure(fig core.EvalFigure) {
	f := p.f
	cfg, err := png.DecodeConfig(bytes.NewReader(fig.PNG))
	if err != nil || cfg.Width == 0 {
		return
	}
	w := min(float64(cfg.Width)*25.4/110, contentW)
	h := w * float64(cfg.Height) / float64(cfg.Width)
	f.Ln(3)
	p.Keep(h + 14)
	p.images++
	name := fmt.Sprintf("plot%d", p.images)
	opt := fpdf.ImageOptions{ImageType: "PNG"}
	f.RegisterImageOptionsReader(name, opt, bytes.NewReader(fig.PNG))
	y := f.GetY()
	f.ImageOptions(name, marginX, y, w, h, false, opt, 0, "")
	f.SetXY(marginX, y+h+1.5)
	p.Small(fig.Caption)
}

// block writes a titled block of text on a tinted background.
func (p *pdfWriter) block(title, text string) {
	p.Block(title, text, pdfpage.BlockStyle{Before: 1.5, Keep: 14, TitleColor: grey, TitleSize: 8.8, TitleH: 5,
		TextSize: 9, LineH: 4.6, Fill: quote})
}
