package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/keychain"
	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
	"github.com/medgemma-workbench/medgemma-workbench/pacs"
)

// This file is the command line's `pacs` (find, series, get, store) and
// the retrieve of a dicomweb:// source that prepare, render, ask and
// batch accept where they accept a file.

const pacsUsage = `usage: medgemma-workbench pacs find --url URL [--patient-id ID] [--patient-name NAME] [--modality M] [--date FROM-TO] [--accession A] [--description D] [--limit N] [--offset N] [--json]
       medgemma-workbench pacs series --url URL STUDY_UID [--json]
       medgemma-workbench pacs get --url URL STUDY_UID [--series UID]... [--json]
       medgemma-workbench pacs store --url URL FILE.dcm... [--json]
  URL is the DICOMweb root, e.g. http://pacs:8042/dicom-web (default $` + EnvPACSURL + `).
  Credentials: --user NAME with the password in $` + EnvPACSPassword + ` (else the system keychain),
  or --token TOKEN (default $` + EnvPACSToken + `), sent as "Authorization: Bearer TOKEN" or, with
  --token-header NAME (default $` + EnvPACSTokenHeader + `), as "NAME: TOKEN" (e.g. X-Api-Key),
  or user:password@ in the URL.`

// pacsFlags are the flags of every pacs subcommand.
type pacsFlags struct {
	url, user, token, tokenHeader string
	json                          bool
	timeout                       time.Duration
}

func (f *pacsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "url", os.Getenv(EnvPACSURL), "the DICOMweb root, e.g. http://pacs:8042/dicom-web (default $"+EnvPACSURL+")")
	f.registerAuth(fs)
	fs.BoolVar(&f.json, "json", false, "print JSON (Lines for lists)")
}

// registerAuth registers the credential and timeout flags alone: every
// command that talks to a PACS (pacs, report --stow) takes them so.
func (f *pacsFlags) registerAuth(fs *flag.FlagSet) {
	fs.StringVar(&f.user, "user", os.Getenv(EnvPACSUser), "user for HTTP basic authentication; the password comes from $"+EnvPACSPassword+", else the system keychain (default $"+EnvPACSUser+")")
	fs.StringVar(&f.token, "token", os.Getenv(EnvPACSToken), "bearer token, or the token of --token-header (default $"+EnvPACSToken+")")
	fs.StringVar(&f.tokenHeader, "token-header", os.Getenv(EnvPACSTokenHeader), "send the token in this header as it is (e.g. X-Api-Key) instead of \"Authorization: Bearer\" (default $"+EnvPACSTokenHeader+")")
	fs.DurationVar(&f.timeout, "timeout", pacs.DefaultTimeout, "how long to wait for an answer, or through a pause in one")
}

// server is the server the flags name.
func (f *pacsFlags) server() (core.PACSServer, error) {
	if f.url == "" {
		return core.PACSServer{}, usagef("give --url (the DICOMweb root, e.g. http://pacs:8042/dicom-web) or set $%s\n%s", EnvPACSURL, pacsUsage)
	}
	return pacsServer(f.url, core.PACSAuth{User: f.user, Token: f.token, Header: f.tokenHeader}, f.timeout)
}

// pacsServer is the server at url with the command line's credentials,
// the password of HTTP basic from $MEDGEMMA_WORKBENCH_PACS_PASSWORD or the
// keychain; a token header it cannot use is a usage error naming the
// server. Every command that talks to a PACS (pacs, report --stow) builds
// its server so.
func pacsServer(url string, auth core.PACSAuth, timeout time.Duration) (core.PACSServer, error) {
	srv := core.PACSServer{URL: url, PACSAuth: auth, Timeout: timeout}
	if err := auth.Check(); err != nil {
		return srv, usagef("PACS %s: %v (--token, --token-header, $%s, $%s)", redact.URL(url), err, EnvPACSToken, EnvPACSTokenHeader)
	}
	if srv.Kind() == core.PACSAuthBasic {
		pw, err := pacsPassword(os.Getenv)
		if err != nil {
			return srv, err
		}
		srv.Password = pw
	}
	return srv, nil
}

