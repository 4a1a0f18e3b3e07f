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

// pacsArgs are a pacs subcommand's flags and arguments.
type pacsArgs struct {
	pacsFlags
	query  core.PACSQuery // find
	date   string         // find: --date, read into query
	series stringList     // get
	pos    []string
}

// pacsSub is one pacs subcommand: the flags of its own (none: nil),
// whether it takes n arguments, and what it does on the server.
type pacsSub struct {
	flags func(a *pacsArgs, fs *flag.FlagSet)
	nargs func(n int) bool
	run   func(c *cli, ctx context.Context, p *PACS, srv core.PACSServer, a *pacsArgs) error
}

// pacsSubs are the pacs subcommands, by name.
var pacsSubs = map[string]pacsSub{
	"find":   {flags: (*pacsArgs).registerFind, nargs: argsExactly(0), run: (*cli).pacsFind},
	"series": {nargs: argsExactly(1), run: (*cli).pacsSeries},
	"get":    {flags: (*pacsArgs).registerGet, nargs: argsExactly(1), run: (*cli).pacsGet},
	"store":  {nargs: func(n int) bool { return n > 0 }, run: (*cli).pacsStore},
}

func argsExactly(want int) func(int) bool { return func(n int) bool { return n == want } }

func (a *pacsArgs) registerFind(fs *flag.FlagSet) {
	q := &a.query
	fs.StringVar(&q.PatientID, "patient-id", "", "PatientID (wildcards * and ?)")
	fs.StringVar(&q.PatientName, "patient-name", "", "PatientName, e.g. 'DOE^J*' (wildcards * and ?)")
	fs.StringVar(&q.Modality, "modality", "", "a modality in the study (CT, MR, CR, …)")
	fs.StringVar(&a.date, "date", "", "StudyDate: YYYYMMDD, or a range FROM-TO (either end may be left open)")
	fs.StringVar(&q.Accession, "accession", "", "AccessionNumber")
	fs.StringVar(&q.Description, "description", "", "StudyDescription (wildcards * and ?)")
	fs.IntVar(&q.Limit, "limit", 100, "at most this many studies (0: as many as the server gives)")
	fs.IntVar(&q.Offset, "offset", 0, "skip this many studies first (the next page: --offset plus --limit)")
}

func (a *pacsArgs) registerGet(fs *flag.FlagSet) {
	fs.Var(&a.series, "series", "retrieve only this series (SeriesInstanceUID); repeat for several (default: the whole study)")
}

// pacs runs `pacs find|series|get|store`.
func (c *cli) pacs(args []string) error {
	sub, a, err := c.parsePACS(args)
	if err != nil {
		return err
	}
	srv, err := a.server()
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
	return sub.run(c, ctx, p, srv, a)
}

// parsePACS reads the subcommand, its flags and arguments, and the
// --date of find.
func (c *cli) parsePACS(args []string) (pacsSub, *pacsArgs, error) {
	if len(args) == 0 {
		return pacsSub{}, nil, usagef("%s", pacsUsage)
	}
	name, args := args[0], args[1:]
	fs := newFlags("pacs "+name, &c.cfg)
	a := &pacsArgs{}
	a.register(fs)
	sub, ok := pacsSubs[name]
	if !ok {
		return sub, nil, usagef("pacs: unknown subcommand %q\n%s", name, pacsUsage)
	}
	if sub.flags != nil {
		sub.flags(a, fs)
	}
	var err error
	if a.pos, err = parse(fs, args); err != nil {
		return sub, nil, err
	}
	if !sub.nargs(len(a.pos)) {
		return sub, nil, usagef("pacs %s: wrong arguments\n%s", name, pacsUsage)
	}
	if a.query.DateFrom, a.query.DateTo, err = parseDateRange(a.date); err != nil {
		return sub, nil, err
	}
	return sub, a, nil
}

// pacsFind prints the studies found, a hint on stderr when a full page
// suggests more.
func (c *cli) pacsFind(ctx context.Context, p *PACS, srv core.PACSServer, a *pacsArgs) error {
	q := a.query
	ss, err := p.Find(ctx, srv, q)
	if err != nil {
		return err
	}
	if err := printList(c.stdout, a.json, ss, "STUDY_UID\tDATE\tMODALITIES\tPATIENT_ID\tPATIENT_NAME\tACCESSION\tSERIES\tINSTANCES\tDESCRIPTION", func(s core.PACSStudy) string {
		return fmt.Sprintf("%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s", s.UID, s.Date, strings.Join(s.Modalities, ","), s.PatientID, s.PatientName, s.Accession, s.Series, s.Instances, s.Description)
	}); err != nil {
		return err
	}
	if q.Limit > 0 && len(ss) == q.Limit {
		fmt.Fprintf(c.stderr, "%d studies shown; more may follow: add --offset %d\n", len(ss), q.Offset+q.Limit)
	}
	return nil
}

// pacsSeries prints a study's series.
func (c *cli) pacsSeries(ctx context.Context, p *PACS, srv core.PACSServer, a *pacsArgs) error {
	ss, err := p.Series(ctx, srv, a.pos[0])
	if err != nil {
		return err
	}
	return printList(c.stdout, a.json, ss, "SERIES_UID\tMODALITY\tNUMBER\tINSTANCES\tDESCRIPTION", func(s core.PACSSeries) string {
		return fmt.Sprintf("%s\t%s\t%d\t%d\t%s", s.UID, s.Modality, s.Number, s.Instances, s.Description)
	})
}

// pacsGet retrieves a study (or its --series) with its progress on
// stderr, and prints the folder it is in; an interrupted retrieve says
// how far it came.
func (c *cli) pacsGet(ctx context.Context, p *PACS, srv core.PACSServer, a *pacsArgs) error {
	pl := c.pacsProgress()
	r, err := p.Retrieve(ctx, srv, a.pos[0], a.series, pl.show)
	pl.end()
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("%w (%d of the instances are in %s; run the same command again to fetch the rest)", err, r.Instances, r.Dir)
		}
		return err
	}
	if a.json {
		return json.NewEncoder(c.stdout).Encode(r)
	}
	fmt.Fprintln(c.stdout, r.Dir)
	return nil
}

// pacsStore stores the files (STOW-RS) and prints each instance stored,
// and on stderr each refused; a refusal is the command's error after.
func (c *cli) pacsStore(ctx context.Context, p *PACS, srv core.PACSServer, a *pacsArgs) error {
	res, err := p.Store(ctx, srv, a.pos...)
	if err != nil && !errors.Is(err, pacs.ErrStowFailed) {
		return err
	}
	if a.json {
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
