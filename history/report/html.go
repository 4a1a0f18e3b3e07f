package report

import (
	"bytes"
	"html/template"

	"github.com/medgemma-workbench/medgemma-workbench/internal/htmlfuncs"
)

// HTML renders doc as one self-contained HTML file (figures embedded as
// data URIs), laid out for the screen and for printing on A4, with the
// banner on every printed page.
func HTML(doc *Document) ([]byte, error) {
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var htmlTemplate = template.Must(template.New("report").Funcs(htmlfuncs.Map()).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}} — {{.Subtitle}}</title>
<style>
  @page { size: A4; margin: 22mm 18mm 18mm; }
  body { font: 11pt/1.45 "Helvetica Neue", Arial, sans-serif; color: #1a1a1a; max-width: 180mm; margin: 0 auto; padding: 16mm 0 12mm; }
  .banner { position: fixed; top: 0; left: 0; right: 0; background: #b3261e; color: #fff; text-align: center;
    font-weight: 700; letter-spacing: .02em; padding: 2mm 0; font-size: 10pt; }
  header.doc { border-bottom: 2px solid #1a1a1a; margin-bottom: 6mm; }
  h1 { font-size: 20pt; margin: 0 0 1mm; }
  .sub { color: #555; margin: 0 0 3mm; }
  h2 { font-size: 13pt; border-bottom: 1px solid #bbb; padding-bottom: 1mm; margin-top: 8mm; break-after: avoid; }
  h3 { font-size: 11pt; margin: 4mm 0 1mm; color: #333; break-after: avoid; }
  table.facts { border-collapse: collapse; width: 100%; font-size: 10pt; }
  table.facts th { text-align: left; font-weight: 600; width: 32%; color: #444; vertical-align: top; }
  table.facts th, table.facts td { padding: 1mm 2mm; border-bottom: 1px solid #e3e3e3; word-break: break-all; }
  table.facts td { word-break: normal; overflow-wrap: anywhere; }
  .phi { border: 2px solid #b3261e; padding: 2mm 4mm; margin: 4mm 0; }
  .phi strong { color: #b3261e; }
  .deid, .caption, .notes { font-size: 9pt; color: #555; }
  figure { margin: 4mm 0; break-inside: avoid; text-align: center; }
  figure img { max-width: 100%; max-height: 120mm; background: #000; }
  blockquote { margin: 1mm 0 3mm; padding: 1mm 4mm; border-left: 3px solid #999; background: #f6f6f6; white-space: pre-wrap; }
  .answer { border: 1px solid #c9c9c9; padding: 2mm 4mm; background: #fffdf4; }
  .answer p { margin: 1mm 0; white-space: pre-wrap; }
  .thinking { color: #555; font-style: italic; }
  footer { margin-top: 10mm; border-top: 1px solid #bbb; padding-top: 2mm; font-size: 9pt; color: #444; }
  section.run { break-inside: auto; }
  @media print { body { padding-top: 0; } }
</style>
</head>
<body>
<div class="banner">{{.Banner}}</div>
<header class="doc">
  <h1>{{.Title}}</h1>
  <p class="sub">{{.Subtitle}} · generated {{date .Generated}}{{if .AppVersion}} · version {{.AppVersion}}{{end}}</p>
</header>
{{if .IncludePHI}}<div class="phi"><p><strong>Contains protected health information.</strong> Do not share outside the care or research team.</p>
<table class="facts">{{range .PHI}}<tr><th>{{.Label}}</th><td>{{.Value}}</td></tr>{{end}}</table></div>{{end}}
<h2>Study</h2>
<table class="facts">{{range .Study}}<tr><th>{{.Label}}</th><td>{{.Value}}</td></tr>{{end}}</table>
{{if .Deidentification}}<p class="deid">{{.Deidentification}}</p>{{end}}
{{if .Figures}}<h2>Images</h2>
{{range .Figures}}<figure><img src="{{dataURI .PNG}}" alt="{{.Caption}}"><figcaption class="caption">{{.Caption}}</figcaption></figure>
{{end}}{{end}}
{{range .Runs}}<section class="run">
<h2>{{.Heading}}</h2>
<table class="facts">{{range .Facts}}<tr><th>{{.Label}}</th><td>{{.Value}}</td></tr>{{end}}</table>
{{if .System}}<h3>System prompt</h3><blockquote>{{.System}}</blockquote>{{end}}
<h3>Prompt</h3><blockquote>{{.Prompt}}</blockquote>
{{if .Thinking}}<h3>Model's thinking</h3><blockquote class="thinking">{{.Thinking}}</blockquote>{{end}}
<h3>Answer (draft)</h3>
<div class="answer">{{range paragraphs .Answer}}<p>{{.}}</p>{{else}}<p><em>(no answer)</em></p>{{end}}</div>
{{if .Note}}<h3>Researcher's notes</h3><blockquote>{{.Note}}</blockquote>{{end}}
</section>
{{end}}
{{if .Notes}}<h2>Notes on this report</h2><ul class="notes">{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
<footer><p>{{.Disclaimer}}</p><p><strong>{{.Banner}}</strong></p></footer>
</body>
</html>
`))
