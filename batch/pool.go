package batch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
	"github.com/ollama/ollama/api"
)

// This file is a batch spread over several servers: one queue that every
// endpoint's slots take runs from, health checks before and during the
// batch, and the runs in flight on an endpoint that stops answering put
// back at the head of the queue for the others.

// Endpoint is one of the servers a batch is spread over.
type Endpoint struct {
	// Name is how rows record the server: its URL without credentials.
	Name string
	// Backend is the API it speaks; rows record its name.
	Backend EndpointKind
	// Ask answers its requests and logs them to history.
	Ask Backend
	// Concurrency is its requests in flight at once (at least 1).
	Concurrency int
	// Weight decides, when several endpoints have a free slot, which gets
	// the next run: the one that has had the fewest runs per weight
	// (default 1). How many runs each does in the end is set mostly by its
	// speed and Concurrency.
	Weight int
	// Health reports whether the server answers (nil: it does); it is
	// called before the batch, every HealthEvery, and when a request fails
	// without an HTTP answer.
	Health func(ctx context.Context) error
}

// The pool's timings when the Runner leaves them unset.
const (
	DefaultHealthEvery = 5 * time.Second
	DefaultDownTimeout = 2 * time.Minute
	// maxMoves is how often one run is moved off an endpoint that stopped
	// before it is written as failed: a request that brings down every
	// server it reaches is not sent on for ever.
	maxMoves = 3
)

// ErrAllDown is the cause of a batch stopped because no endpoint answered
// for DownTimeout.
var ErrAllDown = errors.New("no endpoint is answering")

// CheckEndpoints checks every endpoint once, in parallel, and returns the
// error of each that does not answer (nil where it does).
func CheckEndpoints(ctx context.Context, eps []Endpoint) []error {
	errs := make([]error, len(eps))
	var wg sync.WaitGroup
	for i, e := range eps {
		if e.Health == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			errs[i] = e.Health(hctx)
		}()
	}
	wg.Wait()
	return errs
}

// poolEndpoint is an endpoint's state in a running pool.
type poolEndpoint struct {
	Endpoint
	up      bool
	served  int // runs handed to it
	waiting int // its slots waiting for a run
	// ctx ends when the endpoint is found down: its requests in flight
	// stop and their runs go back to the queue.
	ctx    context.Context
	cancel context.CancelCauseFunc
}

// pool is the shared queue of a batch over several endpoints.
type pool struct {
	mu       sync.Mutex
	cond     *sync.Cond
	queue    []Job
	moves    map[string]int // per key, times moved
	inflight int
	eps      []*poolEndpoint
	stopped  bool // drained, cancelled, or every endpoint down too long
	downAt   time.Time
	stopErr  error
	changed  func(name string, err error)
}

func newPool(ctx context.Context, jobs []Job, eps []Endpoint, initial []error, changed func(string, error)) *pool {
	p := &pool{queue: append([]Job(nil), jobs...), moves: map[string]int{}, changed: changed}
	p.cond = sync.NewCond(&p.mu)
	for i, e := range eps {
		pe := &poolEndpoint{Endpoint: e, up: initial[i] == nil}
		pe.Concurrency = max(pe.Concurrency, 1)
		pe.Weight = max(pe.Weight, 1)
		pe.ctx, pe.cancel = context.WithCancelCause(ctx)
		p.eps = append(p.eps, pe)
	}
	p.noteAllDown()
	return p
}

// take waits for a run for endpoint i: one is queued, the endpoint is up,
// and no other endpoint waiting for a run has had fewer per weight. It
// returns false when the batch is over for this slot.
func (p *pool) take(i int) (Job, context.Context, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.eps[i]
	e.waiting++
	defer func() { e.waiting-- }()
	for {
		if p.stopped || (len(p.queue) == 0 && p.inflight == 0) {
			p.cond.Broadcast()
			return Job{}, nil, false
		}
		if e.up && len(p.queue) > 0 && p.first(i) {
			j := p.queue[0]
			p.queue = p.queue[1:]
			p.inflight++
			e.served++
			return j, e.ctx, true
		}
		p.cond.Wait()
	}
}

// first reports whether endpoint i is next in line among those up and
// waiting: the fewest runs per weight, ties to the earlier endpoint.
func (p *pool) first(i int) bool {
	e := p.eps[i]
	for k, o := range p.eps {
		if k == i || !o.up || o.waiting == 0 {
			continue
		}
		a, b := e.served*o.Weight, o.served*e.Weight
		if b < a || (b == a && k < i) {
			return false
		}
	}
	return true
}

// done marks a run handed out as finished (written or cancelled).
func (p *pool) done() {
	p.mu.Lock()
	p.inflight--
	p.mu.Unlock()
	p.cond.Broadcast()
}

// requeue puts a run whose endpoint stopped back at the head of the
// queue. It returns false, leaving the run to be written as failed, when
// the run has been moved maxMoves times.
func (p *pool) requeue(j Job) bool {
	p.mu.Lock()
	defer p.cond.Broadcast()
	defer p.mu.Unlock()
	p.inflight--
	if p.moves[j.Key]++; p.moves[j.Key] > maxMoves {
		p.inflight++ // still the caller's, to write
		return false
	}
	p.queue = append([]Job{j}, p.queue...)
	return true
}

// moved is how often the run with key has been moved.
func (p *pool) moved(key string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.moves[key]
}

