package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/history/report"
)

const reportUsage = "usage: medgemma-workbench report --run RUN_ID [--run RUN_ID]... --format md|html|pdf --out FILE [--include-phi]"

// report runs `report`: a draft report of one run, or of several side by
// side, de-identified unless --include-phi.
func (c *cli) report(args []string) error {
	fs := newFlags("report", &c.cfg)
	var runs stringList
	fs.Var(&runs, "run", "a run to report; repeat to compare runs side by side")
	format := fs.String("format", "", "md, html or pdf")
	out := fs.String("out", "", "the report file to write")
	phi := fs.Bool("include-phi", false, "include the patient's name, IDs, birth date, institution, real dates and file paths")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || len(runs) == 0 || *out == "" {
		return usagef("%s", reportUsage)
	}
	switch *format {
	case "md", "html", "pdf":
	default:
		return usagef("report: unknown format %q: use md, html or pdf\n%s", *format, reportUsage)
	}
	var ids []int64
	for _, r := range runs {
		id, err := runID(r)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	h, err := c.openHistory()
	if err != nil {
		return err
	}
	defer h.Close()
	if err := writeReport(context.Background(), h, ids, *format, *out, *phi); err != nil {
		return notFound(err)
	}
	what := "de-identified"
	if *phi {
		what = "WITH PATIENT DATA"
	}
	fmt.Fprintf(c.stderr, "wrote %s (%s, %d run(s))\n", *out, what, len(ids))
	return nil
}

// writeReport builds the report of the runs ids from h and writes it to
// out in format (md, html or pdf), de-identified unless phi. A missing run
// is an error wrapping history.ErrNotFound.
func writeReport(ctx context.Context, h *history.Store, ids []int64, format, out string, phi bool) error {
	doc, err := report.Build(ctx, h, ids, report.Options{IncludePHI: phi, AppVersion: Version})
	if err != nil {
		return err
	}
	switch format {
	case "md":
		err = writeMarkdownReport(doc, out)
	case "html":
		var b []byte
		if b, err = report.HTML(doc); err == nil {
			err = writeFileAtomic(out, b)
		}
	case "pdf":
		var b []byte
		if b, err = report.PDF(doc); err == nil {
			err = writeFileAtomic(out, b)
		}
	default:
		return fmt.Errorf("report %s: unknown format %q: use md, html or pdf", out, format)
	}
	if err != nil {
		return fmt.Errorf("report %s: %w", out, err)
	}
	return nil
}

// writeMarkdownReport writes the Markdown to path and its figures to a
// folder beside it, named after it: report.md and report_files/.
func writeMarkdownReport(doc *report.Document, path string) error {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + "_files"
	dir := filepath.Join(filepath.Dir(path), base)
	var links []string
	if len(doc.Figures) > 0 {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	for i, f := range doc.Figures {
		name := fmt.Sprintf("figure-%d.png", i+1)
		if err := writeFileAtomic(filepath.Join(dir, name), f.PNG); err != nil {
			return err
		}
		links = append(links, base+"/"+name)
	}
	return writeFileAtomic(path, report.Markdown(doc, links))
}