// pacsPassword is $MEDGEMMA_WORKBENCH_PACS_PASSWORD, else the keychain's
// SecretPACSPassword.
func pacsPassword(getenv func(string) string) (string, error) {
	if pw := getenv(EnvPACSPassword); pw != "" {
		return pw, nil
	}
	pw, err := keychain.New(AppName, keychain.DefaultFallback(AppName)).Get(SecretPACSPassword)
	if err != nil {
		return "", fmt.Errorf("PACS password: %w; set $%s instead", err, EnvPACSPassword)
	}
	return pw, nil
}

// pacs runs `pacs find|series|get|store`.
func (c *cli) pacs(args []string) error {
	if len(args) == 0 {
		return usagef("%s", pacsUsage)
	}
	sub, args := args[0], args[1:]
	fs := newFlags("pacs "+sub, &c.cfg)
	var f pacsFlags
	f.register(fs)
	var q core.PACSQuery
	var date string
	var series stringList
	switch sub {
	case "find":
		fs.StringVar(&q.PatientID, "patient-id", "", "PatientID (wildcards * and ?)")
		fs.StringVar(&q.PatientName, "patient-name", "", "PatientName, e.g. 'DOE^J*' (wildcards * and ?)")
		fs.StringVar(&q.Modality, "modality", "", "a modality in the study (CT, MR, CR, …)")
		fs.StringVar(&date, "date", "", "StudyDate: YYYYMMDD, or a range FROM-TO (either end may be left open)")
		fs.StringVar(&q.Accession, "accession", "", "AccessionNumber")
		fs.StringVar(&q.Description, "description", "", "StudyDescription (wildcards * and ?)")
		fs.IntVar(&q.Limit, "limit", 100, "at most this many studies (0: as many as the server gives)")
		fs.IntVar(&q.Offset, "offset", 0, "skip this many studies first (the next page: --offset plus --limit)")
	case "get":
		fs.Var(&series, "series", "retrieve only this series (SeriesInstanceUID); repeat for several (default: the whole study)")
	case "series", "store":
	default:
		return usagef("pacs: unknown subcommand %q\n%s", sub, pacsUsage)
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	want := map[string]int{"find": 0, "series": 1, "get": 1}[sub]
	if sub == "store" && len(pos) == 0 || sub != "store" && len(pos) != want {
		return usagef("pacs %s: wrong arguments\n%s", sub, pacsUsage)
	}
	if q.DateFrom, q.DateTo, err = parseDateRange(date); err != nil {
		return err
	}
	srv, err := f.server()
	if err != nil {
		return err
	}
	if err := c.cfg.resolve(); err != nil {
		return err
	}
	p, err := OpenPACS(c.cfg.DataDir, 0)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch sub {
	case "find":
		return c.pacsFind(ctx, p, srv, q, f.json)
	case "series":
		ss, err := p.Series(ctx, srv, pos[0])
		if err != nil {
			return err
		}
		return printList(c.stdout, f.json, ss, "SERIES_UID\tMODALITY\tNUMBER\tINSTANCES\tDESCRIPTION", func(s core.PACSSeries) string {
			return fmt.Sprintf("%s\t%s\t%d\t%d\t%s", s.UID, s.Modality, s.Number, s.Instances, s.Description)
		})
	case "get":
		pl := c.pacsProgress()
		r, err := p.Retrieve(ctx, srv, pos[0], series, pl.show)
		pl.end()
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return fmt.Errorf("%w (%d of the instances are in %s; run the same command again to fetch the rest)", err, r.Instances, r.Dir)
			}
			return err
		}
		if f.json {
			return json.NewEncoder(c.stdout).Encode(r)
		}
		fmt.Fprintln(c.stdout, r.Dir)
		return nil
	default: // store
		res, err := p.Store(ctx, srv, pos...)
		if err != nil && !errors.Is(err, pacs.ErrStowFailed) {
			return err
		}
		if f.json {
			if e := json.NewEncoder(c.stdout).Encode(res); e != nil {
				return e
			}
		} else {
			for _, s := range res.Stored {
				fmt.Fprintf(c.stdout, "%s\t%s\n", s.SOPInstanceUID, s.RetrieveURL)
			}
			for _, s := range res.Failed {
				fmt.Fprintf(c.stderr, "refused %s: failure reason 0x%04X\n", s.SOPInstanceUID, s.Reason)
			}
		}
		return err
	}
}

