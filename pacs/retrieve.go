package pacs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/units"
)

// ProgressText is p on one line, for a terminal or a status bar:
// "12/40 instances (3 cached), 4.1 MiB fetched, 2.0 MiB/s, about 9 s left".
func ProgressText(p core.RetrieveProgress) string {
	return p.Text()
}

// Retrieve brings a study, or the chosen series of it, into the cache:
// it lists each series' instances (QIDO-RS) and fetches those the cache
// lacks, each by itself (WADO-RS, /studies/S/series/R/instances/I),
// Options.Parallel at a time, so a retrieve cut short (cancelled by ctx,
// failed) leaves whole instances and a retrieve run again fetches only
// what is missing. progress (may be nil) is called after each instance
// and at the end, never two calls at once. A retrieve that would not fit
// in the cache's cap is refused (ErrTooLarge).
func (c *Client) Retrieve(ctx context.Context, cache *Cache, study string, series []string, progress func(core.RetrieveProgress)) (core.Retrieved, error) {
	res := core.Retrieved{Study: study}
	// This server's instances, apart from any other's with the same UIDs.
	cache = cache.ForServer(c.server)
	if err := checkUID("study", study); err != nil {
		return res, err
	}
	for _, s := range series {
		if err := checkUID("series", s); err != nil {
			return res, err
		}
	}
	if len(series) == 0 {
		all, err := c.SeriesOf(ctx, study)
		if err != nil {
			return res, err
		}
		for _, s := range all {
			series = append(series, s.UID)
		}
	}
	res.Series = series
	res.Dir = cache.StudyDir(study)
	if len(series) == 1 {
		res.Dir = cache.SeriesDir(study, series[0])
	}
	var todo []Instance
	seen := map[string]bool{}
	for _, s := range series {
		ins, err := c.Instances(ctx, study, s)
		if err != nil {
			return res, err
		}
		for _, in := range ins {
			// A server that lists an instance twice gets asked for it once.
			if !seen[in.UID] {
				seen[in.UID] = true
				todo = append(todo, in)
			}
		}
		if len(todo) > c.opt.MaxInstances {
			return res, &Error{Server: c.server, Op: "retrieve study " + study, Kind: ErrTooLarge,
				Detail: fmt.Sprintf("over %d instances", c.opt.MaxInstances), Hint: "retrieve fewer series at a time, or raise the DICOM loader's files limit"}
		}
	}
	p := core.RetrieveProgress{Study: study, Total: len(todo)}
	start := time.Now()
	report := func() {
		if progress == nil {
			return
		}
		p.Elapsed = time.Since(start)
		if s := p.Elapsed.Seconds(); s > 0 {
			p.Rate = float64(p.Bytes) / s
		}
		p.ETA = 0
		if p.Fetched > 0 && p.Instances < p.Total {
			p.ETA = time.Duration(float64(p.Elapsed) / float64(p.Fetched) * float64(p.Total-p.Instances))
		}
		progress(p)
	}
	// The retrieve's own instances are never evicted to make room for it.
	keep := map[string]bool{}
	for _, in := range todo {
		keep[cache.path(in)] = true
	}
	var missing []Instance
	for _, in := range todo {
		if cache.Has(in) {
			p.Series = in.Series
			p.Instances++
			p.Cached++
			report()
			continue
		}
		missing = append(missing, in)
	}
	if len(missing) == 0 {
		p.Done = true
		report()
		return c.summary(res, p), nil
	}
	total, err := c.fetchAll(ctx, "retrieve study "+study, cache, missing, keep, func(in Instance, n int64) {
		p.Series = in.Series
		p.Instances++
		p.Fetched++
		p.Bytes += n
		report()
	})
	if err != nil {
		return c.summary(res, p), err
	}
	p.Done = true
	p.CacheBytes = total
	report()
	return c.summary(res, p), nil
}

// fetchAll fetches the instances into the cache, Parallel at a time, and
// calls done (never two at once) after each; it keeps the cache under
// its cap, evicting what keep does not hold, and returns the bytes the
// cache then holds. The first failure cancels the fetches in flight and
// is the error returned; a cancelled ctx is context.Canceled.
func (c *Client) fetchAll(parent context.Context, op string, cache *Cache, todo []Instance, keep map[string]bool, done func(Instance, int64)) (int64, error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		finished int
		total    = cache.Size()
		wg       sync.WaitGroup
		sem      = make(chan struct{}, c.opt.Parallel)
	)
	fail := func(err error) {
		if firstErr == nil {
			firstErr = err
			cancel()
		}
	}
	for _, in := range todo {
		if err := ctx.Err(); err != nil {
			break
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(in Instance) {
			defer func() { <-sem; wg.Done() }()
			n, err := c.fetchInstance(ctx, cache, in)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				fail(err)
				return
			}
			total += n
			if total > cache.Max() {
				if total, err = cache.makeRoom(keep); err != nil {
					fail(&Error{Server: c.server, Op: op, Kind: ErrTooLarge, Err: err,
						Detail: "the retrieve is larger than the cache's cap of " + units.Bytes(cache.Max()),
						Hint:   "retrieve fewer series at a time, or raise the cache's cap"})
					return
				}
			}
			finished++
			if firstErr == nil {
				done(in, n)
			}
		}(in)
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	// A cancel by the caller wins over the errors it caused in flight;
	// one that came when every instance was in already changes nothing.
	if err := parent.Err(); err != nil && finished < len(todo) {
		firstErr = &Error{Server: c.server, Op: op, Kind: context.Canceled, Err: err,
			Detail: "cancelled", Hint: "retrieve it again to fetch only what is missing"}
	}
	return total, firstErr
}

