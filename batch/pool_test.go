package batch

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// dyingBackend answers like fakeBackend until it is killed; then every
// request in flight and every new one fails as a dead server's do, and
// its health check fails.
type dyingBackend struct {
	fakeBackend
	dead atomic.Bool
	kill chan struct{}
}

func (d *dyingBackend) Ask(ctx context.Context, req inference.Request) (int64, inference.Result, error) {
	if d.dead.Load() {
		return 0, inference.Result{Status: inference.StatusError}, syscall.ECONNREFUSED
	}
	select {
	case <-d.kill:
		return 0, inference.Result{Status: inference.StatusError}, errors.New("read: connection reset by peer")
	case <-ctx.Done():
		return 0, inference.Result{Status: inference.StatusCancelled}, ctx.Err()
	default:
	}
	ctx2, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-d.kill:
			cancel()
		case <-ctx2.Done():
		}
	}()
	id, res, err := d.fakeBackend.Ask(ctx2, req)
	if d.dead.Load() {
		return 0, inference.Result{Status: inference.StatusError}, errors.New("read: connection reset by peer")
	}
	return id, res, err
}

func (d *dyingBackend) health(context.Context) error {
	if d.dead.Load() {
		return syscall.ECONNREFUSED
	}
	return nil
}

// TestPoolMovesRunsOffADeadEndpoint: two endpoints share the queue; one
// dies with runs in flight; they are answered by the other, every key is
// in the file exactly once, and each row names the endpoint that
// answered.
func TestPoolMovesRunsOffADeadEndpoint(t *testing.T) {
	spec := testSpec(t)
	spec.Repeat = 6
	jobs, err := spec.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "out.jsonl")
	out, err := OpenOutput(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	a := &dyingBackend{fakeBackend: fakeBackend{delay: 20 * time.Millisecond}, kill: make(chan struct{})}
	b := &fakeBackend{delay: 20 * time.Millisecond}
	var downs atomic.Int32
	r := &Runner{Prepare: fakePrepare, HealthEvery: 50 * time.Millisecond, DownTimeout: time.Second,
		Endpoints: []Endpoint{
			{Name: "http://a:1", Backend: "ollama", Ask: a, Concurrency: 2, Health: a.health},
			{Name: "http://b:2/v1", Backend: "openai", Ask: b, Concurrency: 2, Weight: 2,
				Health: func(context.Context) error { return nil }},
		},
		EndpointChanged: func(name string, err error) {
			if err != nil {
				downs.Add(1)
			}
		},
		Progress: func(p Progress) {
			if p.Done == 3 {
				a.dead.Store(true)
				close(a.kill)
			}
		},
	}
	sum, err := r.Run(context.Background(), jobs, out)
	if err != nil {
		t.Fatal(err)
	}
	if sum.OK != len(jobs) || sum.Failed+sum.Cancelled+sum.NotStarted != 0 {
		t.Fatalf("summary %+v, want all %d ok", sum, len(jobs))
	}
	if err := out.Finish(jobs, ""); err != nil {
		t.Fatal(err)
	}
	rows := checkRows(t, path, jobs)
	by := map[string]int{}
	moved := 0
	for _, row := range rows {
		by[row.Endpoint]++
		moved += row.Moved
		if row.Endpoint == "http://a:1" && row.Backend != "ollama" || row.Endpoint == "http://b:2/v1" && row.Backend != "openai" {
			t.Errorf("row %s: backend %s at %s", row.Key, row.Backend, row.Endpoint)
		}
	}
	if by["http://a:1"] == 0 || by["http://b:2/v1"] == 0 || downs.Load() != 1 {
		t.Errorf("rows by endpoint %v, %d downs; want both endpoints and one down", by, downs.Load())
	}
	if moved == 0 {
		t.Errorf("no row was moved off the dead endpoint")
	}
}

// TestPoolStopsWhenAllDown: with every endpoint down for DownTimeout the
// batch stops, leaving the runs not started and saying why.
func TestPoolStopsWhenAllDown(t *testing.T) {
	spec := testSpec(t)
	jobs, err := spec.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	out, err := OpenOutput(filepath.Join(t.TempDir(), "out.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	down := func(context.Context) error { return syscall.ECONNREFUSED }
	r := &Runner{Prepare: fakePrepare, HealthEvery: 20 * time.Millisecond, DownTimeout: 100 * time.Millisecond,
		Endpoints: []Endpoint{{Name: "http://a:1", Ask: &fakeBackend{}, Health: down}}}
	sum, err := r.Run(context.Background(), jobs, out)
	if err != nil {
		t.Fatal(err)
	}
	if sum.NotStarted != len(jobs) || !errors.Is(sum.FirstError, ErrAllDown) {
		t.Fatalf("summary %+v, want all not started with ErrAllDown", sum)
	}
}
