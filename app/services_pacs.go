package app

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/httpauth"
	"github.com/medgemma-workbench/medgemma-workbench/pacs"
)

// This file is the PACS service: finding, listing, retrieving and
// storing studies on a DICOMweb server, and turning a dicomweb:// source
// into the local folder it was retrieved into. The command line's `pacs`,
// every command that takes an image source, and the window's PACS tab
// share it; nothing here speaks of flags.

// The environment variables that configure DICOMweb access. A user and
// password in the server's URL, and the command line's flags, come
// first.
const (
	EnvPACSURL      = "MEDGEMMA_WORKBENCH_PACS_URL"      // the default server of `pacs`
	EnvPACSUser     = "MEDGEMMA_WORKBENCH_PACS_USER"     // HTTP basic authentication
	EnvPACSPassword = "MEDGEMMA_WORKBENCH_PACS_PASSWORD" // its password
	EnvPACSToken    = "MEDGEMMA_WORKBENCH_PACS_TOKEN"    // a bearer token, or the token of EnvPACSTokenHeader
	// EnvPACSTokenHeader names the header the token goes in, as it is
	// ("X-Api-Key: TOKEN"), instead of "Authorization: Bearer TOKEN".
	EnvPACSTokenHeader = "MEDGEMMA_WORKBENCH_PACS_TOKEN_HEADER"
	// EnvPACSCacheGiB caps the retrieve cache, in GiB (default 20).
	EnvPACSCacheGiB = "MEDGEMMA_WORKBENCH_PACS_CACHE_GIB"
)

// SecretPACSPassword names the PACS password in the keychain, where the
// window keeps it and the command line looks when the environment has
// none.
const SecretPACSPassword = "pacs-password"

// PACSServer is a DICOMweb server and how to authenticate to it
// (core.PACSServer), kept for services_batch.go's spelling; new code
// writes core.PACSServer.
type PACSServer = core.PACSServer

// PACS is the DICOMweb service over the retrieve cache in the data
// folder (DATA_DIR/dicomweb). Its methods are safe for concurrent use.
type PACS struct {
	cache *pacs.Cache
	// transport carries every request (nil: the default); tests count
	// requests with it.
	transport http.RoundTripper
	// parallel is how many instances a retrieve fetches at once (0:
	// pacs.DefaultParallel).
	parallel int
}

// OpenPACS opens the PACS service with its cache under dataDir, capped at
// maxBytes (0: $MEDGEMMA_WORKBENCH_PACS_CACHE_GIB, else
// pacs.DefaultCacheBytes).
func OpenPACS(dataDir string, maxBytes int64) (*PACS, error) {
	if maxBytes <= 0 {
		if v := os.Getenv(EnvPACSCacheGiB); v != "" {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil || n <= 0 {
				return nil, usagef("$%s=%q: want a number of GiB above 0", EnvPACSCacheGiB, v)
			}
			maxBytes = int64(n * (1 << 30))
		}
	}
	c, err := pacs.OpenCache(filepath.Join(dataDir, "dicomweb"), maxBytes)
	if err != nil {
		return nil, err
	}
	return &PACS{cache: c}, nil
}

// CacheDir is the folder retrieved studies are kept in.
func (p *PACS) CacheDir() string { return p.cache.Dir() }

func (p *PACS) client(srv core.PACSServer) (*pacs.Client, error) {
	c, err := pacs.NewClient(srv.URL, pacs.Options{Auth: srv.PACSAuth, Timeout: srv.Timeout, Transport: p.transport, Parallel: p.parallel})
	if err != nil {
		return nil, &UsageError{err}
	}
	return c, nil
}

// Find returns the studies on srv that q matches (QIDO-RS), at most
// q.Limit of them after q.Offset.
func (p *PACS) Find(ctx context.Context, srv core.PACSServer, q core.PACSQuery) ([]core.PACSStudy, error) {
	c, err := p.client(srv)
	if err != nil {
		return nil, err
	}
	ss, err := c.FindStudies(ctx, q)
	if err != nil && !isPACSError(err) {
		return nil, &UsageError{err} // a query the client refused
	}
	return ss, err
}

// Series lists a study's series on srv with their modality and counts.
func (p *PACS) Series(ctx context.Context, srv core.PACSServer, study string) ([]core.PACSSeries, error) {
	c, err := p.client(srv)
	if err != nil {
		return nil, err
	}
	return c.SeriesOf(ctx, study)
}

// Retrieve brings a study, or the chosen series of it, from srv into the
// cache and returns its local folder (a series folder for one series,
// else the study's). Only instances not yet cached are fetched, so a
// retrieve cancelled through ctx resumes where it stopped. progress (may
// be nil) is called after every instance, from the calling goroutine; a
// window throttles it.
func (p *PACS) Retrieve(ctx context.Context, srv core.PACSServer, study string, series []string, progress func(core.RetrieveProgress)) (core.Retrieved, error) {
	c, err := p.client(srv)
	if err != nil {
		return core.Retrieved{}, err
	}
	return c.Retrieve(ctx, p.cache, study, series, progress)
}

