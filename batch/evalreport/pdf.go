package evalreport

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
)

// Page geometry of the PDF, in millimetres (A4 portrait), and its
// colours, as the run report's (history/report).
const (
	pageW, pageH = 210.0, 297.0
	marginX      = 14.0
	marginTop    = 24.0
	marginBottom = 18.0
	contentW     = pageW - 2*marginX
	labelW       = 48.0
)

var (
	red   = [3]int{179, 38, 30}
	ink   = [3]int{26, 26, 26}
	grey  = [3]int{90, 90, 90}
	rule  = [3]int{210, 210, 210}
	head  = [3]int{236, 236, 236}
	quote = [3]int{244, 244, 244}
)

// PDF renders doc as an A4 PDF with the Go fonts embedded, the banner at
// the top of every page and page numbers at the foot.
func PDF(doc *Document) ([]byte, error) {
	p := &pdfWriter{f: fpdf.New("P", "mm", "A4", "")}
	f := p.f
	f.SetCompression(true)
	f.SetCreationDate(doc.Generated)
	f.SetModificationDate(doc.Generated)
	f.SetTitle(doc.Title+" — "+doc.Subtitle, true)
	f.SetCreator("MedGemma Workbench "+doc.AppVersion, true)
	f.AddUTF8FontFromBytes("go", "", goregular.TTF)
	f.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	f.AddUTF8FontFromBytes("go", "I", goitalic.TTF)
	f.AddUTF8FontFromBytes("gomono", "", gomono.TTF)
	f.SetMargins(marginX, marginTop, marginX)
	f.SetAutoPageBreak(true, marginBottom)
	f.AliasNbPages("{nb}")
	f.SetHeaderFuncMode(func() {
		f.SetFillColor(red[0], red[1], red[2])
		f.Rect(0, 0, pageW, 13, "F")
		f.SetTextColor(255, 255, 255)
		f.SetFont("go", "B", 10.5)
		f.SetXY(marginX, 3.5)
		f.CellFormat(contentW, 6, doc.Banner, "", 0, "C", false, 0, "")
		if f.PageNo() > 1 {
			p.color(grey)
			f.SetFont("go", "", 8)
			f.SetXY(marginX, 16)
			f.CellFormat(contentW, 4, doc.Title+" · "+doc.Subtitle, "", 0, "L", false, 0, "")
		}
		f.SetXY(marginX, marginTop)
	}, true)
	f.SetFooterFunc(func() {
		f.SetY(-13)
		f.SetDrawColor(rule[0], rule[1], rule[2])
		f.Line(marginX, f.GetY(), pageW-marginX, f.GetY())
		p.color(grey)
		f.SetFont("go", "", 7.5)
		gen := "Generated " + doc.Generated.UTC().Format("2006-01-02 15:04 MST") + " by MedGemma Workbench " + doc.AppVersion
		f.CellFormat(contentW/2, 6, gen, "", 0, "L", false, 0, "")
		f.CellFormat(contentW/2, 6, fmt.Sprintf("Page %d of {nb}", f.PageNo()), "", 0, "R", false, 0, "")
	})
	f.AddPage()

	p.color(ink)
	f.SetFont("go", "B", 20)
	f.CellFormat(contentW, 9, doc.Title, "", 1, "L", false, 0, "")
	p.color(grey)
	f.SetFont("go", "", 10)
	f.MultiCell(contentW, 5, doc.Subtitle+" · "+doc.Generated.UTC().Format("2 January 2006, 15:04 MST"), "", "L", false)
	f.SetDrawColor(ink[0], ink[1], ink[2])
	f.SetLineWidth(0.6)
	f.Line(marginX, f.GetY()+1.5, pageW-marginX, f.GetY()+1.5)
	f.SetLineWidth(0.2)
	f.Ln(4)

	p.heading("Summary")
	p.facts(doc.Summary)
	p.heading("Scores per prompt and model")
	p.table(doc.Scores)
	if doc.Pairs != nil {
		p.heading("Paired differences")
		p.table(*doc.Pairs)
	}
	if doc.Forest != nil {
		p.figure(*doc.Forest)
	}
	if doc.Calibration != nil {
		p.heading("Calibration")
		p.table(*doc.Calibration)
	}
	if doc.Reliability != nil {
		p.figure(*doc.Reliability)
	}
	if doc.Kappa != nil {
		p.heading("Agreement (kappa)")
		p.table(*doc.Kappa)
	}
	p.heading("Prompts")
	for _, pr := range doc.Prompts {
		p.subheading(pr.Name)
		p.facts(pr.Facts)
		p.block("System prompt as sent", pr.System)
		p.block("Prompt as sent (the prompt's first row)", pr.Text)
	}
	p.heading("Models")
	for _, m := range doc.Models {
		p.subheading(m.Name)
		p.facts(m.Facts)
	}
	p.heading("Provenance")
	p.facts(doc.Provenance)
	p.heading("Methods")
	for _, n := range doc.Notes {
		p.small("• " + n)
		f.Ln(0.8)
	}
	f.Ln(5)
	p.keep(20)
	f.SetDrawColor(rule[0], rule[1], rule[2])
	f.Line(marginX, f.GetY(), pageW-marginX, f.GetY())
	f.Ln(2)
	p.color(ink)
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
	f      *fpdf.Fpdf
	images int
}

