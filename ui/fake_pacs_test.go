package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// fakePACS is the hand-written PACSBackend part of fakeBackend: a server
// of pacsStudies studies (the Nth has UID "1.2.N", N from 1), each of one
// series of pacsInstances instances, that records what the UI asked. With
// pstep set, the retrieve waits for a value on it before each instance;
// instances retrieved stay retrieved, so a second retrieve of a study
// resumes. pacsErr fails every call, naming the server as the services'
// errors do.
type fakePACS struct {
	pmu           sync.Mutex
	pacsStudies   int
	pacsInstances int
	pacsErr       string // the failure's text after the server's URL, or ""
	pstep         chan struct{}
	dir           string // the folder RetrieveStudy returns
	queries       []core.PACSQuery
	servers       []core.PACSServer
	seriesAsked   []string
	retrieved     map[string]int // instances in the cache, by study
	fetched       []int          // instances fetched by each retrieve
}

func (f *fakePACS) pblock() func() {
	f.pmu.Lock()
	return f.pmu.Unlock
}

func (f *fakePACS) failure(srv core.PACSServer) error {
	if f.pacsErr == "" {
		return nil
	}
	return fmt.Errorf("PACS %s %s", srv.URL, f.pacsErr)
}

func (f *fakePACS) FindStudies(ctx context.Context, srv core.PACSServer, q core.PACSQuery) ([]core.PACSStudy, error) {
	defer f.pblock()()
	f.queries = append(f.queries, q)
	f.servers = append(f.servers, srv)
	if err := f.failure(srv); err != nil {
		return nil, err
	}
	var out []core.PACSStudy
	for n := q.Offset + 1; n <= f.pacsStudies && (q.Limit == 0 || len(out) < q.Limit); n++ {
		out = append(out, core.PACSStudy{UID: fmt.Sprintf("1.2.%d", n), PatientName: fmt.Sprintf("DOE^PAT%d", n), PatientID: fmt.Sprintf("P%03d", n),
			Date: fmt.Sprintf("200612%02d", n%28+1), Modalities: []string{"CT"}, Description: fmt.Sprintf("Head study %d", n), Series: 1, Instances: f.pacsInstances})
	}
	return out, nil
}

func (f *fakePACS) StudySeries(ctx context.Context, srv core.PACSServer, study string) ([]core.PACSSeries, error) {
	defer f.pblock()()
	f.seriesAsked = append(f.seriesAsked, study)
	if err := f.failure(srv); err != nil {
		return nil, err
	}
	return []core.PACSSeries{{UID: study + ".1", Study: study, Modality: "CT", Number: 1, Description: "Axial " + strings.TrimPrefix(study, "1.2."), Instances: f.pacsInstances}}, nil
}

func (f *fakePACS) RetrieveStudy(ctx context.Context, srv core.PACSServer, study string, series []string, progress func(core.RetrieveProgress)) (core.Retrieved, error) {
	unlock := f.pblock()
	if err := f.failure(srv); err != nil {
		unlock()
		return core.Retrieved{}, err
	}
	if f.retrieved == nil {
		f.retrieved = map[string]int{}
	}
	total, cached, step, dir := f.pacsInstances, f.retrieved[study], f.pstep, f.dir
	f.fetched = append(f.fetched, 0)
	k := len(f.fetched) - 1
	unlock()
	r := core.Retrieved{Study: study, Dir: dir, Cached: cached}
	for i := cached; i < total; i++ {
		if step != nil {
			select {
			case <-step:
			case <-ctx.Done():
				r.Instances = i
				return r, ctx.Err()
			}
		}
		unlock := f.pblock()
		f.retrieved[study] = i + 1
		f.fetched[k]++
		unlock()
		r.Fetched++
		progress(core.RetrieveProgress{Study: study, Instances: i + 1, Total: total, Cached: cached, Fetched: r.Fetched, Bytes: int64(r.Fetched) * 1 << 20})
	}
	r.Instances = total
	progress(core.RetrieveProgress{Study: study, Instances: total, Total: total, Cached: cached, Fetched: r.Fetched, Done: true})
	return r, nil
}
