package ui

import (
	"context"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// PACSBackend is what the PACS tab needs from the services: finding
// studies on a DICOMweb server, listing a study's series and retrieving a
// study into the local cache. The retrieved folder is then opened in the
// viewer through StudyBackend.OpenStudy, as any folder is. Every method
// may be called from any goroutine and may block; the errors name the
// server and say what to do.
type PACSBackend interface {
	// FindStudies returns the studies on srv that q matches, at most
	// q.Limit of them after q.Offset.
	FindStudies(ctx context.Context, srv core.PACSServer, q core.PACSQuery) ([]core.PACSStudy, error)
	// StudySeries lists a study's series on srv.
	StudySeries(ctx context.Context, srv core.PACSServer, study string) ([]core.PACSSeries, error)
	// RetrieveStudy brings a study, or the chosen series of it (none:
	// all), into the cache and returns its local folder. Only what the
	// cache lacks is fetched, so a retrieve cancelled through ctx resumes
	// where it stopped. progress is called after every instance, from a
	// goroutine that is not the UI's.
	RetrieveStudy(ctx context.Context, srv core.PACSServer, study string, series []string, progress func(core.RetrieveProgress)) (core.Retrieved, error)
}