func (c *Client) summary(r core.Retrieved, p core.RetrieveProgress) core.Retrieved {
	r.Instances, r.Fetched, r.Cached, r.Bytes = p.Instances, p.Fetched, p.Cached, p.Bytes
	return r
}

// fetchInstance retrieves one instance into the cache and returns its
// size.
func (c *Client) fetchInstance(ctx context.Context, cache *Cache, in Instance) (int64, error) {
	op := "retrieve instance " + in.UID
	path := "/studies/" + in.Study + "/series/" + in.Series + "/instances/" + in.UID
	r, err := c.do(ctx, op, http.MethodGet, path, nil, http.Header{"Accept": {acceptDICOM}}, nil)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	mr, err := partReader(r.Header.Get("Content-Type"), r.Body)
	if err != nil {
		return 0, c.malformed(op, err.Error(), err)
	}
	part, err := mr.NextPart()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, c.malformed(op, "no part in the multipart answer", err)
		}
		if ctxErr(r) {
			return 0, c.bodyError(op, r, err)
		}
		return 0, c.malformed(op, multipartText(err), err)
	}
	// The parts in flight share the cache's room: Parallel of them at
	// their cap never hold more on disk than the cache may.
	limit := min(c.opt.MaxInstanceBytes, cache.Max()/int64(c.opt.Parallel))
	n, err := cache.put(in, markReads{part}, limit, checkPart10)
	if err == nil {
		part.Close()
		return n, c.checkStored(op, cache, in)
	}
	// Say why before ending the request (which cancels its context), and
	// end it before closing the part: Close would read a part that never
	// ends to its end.
	err = c.putError(op, cache, in, r, err, limit)
	r.Close()
	part.Close()
	return n, err
}

// putError is the error for an instance whose answer could not be stored.
func (c *Client) putError(op string, cache *Cache, in Instance, r *response, err error, limit int64) error {
	var re readError
	switch {
	case errors.Is(err, errInstanceTooLarge):
		hint := "raise the DICOM loader's file limit if you trust the server"
		if limit < c.opt.MaxInstanceBytes {
			hint = "raise the DICOMweb cache's cap (each of the " + strconv.Itoa(c.opt.Parallel) + " retrieves in flight may use a share of it)"
		}
		return &Error{Server: c.server, Op: op, Kind: ErrTooLarge, Err: err,
			Detail: "the instance is over " + units.Bytes(limit), Hint: hint}
	case errors.Is(err, errNotPart10):
		return c.malformed(op, "the part is "+err.Error(), err)
	case !errors.As(err, &re):
		return fmt.Errorf("write instance %s into the DICOMweb cache %s: %w", in.UID, cache.Dir(), err)
	case ctxErr(r):
		return c.bodyError(op, r, re.err)
	case errors.Is(err, io.ErrUnexpectedEOF) || isMultipartErr(err):
		return c.malformed(op, multipartText(re.err), err)
	default:
		return c.bodyError(op, r, re.err)
	}
}

// checkStored reads back the UIDs of the file stored for in and removes
// it, as malformed, when it is not the instance asked for: a server's
// answer is never filed under UIDs it does not hold.
func (c *Client) checkStored(op string, cache *Cache, in Instance) error {
	p := cache.path(in)
	study, series, sop, err := dicomview.InstanceUIDs(p)
	if err == nil && study == in.Study && series == in.Series && sop == in.UID {
		return nil
	}
	os.Remove(p)
	if err != nil {
		return c.malformed(op, "the instance sent cannot be read back: "+err.Error(), err)
	}
	return c.malformed(op, fmt.Sprintf("the server sent instance %s of series %s, study %s, when asked for %s of series %s, study %s",
		sop, series, study, in.UID, in.Series, in.Study), nil)
}

// multipartText says what was wrong with a multipart answer, with one
// "multipart: " in front (mime/multipart's errors carry their own).
func multipartText(err error) string {
	return "multipart: " + strings.TrimPrefix(err.Error(), "multipart: ")
}

// ctxErr reports whether the request's context has ended (a cancel or a
// stall): the read failed because of it.
func ctxErr(r *response) bool { return r.Request.Context().Err() != nil }

// isMultipartErr reports whether err came from mime/multipart's parser.
func isMultipartErr(err error) bool {
	s := err.Error()
	return len(s) > 10 && s[:10] == "multipart:"
}
