package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/history/report"
	"github.com/medgemma-workbench/medgemma-workbench/history/report/dicomout"
)

// runReportFormat is one format of `report --format` and of the window's
// Export report…. The formats are the entries of runReportFormats: parsing,
// the flag's help, the usage line and the error text come from the table,
// so a new format is one entry (and its writer or builder).
type runReportFormat struct {
	name string
	help string // what it is, for --format's help; "" says nothing more than the name
	// write writes a report of one or more runs to out (md, html, pdf).
	write func(doc *report.Document, out string) error
	// build makes one run's DICOM document, a new series of its source
	// study (dicom-sr, dicom-pdf); rep is the run as dicomout reads it.
	build func(ctx context.Context, h *history.Store, id int64, rep *dicomout.Report, phi bool, ids dicomout.UIDs) (*dicomout.Document, error)
}

// dicom reports whether f is one run's DICOM document, which --stow may
// store on a PACS.
func (f runReportFormat) dicom() bool { return f.build != nil }

var runReportFormats = []runReportFormat{
	{name: "md", write: writeMarkdownReport},
	{name: "html", write: writeRendered(report.HTML)},
	{name: "pdf", write: writeRendered(report.PDF)},
	{name: "dicom-sr", help: "a Comprehensive SR: the answer, the model, its digest, the recipe and prompt version, references to the source images",
		build: func(_ context.Context, _ *history.Store, _ int64, rep *dicomout.Report, _ bool, ids dicomout.UIDs) (*dicomout.Document, error) {
			return dicomout.BuildSR(rep, ids)
		}},
	{name: "dicom-pdf", help: "the PDF report as Encapsulated PDF",
		build: func(ctx context.Context, h *history.Store, id int64, rep *dicomout.Report, phi bool, ids dicomout.UIDs) (*dicomout.Document, error) {
			doc, err := report.Build(ctx, h, []int64{id}, report.Options{IncludePHI: phi, AppVersion: Version, Now: rep.Created})
			if err != nil {
				return nil, err
			}
			pdf, err := report.PDF(doc)
			if err != nil {
				return nil, err
			}
			return dicomout.BuildPDF(rep, pdf, ids)
		}},
}

// writeRendered writes what render makes of a report to a file.
func writeRendered(render func(*report.Document) ([]byte, error)) func(*report.Document, string) error {
	return func(doc *report.Document, out string) error {
		b, err := render(doc)
		if err != nil {
			return err
		}
		return writeFileAtomic(out, b)
	}
}

// runReportFormatNames are the names of the DICOM formats (dicom true) or
// of the others, in the table's order.
func runReportFormatNames(dicom bool) []string {
	var names []string
	for _, f := range runReportFormats {
		if f.dicom() == dicom {
			names = append(names, f.name)
		}
	}
	return names
}

// parseRunReportFormat returns the format named name; the error lists the
// formats of the same kind (DICOM or not) when dicom says which is
// wanted, else all of them.
func parseRunReportFormat(name string, want ...bool) (runReportFormat, error) {
	for _, f := range runReportFormats {
		if f.name == name && (len(want) == 0 || f.dicom() == want[0]) {
			return f, nil
		}
	}
	names := append(runReportFormatNames(false), runReportFormatNames(true)...)
	if len(want) > 0 {
		names = runReportFormatNames(want[0])
	}
	return runReportFormat{}, fmt.Errorf("unknown format %q: use %s", name, orList(names))
}

// runReportFormatHelp is --format's help: every format, the DICOM ones with
// what they are.
func runReportFormatHelp() string {
	var dicom []string
	for _, f := range runReportFormats {
		if f.dicom() {
			dicom = append(dicom, f.name+" ("+f.help+")")
		}
	}
	return orList(runReportFormatNames(false)) + "; " + orList(dicom) + ": one run whose images are DICOM files still at their paths, " +
		"written as a new series of their study, titled DRAFT, CompletionFlag PARTIAL (SR) and VerificationFlag UNVERIFIED"
}

// orList joins names as "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