// setDown marks endpoint i down for err, stopping its requests in flight.
func (p *pool) setDown(i int, err error) {
	p.mu.Lock()
	e := p.eps[i]
	was := e.up
	if was {
		e.up = false
		e.cancel(fmt.Errorf("endpoint %s: %w", e.Name, err))
		p.noteAllDown()
	}
	p.mu.Unlock()
	if was && p.changed != nil {
		p.changed(e.Name, err)
	}
	p.cond.Broadcast()
}

// setUp marks endpoint i up again, under parent.
func (p *pool) setUp(parent context.Context, i int) {
	p.mu.Lock()
	e := p.eps[i]
	was := e.up
	if !was {
		e.up = true
		e.ctx, e.cancel = context.WithCancelCause(parent)
		p.downAt = time.Time{}
	}
	p.mu.Unlock()
	if !was && p.changed != nil {
		p.changed(e.Name, nil)
	}
	p.cond.Broadcast()
}

// noteAllDown starts the clock when no endpoint is up (p.mu held).
func (p *pool) noteAllDown() {
	for _, e := range p.eps {
		if e.up {
			return
		}
	}
	if p.downAt.IsZero() {
		p.downAt = time.Now()
	}
}

// stop ends the batch for every slot: drained, cancelled, or err.
func (p *pool) stop(err error) {
	p.mu.Lock()
	if !p.stopped {
		p.stopped, p.stopErr = true, err
	}
	p.mu.Unlock()
	p.cond.Broadcast()
}

// checkDown stops the batch when every endpoint has been down for
// longer than timeout.
func (p *pool) checkDown(timeout time.Duration) {
	p.mu.Lock()
	over := !p.downAt.IsZero() && time.Since(p.downAt) > timeout
	p.mu.Unlock()
	if over {
		p.stop(fmt.Errorf("%w for %s", ErrAllDown, timeout))
	}
}

// isUp reports whether endpoint i is up.
func (p *pool) isUp(i int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.eps[i].up
}

// runPool is [Runner.Run] over r.Endpoints.
func (r *Runner) runPool(ctx context.Context, jobs []Job, out *Output) (Summary, error) {
	sum := Summary{Total: len(jobs)}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	every, downFor := r.HealthEvery, r.DownTimeout
	if every <= 0 {
		every = DefaultHealthEvery
	}
	if downFor <= 0 {
		downFor = DefaultDownTimeout
	}
	cache := newImageCache(jobs, r.Prepare)
	rec := r.recorder(&sum, out, cancel)
	p := newPool(ctx, jobs, r.Endpoints, CheckEndpoints(ctx, r.Endpoints), r.EndpointChanged)

	// The monitor: Drain and ctx stop the pool; every `every` each
	// endpoint is checked, and the pool stopped when all have been down
	// too long.
	monitorDone := make(chan struct{})
	var mon sync.WaitGroup
	mon.Add(1)
	go func() {
		defer mon.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-r.Drain:
				p.stop(nil)
				return
			case <-ctx.Done():
				p.stop(context.Cause(ctx))
				return
			case <-monitorDone:
				return
			case <-t.C:
				for i, err := range CheckEndpoints(ctx, r.Endpoints) {
					if ctx.Err() != nil {
						break
					}
					if err != nil {
						p.setDown(i, err)
					} else {
						p.setUp(ctx, i)
					}
				}
				p.checkDown(downFor)
			}
		}
	}()

	var wg sync.WaitGroup
	for i, e := range p.eps {
		for range e.Concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					j, ectx, ok := p.take(i)
					if !ok {
						return
					}
					row, res, err := r.doWith(ectx, j, cache, e.Ask)
					if ctx.Err() == nil && r.endpointStopped(ectx, err, e, i, p) {
						if p.requeue(j) {
							continue
						}
						row.Status, res = string(inference.StatusError), inference.StatusError
						err = fmt.Errorf("moved off %d endpoints that stopped answering; the last: %w", maxMoves, err)
						row.Error = redact.Text(err.Error())
					}
					row.Backend, row.Endpoint, row.Moved = e.Backend.String(), e.Name, p.moved(j.Key)
					cache.release(j)
					rec.record(row, res, err)
					p.done()
				}
			}()
		}
	}
	wg.Wait()
	close(monitorDone)
	mon.Wait()
	sum.NotStarted = sum.Total - sum.OK - sum.Failed - sum.Cancelled
	if sum.NotStarted > 0 && rec.werr == nil && sum.FirstError == nil && p.stopErr != nil && errors.Is(p.stopErr, ErrAllDown) {
		sum.FirstError = p.stopErr
	}
	return sum, rec.werr
}

// endpointStopped reports whether a run on endpoint i ended because the
// endpoint stopped rather than because of the request: the pool stopped
// the endpoint's requests (ectx), or the request failed without an HTTP
// answer and the endpoint fails its health check now, which marks it
// down.
func (r *Runner) endpointStopped(ectx context.Context, err error, e *poolEndpoint, i int, p *pool) bool {
	if ectx.Err() != nil {
		return true
	}
	if err == nil || answered(err) {
		return false
	}
	if e.Health == nil {
		return false
	}
	hctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	herr := e.Health(hctx)
	if herr == nil {
		return false
	}
	p.setDown(i, herr)
	return true
}

// answered reports whether err is the server's answer (an HTTP status, an
// unknown model), which another endpoint would not change.
func answered(err error) bool {
	var he *inference.HTTPError
	if errors.As(err, &he) || errors.Is(err, inference.ErrUnknownModel) {
		return true
	}
	var se api.StatusError
	return errors.As(err, &se)
}
