package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
	"github.com/medgemma-workbench/medgemma-workbench/pacs"

	"github.com/medgemma-workbench/medgemma-workbench/history/report/dicomout"
)

var reportUsage = "usage: medgemma-workbench report --run RUN_ID [--run RUN_ID]... --format " + strings.Join(runReportFormatNames(false), "|") + " --out FILE [--include-phi]\n" +
	"       medgemma-workbench report --run RUN_ID --format " + strings.Join(runReportFormatNames(true), "|") + " (--out FILE.dcm | --stow URL) [--user NAME | --token TOKEN [--token-header NAME]] [--json] [--include-phi] [--uid-root ROOT]"

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
	format := flags.String("format", "", runReportFormatHelp())
	out := flags.String("out", "", "the report file to write")
	phi := flags.Bool("include-phi", false, reportPHIHelp)
	flags.StringVar(&c.cfg.UIDRoot, "uid-root", c.cfg.UIDRoot, fmt.Sprintf("dicom-sr, dicom-pdf: the organisation's UID root for the new series and instance UIDs "+
		"(digits and dots, at most %d characters; default $%s, else 2.25 UUID-derived UIDs)", dicomout.MaxRootLen, EnvUIDRoot))
	stow := flags.String("stow", "", "dicom-sr, dicom-pdf: also (or instead of --out) store the document on this DICOMweb server (STOW-RS), "+
		"e.g. http://pacs:8042/dicom-web, with the credentials of `pacs` (--user, --token, --token-header, $"+EnvPACSUser+", $"+EnvPACSPassword+", $"+EnvPACSToken+", $"+EnvPACSTokenHeader+")")
	var pf pacsFlags
	pf.registerAuth(flags)
	flags.BoolVar(&pf.json, "json", false, "with --stow: print the stored instance as a JSON object (sop_instance_uid, series_instance_uid, study_instance_uid, retrieve_url)")
	pos, err := parse(flags, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || len(runs) == 0 || *out == "" && *stow == "" {
		return usagef("%s", reportUsage)
	}
	f, err := parseRunReportFormat(*format)
	if err != nil {
		return usagef("report: %v\n%s", err, reportUsage)
	}
	dicomFormat := f.dicom()
	if dicomFormat && len(runs) != 1 {
		return usagef("report: --format %s writes one run's document: give one --run", *format)
	}
	if *stow != "" && !dicomFormat {
		return usagef("report: --stow stores a DICOM document: use --format %s", orList(runReportFormatNames(true)))
	}
	if *out == "" && !dicomFormat {
		return usagef("%s", reportUsage)
	}
	var srv core.PACSServer
	if *stow != "" {
		pf.url = *stow
		if srv, err = pf.server(); err != nil {
			return err
		}
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
		uids := dicomout.UIDs{Root: c.cfg.UIDRoot}
		var doc *dicomout.Document
		if *out != "" {
			doc, err = writeDICOMReport(context.Background(), h, ids[0], *format, *out, *phi, uids)
		} else {
			doc, err = buildDICOMReport(context.Background(), h, ids[0], *format, *phi, uids)
		}
		if err != nil {
			return dicomInputError(notFound(err))
		}
		if *out != "" {
			// The new series' UID, never the source study's: UIDs of
			// patient data are not shown.
			fmt.Fprintf(c.stderr, "wrote %s (%s, %s, run %d): new series %s in the source study\n",
				*out, dicomKind(doc.SOPClassUID), what, ids[0], doc.SeriesInstanceUID)
		}
		if *stow == "" {
			return nil
		}
		return c.stowReport(srv, doc, pf.json, what, ids[0])
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

// stowedReport is what `report --stow --json` prints: the stored
// document's UIDs and where the server serves it.
type stowedReport struct {
	SOPInstanceUID    string `json:"sop_instance_uid"`
	SeriesInstanceUID string `json:"series_instance_uid"`
	StudyInstanceUID  string `json:"study_instance_uid"`
	RetrieveURL       string `json:"retrieve_url"`
}

// stowReport stores doc on srv (STOW-RS) and prints its SOP Instance
// UID, or with jsonOut the stowedReport. The document goes through a
// file in the data folder's tmp, removed after.
func (c *cli) stowReport(srv core.PACSServer, doc *dicomout.Document, jsonOut bool, what string, id int64) error {
	p, err := OpenPACS(c.cfg.DataDir, 0)
	if err != nil {
		return err
	}
	tmp := filepath.Join(c.cfg.DataDir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(tmp, "stow-*.dcm")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(doc.Bytes)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("report --stow: write %s: %w", f.Name(), err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := p.Store(ctx, srv, f.Name())
	if err != nil {
		if errors.Is(err, pacs.ErrStowFailed) && len(res.Failed) > 0 {
			return fmt.Errorf("report --stow: %s refused the %s (failure reason 0x%04X): %w", redact.Text(srv.URL), dicomKind(doc.SOPClassUID), res.Failed[0].Reason, err)
		}
		return err
	}
	r := stowedReport{SOPInstanceUID: doc.SOPInstanceUID, SeriesInstanceUID: doc.SeriesInstanceUID, StudyInstanceUID: doc.StudyInstanceUID, RetrieveURL: res.RetrieveURL}
	for _, s := range res.Stored {
		if s.SOPInstanceUID == doc.SOPInstanceUID {
			if s.RetrieveURL != "" {
				r.RetrieveURL = s.RetrieveURL
			}
			break
		}
	}
	fmt.Fprintf(c.stderr, "stored on %s (%s, %s, run %d): new series %s in the source study\n",
		redact.Text(srv.URL), dicomKind(doc.SOPClassUID), what, id, doc.SeriesInstanceUID)
	if jsonOut {
		return json.NewEncoder(c.stdout).Encode(r)
	}
	fmt.Fprintln(c.stdout, r.SOPInstanceUID)
	return nil
}
