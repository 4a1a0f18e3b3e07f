package evalreport

import (
	"bytes"
	"html/template"

	"github.com/medgemma-workbench/medgemma-workbench/internal/htmlfuncs"
)

// HTML renders doc as one self-contained HTML file, the plots embedded
// as data URLs, laid out for the screen and for printing on A4 with the
// banner on every printed page.
func HTML(doc *Document) ([]byte, error) {
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, doc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var htmlTemplate = template.Must(template.New("eval").Funcs(htmlfuncs.Map()).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}} — {{.Subtitle}}</title>
<style>
  @page { size: A4; margin: 22mm 14mm 18mm; }
  body { font: 10.5pt/1.45 "Helvetica Neue", Arial, sans-serif; color: #1a1a1a; max-width: 190mm; margin: 0 auto; padding: 16mm 0 12mm; }
  .banner { position: fixed; top: 0; left: 0; right: 0; background: #b3261e; color: #fff; text-align: center;
    font-weight: 700; letter-spacing: .02em; padding: 2mm 0; font-size: 10pt; }
  header.doc { border-bottom: 2px solid #1a1a1a; margin-bottom: 6mm; }
  h1 { font-size: 20pt; margin: 0 0 1mm; }
  .sub { color: #555; margin: 0 0 3mm; }
  h2 { font-size: 13pt; border-bottom: 1px solid #bbb; padding-bottom: 1mm; margin-top: 8mm; break-after: avoid; }
  h3 { font-size: 11pt; margin: 4mm 0 1mm; color: #333; break-after: avoid; }
  table { border-collapse: collapse; width: 100%; font-size: 9pt; margin: 2mm 0; }
  table.data th { text-align: left; background: #eee; border-bottom: 1px solid #999; padding: 1mm 1.5mm; }
  table.data td { border-bottom: 1px solid #e3e3e3; padding: 1mm 1.5mm; font-variant-numeric: tabular-nums; }
  table.facts th { text-align: left; font-weight: 600; width: 30%; color: #444; vertical-align: top; padding: 1mm 2mm; border-bottom: 1px solid #e3e3e3; }
  table.facts td { padding: 1mm 2mm; border-bottom: 1px solid #e3e3e3; overflow-wrap: anywhere; }
  .note, .caption, .notes { font-size: 8.5pt; color: #555; }
  figure { margin: 4mm 0; break-inside: avoid; }
  figure img { max-width: 100%; }
  blockquote { margin: 1mm 0 3mm; padding: 1mm 4mm; border-left: 3px solid #999; background: #f6f6f6; white-space: pre-wrap; font-size: 9pt; }
  code, .mono { font-family: "Go Mono", Menlo, monospace; font-size: 8.5pt; }
  footer { margin-top: 10mm; border-top: 1px solid #bbb; padding-top: 2mm; font-size: 9pt; color: #444; }
  @media print { body { padding-top: 0; } }
</style>
</head>
<body>
<div class="banner">{{.Banner}}</div>
<header class="doc">
  <h1>{{.Title}}</h1>
  <p class="sub">{{.Subtitle}} · generated {{date .Generated}}{{if .AppVersion}} · MedGemma Workbench {{.AppVersion}}{{end}}</p>
</header>
<h2>Summary</h2>
{{template "facts" .Summary}}
<h2>Scores per prompt and model</h2>
{{template "table" .Scores}}
{{with .Pairs}}<h2>Paired differences</h2>
{{template "table" .}}{{end}}
{{with .Forest}}{{template "figure" .}}{{end}}
{{with .Calibration}}<h2>Calibration</h2>
{{template "table" .}}{{end}}
{{with .Reliability}}{{template "figure" .}}{{end}}
{{with .Kappa}}<h2>Agreement (kappa)</h2>
{{template "table" .}}{{end}}
<h2>Prompts</h2>
{{range .Prompts}}<h3>{{.Name}}</h3>
{{template "facts" .Facts}}
{{if .System}}<p class="note">System prompt as sent</p><blockquote>{{.System}}</blockquote>{{end}}
{{if .Text}}<p class="note">Prompt as sent (the prompt's first row)</p><blockquote>{{.Text}}</blockquote>{{end}}
{{end}}
<h2>Models</h2>
{{range .Models}}<h3>{{.Name}}</h3>
{{template "facts" .Facts}}{{end}}
<h2>Provenance</h2>
{{template "facts" .Provenance}}
<h2>Methods</h2>
<ul class="notes">{{range .Notes}}<li>{{.}}</li>{{end}}</ul>
<footer><p>{{.Disclaimer}}</p><p><strong>{{.Banner}}</strong></p></footer>
</body>
</html>
{{define "facts"}}<table class="facts">{{range .}}<tr><th>{{.Label}}</th><td>{{.Value}}</td></tr>{{end}}</table>{{end}}
{{define "table"}}<table class="data"><thead><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</tbody></table>
{{if .Note}}<p class="note">{{.Note}}</p>{{end}}{{end}}
{{define "figure"}}<figure><img src="{{dataURI .PNG}}" alt="{{.Caption}}"><figcaption class="caption">{{.Caption}}</figcaption></figure>{{end}}
`))