// pacsFind prints the studies found, a hint on stderr when a full page
// suggests more.
func (c *cli) pacsFind(ctx context.Context, p *PACS, srv core.PACSServer, q core.PACSQuery, jsonOut bool) error {
	ss, err := p.Find(ctx, srv, q)
	if err != nil {
		return err
	}
	if err := printList(c.stdout, jsonOut, ss, "STUDY_UID\tDATE\tMODALITIES\tPATIENT_ID\tPATIENT_NAME\tACCESSION\tSERIES\tINSTANCES\tDESCRIPTION", func(s core.PACSStudy) string {
		return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s", s.UID, s.Date, strings.Join(s.Modalities, ","), s.PatientID, s.PatientName, s.Accession, s.Series, s.Instances, s.Description)
	}); err != nil {
		return err
	}
	if q.Limit > 0 && len(ss) == q.Limit {
		fmt.Fprintf(c.stderr, "%d studies shown; more may follow: add --offset %d\n", len(ss), q.Offset+q.Limit)
	}
	return nil
}

// dateRange is --date: YYYYMMDD or FROM-TO with either end open.
var dateRange = regexp.MustCompile(`^(\d{8})?(-)?(\d{8})?$`)

func parseDateRange(s string) (from, to string, err error) {
	if s == "" {
		return "", "", nil
	}
	m := dateRange.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil || m[1] == "" && m[3] == "" || m[2] == "" && m[3] != "" {
		return "", "", usagef("--date %q: want YYYYMMDD or FROM-TO as YYYYMMDD-YYYYMMDD (an end may be left open: 20060101-)", s)
	}
	if m[2] == "" { // one day
		return m[1], m[1], nil
	}
	if m[1] != "" && m[3] != "" && m[1] > m[3] {
		return "", "", usagef("--date %q: the range ends before it starts", s)
	}
	return m[1], m[3], nil
}

// pacsProgressLine shows a retrieve's progress on stderr, redrawn at
// most every cliProgressInterval.
type pacsProgressLine struct {
	line  progressLine
	last  time.Time
	shown string
}

func (c *cli) pacsProgress() *pacsProgressLine {
	return &pacsProgressLine{line: progressLine{w: c.stderr}}
}

func (p *pacsProgressLine) show(pr core.RetrieveProgress) {
	if !pr.Done && time.Since(p.last) < cliProgressInterval {
		return
	}
	p.last = time.Now()
	if line := ellipsis(pacs.ProgressText(pr), 90); line != p.shown {
		fmt.Fprintf(p.line.w, "\r\033[Kretrieving %s", line)
		p.shown, p.line.drawn = line, true
	}
}

func (p *pacsProgressLine) end() { p.line.end() }

// localSources returns paths with each dicomweb:// source replaced by the
// local folder it was retrieved into (see PACS.Local), with the
// environment's credentials; the retrieve's progress goes to stderr.
func (c *cli) localSources(paths ...string) ([]string, error) {
	out := make([]string, len(paths))
	var p *PACS
	var once sync.Once
	var perr error
	for i, path := range paths {
		if !pacs.IsSource(path) {
			out[i] = path
			continue
		}
		once.Do(func() {
			if perr = c.cfg.resolve(); perr == nil {
				p, perr = OpenPACS(c.cfg.DataDir, 0)
			}
		})
		if perr != nil {
			return nil, perr
		}
		auth := PACSFromEnv(os.Getenv)
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		pl := c.pacsProgress()
		local, err := p.Local(ctx, path, auth, pl.show)
		pl.end()
		stop()
		if err != nil {
			return nil, err
		}
		out[i] = local
	}
	return out, nil
}