// Store sends DICOM Part-10 files to srv (STOW-RS) and returns the SOP
// Instance UIDs it stored and their retrieve URLs. A report's DICOM SR or
// Encapsulated PDF goes to the PACS so.
func (p *PACS) Store(ctx context.Context, srv core.PACSServer, files ...string) (core.StowResult, error) {
	c, err := p.client(srv)
	if err != nil {
		return core.StowResult{}, err
	}
	return c.Store(ctx, files...)
}

// Local returns where the images of src are on disk: src itself when it
// is a path, or, for a dicomweb:// (or dicomwebs://) source, the cache
// folder of its study or series, retrieved first as far as it is not
// cached. Credentials come from the URL, else from srv's (the URL of srv
// is ignored). Every command that accepts a file accepts a source so,
// through this one function.
func (p *PACS) Local(ctx context.Context, src string, auth core.PACSServer, progress func(core.RetrieveProgress)) (string, error) {
	if !pacs.IsSource(src) {
		return src, nil
	}
	s, err := pacs.ParseSource(src)
	if err != nil {
		return "", &UsageError{err}
	}
	// Credentials configured for a server go to that server only: a
	// source on another origin (another host or port, or http where they
	// were given for https) gets none, unless its URL carries its own.
	if auth.URL != "" && !sameOrigin(auth.URL, s.Base) || strings.Contains(s.Base, "@") {
		auth.PACSAuth = core.PACSAuth{}
	}
	auth.URL = s.Base
	var series []string
	if s.Series != "" {
		series = []string{s.Series}
	}
	r, err := p.Retrieve(ctx, auth, s.Study, series, progress)
	if err != nil {
		return "", err
	}
	p.cache.Touch(r.Dir)
	return r.Dir, nil
}

// sameOrigin reports whether URLs a and b have the same scheme, host and
// port (a DICOMweb source's scheme is its server's).
func sameOrigin(a, b string) bool {
	ua, err := url.Parse(strings.Replace(a, "dicomweb://", "http://", 1))
	if err != nil {
		return false
	}
	ub, err := url.Parse(strings.Replace(b, "dicomweb://", "http://", 1))
	if err != nil {
		return false
	}
	return httpauth.Origin(ua) == httpauth.Origin(ub)
}

// isPACSError reports whether err is the server's (or the network's)
// rather than a refusal of the query before anything was sent.
func isPACSError(err error) bool {
	var pe *pacs.Error
	return errors.As(err, &pe)
}

// PACSFromEnv is the server the environment configures (EnvPACSURL and
// its credentials); URL "" when none is set.
func PACSFromEnv(getenv func(string) string) core.PACSServer {
	return core.PACSServer{URL: getenv(EnvPACSURL), PACSAuth: core.PACSAuth{User: getenv(EnvPACSUser), Password: getenv(EnvPACSPassword),
		Token: getenv(EnvPACSToken), Header: getenv(EnvPACSTokenHeader)}}
}

// The window's PACS tab reaches the service through these methods of
// Services: ui declares them as its PACSBackend interface, over the
// internal/core types only (ui imports no HTTP), and opens a retrieved
// folder with OpenStudy as it opens any folder.

// FindStudies returns the studies on srv that q matches (see PACS.Find).
func (s *Services) FindStudies(ctx context.Context, srv core.PACSServer, q core.PACSQuery) ([]core.PACSStudy, error) {
	p, err := s.PACS()
	if err != nil {
		return nil, err
	}
	return p.Find(ctx, srv, q)
}

// StudySeries lists a study's series on srv (see PACS.Series).
func (s *Services) StudySeries(ctx context.Context, srv core.PACSServer, study string) ([]core.PACSSeries, error) {
	p, err := s.PACS()
	if err != nil {
		return nil, err
	}
	return p.Series(ctx, srv, study)
}

// RetrieveStudy brings a study, or the chosen series of it, into the
// cache and returns its local folder; progress is called after every
// instance, off the UI goroutine (see PACS.Retrieve).
func (s *Services) RetrieveStudy(ctx context.Context, srv core.PACSServer, study string, series []string, progress func(core.RetrieveProgress)) (core.Retrieved, error) {
	p, err := s.PACS()
	if err != nil {
		return core.Retrieved{}, err
	}
	return p.Retrieve(ctx, srv, study, series, progress)
}

// StoreFiles sends DICOM Part-10 files to srv (see PACS.Store): a
// report's DICOM SR or Encapsulated PDF, say.
func (s *Services) StoreFiles(ctx context.Context, srv core.PACSServer, files ...string) (core.StowResult, error) {
	p, err := s.PACS()
	if err != nil {
		return core.StowResult{}, err
	}
	return p.Store(ctx, srv, files...)
}

// PACS returns the window's PACS service, opened on first use.
func (s *Services) PACS() (*PACS, error) {
	s.pacsOnce.Do(func() { s.pacs, s.pacsErr = OpenPACS(s.cfg.DataDir, 0) })
	return s.pacs, s.pacsErr
}

// pacsState is the Services' lazily opened PACS service.
type pacsState struct {
	pacsOnce sync.Once
	pacs     *PACS
	pacsErr  error
}
