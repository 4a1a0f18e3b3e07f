package ui

import (
	"context"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// HistoryBackend is what the History tab needs from the services: the
// logged runs, their model-input images, re-runs and reports. Every method
// may be called from any goroutine and may block.
type HistoryBackend interface {
	// Runs returns the logged runs that match f, newest first.
	Runs(ctx context.Context, f core.Filter) ([]core.Run, error)
	// Run returns the logged run id, or an error wrapping
	// core.ErrNotFound.
	Run(ctx context.Context, id int64) (*core.Run, error)
	// RunImage returns the stored model-input image with the given SHA-256
	// (the exact PNG the model received) as an image the viewer can show.
	RunImage(ctx context.Context, sha string) (*dicomview.Image, error)
	// Rerun runs the logged run id again with its stored model-input
	// images, prompts, model and options, streaming as Ask does, and
	// returns the new run's id.
	Rerun(ctx context.Context, id int64, onChunk func(text string)) (runID int64, res core.Result, err error)
	ReportBackend
}

// AnnotationBackend records what the user says about runs: a rating and a
// note, and runs shown side by side. Every method may block.
type AnnotationBackend interface {
	// Rate sets run id's rating (0 unrated, 1 to 5) and replaces its note.
	Rate(ctx context.Context, id int64, stars int, note string) error
	// SaveComparison records runs shown side by side and returns its id.
	SaveComparison(ctx context.Context, c core.Comparison) (int64, error)
}

// TemplateBackend keeps the user's prompt templates (the prompt
// library). Every method may block.
type TemplateBackend interface {
	// Templates returns the user's saved prompt templates by name.
	Templates(ctx context.Context) ([]core.PromptTemplate, error)
	// SaveTemplate creates or replaces the template t.Name.
	SaveTemplate(ctx context.Context, t core.PromptTemplate) error
	// TemplateVersions returns every saved version of the template
	// called name, oldest first; the last is the template as it is now.
	TemplateVersions(ctx context.Context, name string) ([]core.PromptTemplate, error)
	// DeleteTemplate removes the template called name and its versions.
	DeleteTemplate(ctx context.Context, name string) error
}

// ReportBackend writes reports of logged runs. It may block.
type ReportBackend interface {
	// ExportReport writes the report of the runs ids to path in format
	// ("md", "html" or "pdf"), de-identified unless includePHI.
	ExportReport(ctx context.Context, ids []int64, format, path string, includePHI bool) error
}