func (p *pdfWriter) color(c [3]int) { p.f.SetTextColor(c[0], c[1], c[2]) }

// keep starts a new page unless h millimetres are left on this one.
func (p *pdfWriter) keep(h float64) {
	if p.f.GetY()+h > pageH-marginBottom {
		p.f.AddPage()
	}
}

func (p *pdfWriter) heading(title string) {
	f := p.f
	f.Ln(4)
	p.keep(22)
	p.color(ink)
	f.SetFont("go", "B", 13)
	f.CellFormat(contentW, 7, title, "", 1, "L", false, 0, "")
	f.SetDrawColor(rule[0], rule[1], rule[2])
	f.Line(marginX, f.GetY(), pageW-marginX, f.GetY())
	f.Ln(2)
}

func (p *pdfWriter) subheading(title string) {
	f := p.f
	f.Ln(1.5)
	p.keep(16)
	p.color(ink)
	f.SetFont("go", "B", 10.5)
	f.CellFormat(contentW, 6, title, "", 1, "L", false, 0, "")
}

func (p *pdfWriter) small(text string) {
	p.color(grey)
	p.f.SetFont("go", "", 8.5)
	p.f.MultiCell(contentW, 4, text, "", "L", false)
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
		p.keep(h + 1)
		y := f.GetY()
		p.color(grey)
		f.SetFont("go", "B", 8.8)
		f.SetXY(marginX, y)
		f.CellFormat(labelW, lh, fc.Label, "", 0, "L", false, 0, "")
		p.color(ink)
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
func (p *pdfWriter) table(t Table) {
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
		p.keep(lh + 1)
		f.SetFont("go", style, size)
		for i, c := range cells {
			for f.GetStringWidth(c)+pad > widths[i] && len([]rune(c)) > 1 {
				c = string([]rune(c)[:len([]rune(c))-2]) + "…"
			}
			f.CellFormat(widths[i], lh, c, "B", 0, "L", fill, 0, "")
		}
		f.Ln(-1)
	}
	p.color(ink)
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
		p.small(t.Note)
	}
}

// figure places a plot at its pixels' size at 110 dpi, at most the
// page's width, with its caption.
func (p *pdfWriter) figure(fig Figure) {
	f := p.f
	cfg, err := png.DecodeConfig(bytes.NewReader(fig.PNG))
	if err != nil || cfg.Width == 0 {
		return
	}
	w := min(float64(cfg.Width)*25.4/110, contentW)
	h := w * float64(cfg.Height) / float64(cfg.Width)
	f.Ln(3)
	p.keep(h + 14)
	p.images++
	name := fmt.Sprintf("plot%d", p.images)
	opt := fpdf.ImageOptions{ImageType: "PNG"}
	f.RegisterImageOptionsReader(name, opt, bytes.NewReader(fig.PNG))
	y := f.GetY()
	f.ImageOptions(name, marginX, y, w, h, false, opt, 0, "")
	f.SetXY(marginX, y+h+1.5)
	p.small(fig.Caption)
}

// block writes a titled block of text on a tinted background.
func (p *pdfWriter) block(title, text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	f := p.f
	f.Ln(1.5)
	p.keep(14)
	p.color(grey)
	f.SetFont("go", "B", 8.8)
	f.CellFormat(contentW, 5, title, "", 1, "L", false, 0, "")
	p.color(ink)
	f.SetFont("go", "", 9)
	f.SetFillColor(quote[0], quote[1], quote[2])
	f.SetDrawColor(rule[0], rule[1], rule[2])
	f.SetCellMargin(2.5)
	f.MultiCell(contentW, 4.6, text, "1", "L", true)
	f.SetCellMargin(1)
}
