package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/medgemma-workbench/medgemma-workbench/history/report/dicomout"
)

const reportUsage = "usage: medgemma-workbench report --run RUN_ID [--run RUN_ID]... --format md|html|pdf|dicom-sr|dicom-pdf --out FILE [--include-phi] [--uid-root ROOT]"

// reportPHIHelp says what --include-phi changes, in every format.
const reportPHIHelp = "include the patient's name, IDs, birth date, institution, real dates and file paths. " +
	"For dicom-sr and dicom-pdf the document's patient and study attributes are then those of the source instance, unchanged; " +
	"without it they are the de-identified form the other reports show (names and IDs empty, dates shifted, times removed; " +
	"PatientIdentityRemoved YES). Study, series and instance UIDs are kept either way, so the document files into the source study"

// report runs `report`: a draft report of one run, or of several side by
// side, de-identified unless --include-phi; or one run's report as a DICOM
// document in a new series of its source study.
func (c *cli) report(args []string) error {
	flags := newFlags("report", &c.cfg)
	var runs stringList
	flags.Var(&runs, "run", "a run to report; repeat to compare runs side by side (md, html and pdf)")
	format := flags.String("format", "", "md, html or pdf; dicom-sr (a Comprehensive SR: the answer, the model, its digest, the recipe and prompt version, "+
		"references to the source images) or dicom-pdf (the PDF report as Encapsulated PDF): one run whose images are DICOM files still at their paths, "+
		"written as a new series of their study, titled DRAFT, CompletionFlag PARTIAL (SR) and VerificationFlag UNVERIFIED")
	out := flags.String("out", "", "the report file to write")
	phi := flags.Bool("include-phi", false, reportPHIHelp)
	flags.StringVar(&c.cfg.UIDRoot, "uid-root", c.cfg.UIDRoot, fmt.Sprintf("dicom-sr, dicom-pdf: the organisation's UID root for the new series and instance UIDs "+
		"(digits and dots, at most %d characters; default $%s, else 2.25 UUID-derived UIDs)", dicomout.MaxRootLen, EnvUIDRoot))
	pos, err := parse(flags, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || len(runs) == 0 || *out == "" {
		return usagef("%s", reportUsage)
	}
	dicomFormat := false
	switch *format {
	case "md", "html", "pdf":
	case "dicom-sr", "dicom-pdf":
		dicomFormat = true
		if len(runs) != 1 {
			return usagef("report: --format %s writes one run's document: give one --run", *format)
		}
	default:
		return usagef("report: unknown format %q: use md, html, pdf, dicom-sr or dicom-pdf\n%s", *format, reportUsage)
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
	what := "de-identified"
	if *phi {
		what = "WITH PATIENT DATA"
	}
	if dicomFormat {
		if err := dicomout.ValidRoot(c.cfg.UIDRoot); err != nil {
			return usagef("report: %v", err)
		}
		doc, err := writeDICOMReport(context.Background(), h, ids[0], *format, *out, *phi, dicomout.UIDs{Root: c.cfg.UIDRoot})
		if err != nil {
			return dicomInputError(notFound(err))
		}
		// The new series' UID, never the source study's: UIDs of patient
		// data are not shown.
		fmt.Fprintf(c.stderr, "wrote %s (%s, %s, run %d): new series %s in the source study\n",
			*out, dicomKind(doc.SOPClassUID), what, ids[0], doc.SeriesInstanceUID)
		return nil
	}
	if err := writeReport(context.Background(), h, ids, *format, *out, *phi); err != nil {
		return notFound(err)
	}
	fmt.Fprintf(c.stderr, "wrote %s (%s, %d run(s))\n", *out, what, len(ids))
	return nil
}

// dicomKind names a document's SOP class for the user.
func dicomKind(class string) string {
	if class == dicomout.ComprehensiveSR {
		return "DICOM Comprehensive SR"
	}
	return "DICOM Encapsulated PDF"
}

// dicomInputError makes a run that cannot become a DICOM document (no
// DICOM source, its file gone or changed) bad input.
func dicomInputError(err error) error {
	if errors.Is(err, dicomout.ErrNoSource) || errors.Is(err, dicomout.ErrSourceChanged) || errors.Is(err, fs.ErrNotExist) {
		return &UsageError{err}
	}
	return err
}
