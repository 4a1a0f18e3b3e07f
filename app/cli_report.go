package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/medgemma-workbench/medgemma-workbench/history"
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

// reportArgs are report's flags.
type reportArgs struct {
	runs              stringList
	format, out, stow string
	phi               bool
	pf                pacsFlags // --stow's credentials, --json
}

func (a *reportArgs) register(fs *flag.FlagSet, cfg *Config) {
	fs.Var(&a.runs, "run", "a run to report; repeat to compare runs side by side (md, html and pdf)")
	fs.StringVar(&a.format, "format", "", runReportFormatHelp())
	fs.StringVar(&a.out, "out", "", "the report file to write")
	fs.BoolVar(&a.phi, "include-phi", false, reportPHIHelp)
	fs.StringVar(&cfg.UIDRoot, "uid-root", cfg.UIDRoot, fmt.Sprintf("dicom-sr, dicom-pdf: the organisation's UID root for the new series and instance UIDs "+
		"(digits and dots, at most %d characters; default $%s, else 2.25 UUID-derived UIDs)", dicomout.MaxRootLen, EnvUIDRoot))
	fs.StringVar(&a.stow, "stow", "", "dicom-sr, dicom-pdf: also (or instead of --out) store the document on this DICOMweb server (STOW-RS), "+
		"e.g. http://pacs:8042/dicom-web, with the credentials of `pacs` (--user, --token, --token-header, $"+EnvPACSUser+", $"+EnvPACSPassword+", $"+EnvPACSToken+", $"+EnvPACSTokenHeader+")")
	a.pf.registerAuth(fs)
	fs.BoolVar(&a.pf.json, "json", false, "with --stow: print the stored instance as a JSON object (sop_instance_uid, series_instance_uid, study_instance_uid, retrieve_url)")
}

// check refuses flags that do not make a report: it needs runs and
// somewhere to put it, a known format, one run for a DICOM document,
// and --stow only for one; it returns the format.
func (a *reportArgs) check(pos []string) (runReportFormat, error) {
	if len(pos) > 0 || len(a.runs) == 0 || a.out == "" && a.stow == "" {
		return runReportFormat{}, usagef("%s", reportUsage)
	}
	f, err := parseRunReportFormat(a.format)
	if err != nil {
		return f, usagef("report: %v\n%s", err, reportUsage)
	}
	switch dicomFormat := f.dicom(); {
	case dicomFormat && len(a.runs) != 1:
		return f, usagef("report: --format %s writes one run's document: give one --run", a.format)
	case a.stow != "" && !dicomFormat:
		return f, usagef("report: --stow stores a DICOM document: use --format %s", orList(runReportFormatNames(true)))
	case a.out == "" && !dicomFormat:
		return f, usagef("%s", reportUsage)
	}
	return f, nil
}

// stowServer is the --stow server with its credentials (none without
// --stow).
func (a *reportArgs) stowServer() (core.PACSServer, error) {
	if a.stow == "" {
		return core.PACSServer{}, nil
	}
	a.pf.url = a.stow
	return a.pf.server()
}

// what says whether the report holds patient data.
func (a *reportArgs) what() string {
	if a.phi {
		return "WITH PATIENT DATA"
	}
	return "de-identified"
}

// runIDs reads the --run values.
func runIDs(runs []string) ([]int64, error) {
	var ids []int64
	for _, r := range runs {
		id, err := runID(r)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// report runs `report`: a draft report of one run, or of several side by
// side, de-identified unless --include-phi; or one run's report as a DICOM
// document in a new series of its source study.
func (c *cli) report(args []string) error {
	flags := newFlags("report", &c.cfg)
	var a reportArgs
	a.register(flags, &c.cfg)
	pos, err := parse(flags, args)
	if err != nil {
		return err
	}
	f, err := a.check(pos)
	if err != nil {
		return err
	}
	srv, err := a.stowServer()
	if err != nil {
		return err
	}
	ids, err := runIDs(a.runs)
	if err != nil {
		return err
	}
	h, err := c.openHistory()
	if err != nil {
		return err
	}
	defer h.Close()
	if f.dicom() {
		return c.reportDICOM(h, ids[0], a, srv)
	}
	if err := writeReport(context.Background(), h, ids, a.format, a.out, a.phi); err != nil {
		return notFound(err)
	}
	fmt.Fprintf(c.stderr, "wrote %s (%s, %d run(s))\n", a.out, a.what(), len(ids))
	return nil
}

// reportDICOM makes run id's DICOM document: written to --out, stored on
// srv with --stow, or both.
func (c *cli) reportDICOM(h *history.Store, id int64, a reportArgs, srv core.PACSServer) error {
	if err := dicomout.ValidRoot(c.cfg.UIDRoot); err != nil {
		return usagef("report: %v", err)
	}
	uids := dicomout.UIDs{Root: c.cfg.UIDRoot}
	var doc *dicomout.Document
	var err error
	if a.out != "" {
		doc, err = writeDICOMReport(context.Background(), h, id, a.format, a.out, a.phi, uids)
	} else {
		doc, err = buildDICOMReport(context.Background(), h, id, a.format, a.phi, uids)
	}
	if err != nil {
		return dicomInputError(notFound(err))
	}
	if a.out != "" {
		// The new series' UID, never the source study's: UIDs of
		// patient data are not shown.
		fmt.Fprintf(c.stderr, "wrote %s (%s, %s, run %d): new series %s in the source study\n",
			a.out, dicomKind(doc.SOPClassUID), a.what(), id, doc.SeriesInstanceUID)
	}
	if a.stow == "" {
		return nil
	}
	return c.stowReport(srv, doc, a.pf.json, a.what(), id)
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
