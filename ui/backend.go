package ui

import (
	"context"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// Backend is what the workbench needs from the services: the union of
// what its tabs need, each of which declares its own slice below and sees
// only that. Every method may be called from any goroutine; those that
// take a context may block.
type Backend interface {
	// StudyBackend opens images (the image pane).
	StudyBackend
	// CompareBackend runs and annotates the columns (the side-by-side
	// view).
	CompareBackend
	// HistoryBackend browses and re-runs the run log (the History tab).
	HistoryBackend
	// BatchBackend runs and scores batches (the Batch tab).
	BatchBackend
	// ModelsBackend manages the runtime's models (the Models tab).
	ModelsBackend
	// PACSBackend finds and retrieves studies on a PACS (the PACS tab).
	PACSBackend
}

// StudyBackend is what the image pane needs: its files and their
// attributes. Every method may be called from any goroutine and may block.
type StudyBackend interface {
	// OpenStudy opens a file, folder, ZIP archive or DICOMDIR and returns
	// its series, and the files in it that did not load. It calls progress
	// (from its own goroutine) with the number of files read so far, and
	// stops with ctx's error when ctx is done.
	OpenStudy(ctx context.Context, path string, progress func(files int)) (series []*dicomview.Series, skipped []error, err error)
	// Attributes reads the DICOM attributes of an image loaded from path
	// (a file, or "ARCHIVE!ENTRY" for an entry of a ZIP archive).
	Attributes(ctx context.Context, path string) ([]dicomview.Attribute, error)
	// Recipes lists the model-input recipes (the model's-eye view's
	// Recipe picker): the built-in ones, then the user's. When some of
	// the user's files did not load it returns the others with an error
	// naming each file.
	Recipes(ctx context.Context) ([]*recipe.Recipe, error)
	// RecipeStore keeps the user's own recipes (the recipe editor).
	RecipeStore
}

// RecipeStore is what the model's-eye view's recipe editor needs: saving
// and deleting the user's own recipes. Both may block.
type RecipeStore interface {
	// SaveRecipe validates data as a recipe (JSON) and stores it as the
	// user's, replacing the user's recipe of that name; it refuses a
	// built-in's name. It returns the recipe saved.
	SaveRecipe(ctx context.Context, data []byte) (*recipe.Recipe, error)
	// DeleteRecipe removes the user's recipe name; a built-in cannot be
	// deleted.
	DeleteRecipe(ctx context.Context, name string) error
}

// ModelLister lists the models the runtime serves (the model pickers of
// the columns and of the Batch tab).
type ModelLister interface {
	// Models lists the models the runtime serves.
	Models(ctx context.Context) ([]core.Model, error)
}

// RuntimeStatus reports the runtime's state without blocking.
type RuntimeStatus interface {
	// RuntimeState reports the runtime's state without blocking.
	RuntimeState() core.State
}

// AskBackend is what the columns of the side-by-side view need to ask a
// model: the models, the request, the demo model when there are none, and
// where the runtime is (before pixels leave the machine). Every method may
// be called from any goroutine; those that take a context may block.
type AskBackend interface {
	ModelLister
	RuntimeStatus
	// Ask runs req, calling onChunk (from a goroutine that is not the UI's)
	// with each piece of the answer as it arrives, and returns the id of the
	// recorded run and how it ended. When ctx is cancelled it returns a
	// Result with Status core.StatusCancelled.
	Ask(ctx context.Context, req core.Request, onChunk func(text string)) (runID int64, res core.Result, err error)
	// InstallDemo imports the offline demo model.
	InstallDemo(ctx context.Context) error
	// RenderPrompt returns req's prompt as the runtime renders it for the
	// model (its chat template applied, each image's "[img-N]" tag where
	// the image stands), without running the model.
	RenderPrompt(ctx context.Context, req core.Request) (core.Rendered, error)
}

// CompareBackend is what the side-by-side view needs: asking, rating the
// answers and saving them as comparisons, the prompt library and reports.
type CompareBackend interface {
	AskBackend
	AnnotationBackend
	TemplateBackend
	ReportBackend
}

// ModelsBackend is what the Models tab, the first-run panel and the About
// dialog need: the runtime's models and state. Every method may be called
// from any goroutine; those that take a context may block.
type ModelsBackend interface {
	// ModelFacts lists the installed models with their facts.
	ModelFacts(ctx context.Context) ([]core.Facts, error)
	// Pull downloads the named model, calling progress (from a goroutine
	// that is not the UI's) at most about every interval. Cancelling ctx
	// stops it.
	Pull(ctx context.Context, name string, every time.Duration, progress func(core.Progress)) error
	// Import creates a model from a GGUF file or a Hugging Face folder.
	Import(ctx context.Context, spec core.ImportSpec, progress func(core.Progress)) error
	// RemoveModel deletes the named model.
	RemoveModel(ctx context.Context, name string) error
	// Loaded lists the models in memory and where they run (`ollama ps`).
	Loaded(ctx context.Context) ([]core.Loaded, error)
	// InstallDemo imports the offline demo model.
	InstallDemo(ctx context.Context) error
	RuntimeStatus
	// RuntimeMissing is the set-up error when the managed runtime's
	// binary was not found (the window opens anyway), else nil.
	RuntimeMissing() error
}
