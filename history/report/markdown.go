package report

import (
	"fmt"
	"strings"
)

// Markdown renders doc as Markdown. The figures are not embedded: figure i
// is linked as figureLinks[i] (a path relative to the Markdown file), and
// the caller writes Figures[i].PNG there.
func Markdown(doc *Document, figureLinks []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "> **%s**\n\n", doc.Banner)
	fmt.Fprintf(&b, "# %s\n\n%s · generated %s\n\n", doc.Title, doc.Subtitle, doc.Generated.Local().Format("2006-01-02 15:04 MST"))
	if doc.IncludePHI {
		b.WriteString("**Contains protected health information.** Do not share outside the care or research team.\n\n")
		b.WriteString("## Patient\n\n")
		mdTable(&b, doc.PHI)
	}
	b.WriteString("## Study\n\n")
	mdTable(&b, doc.Study)
	if doc.Deidentification != "" {
		fmt.Fprintf(&b, "*%s*\n\n", doc.Deidentification)
	}
	if len(doc.Figures) > 0 {
		b.WriteString("## Images\n\n")
		for i, f := range doc.Figures {
			link := ""
			if i < len(figureLinks) {
				link = figureLinks[i]
			}
			fmt.Fprintf(&b, "![%s](%s)\n\n*%s*\n\n", mdEscape(firstSentence(f.Caption)), link, mdEscape(f.Caption))
		}
	}
	for _, r := range doc.Runs {
		fmt.Fprintf(&b, "## %s\n\n", mdEscape(r.Heading))
		mdTable(&b, r.Facts)
		mdText(&b, "System prompt", r.System)
		mdText(&b, "Prompt", r.Prompt)
		mdText(&b, "Model's thinking", r.Thinking)
		if strings.TrimSpace(r.Answer) == "" {
			b.WriteString("### Answer (draft)\n\n*(no answer)*\n\n")
		} else {
			fmt.Fprintf(&b, "### Answer (draft)\n\n%s\n\n", strings.TrimSpace(r.Answer))
		}
		mdText(&b, "Researcher's notes", r.Note)
	}
	if len(doc.Notes) > 0 {
		b.WriteString("## Notes on this report\n\n")
		for _, n := range doc.Notes {
			fmt.Fprintf(&b, "- %s\n", mdEscape(n))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "---\n\n*%s*\n\n> **%s**\n", doc.Disclaimer, doc.Banner)
	return []byte(b.String())
}

func mdTable(b *strings.Builder, facts []Fact) {
	if len(facts) == 0 {
		return
	}
	b.WriteString("| | |\n|---|---|\n")
	for _, f := range facts {
		fmt.Fprintf(b, "| %s | %s |\n", mdCell(f.Label), mdCell(f.Value))
	}
	b.WriteString("\n")
}

// mdText writes a prompt or other text the user typed as a quoted block.
func mdText(b *strings.Builder, title, text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	fmt.Fprintf(b, "### %s\n\n", title)
	for _, line := range strings.Split(text, "\n") {
		fmt.Fprintf(b, "> %s\n", mdEscape(line))
	}
	b.WriteString("\n")
}

func mdCell(s string) string {
	s = strings.ReplaceAll(mdEscape(s), "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;", "#", `\#`)

func mdEscape(s string) string { return mdEscaper.Replace(s) }

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i]
	}
	return s
}
