package ui

import (
	"context"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// Backend is what the workbench needs from the services. Every method may be
// called from any goroutine; those that take a context may block.
type Backend interface {
	// Open loads the image file at path.
	Open(ctx context.Context, path string) (*dicomview.Image, error)
	// OpenStudy opens a file, folder, ZIP archive or DICOMDIR and returns
	// its series, and the files in it that did not load.
	OpenStudy(ctx context.Context, path string) (series []*dicomview.Series, skipped []error, err error)
	// Attributes reads the DICOM attributes of an image loaded from path
	// (a file, or "ARCHIVE!ENTRY" for an entry of a ZIP archive).
	Attributes(ctx context.Context, path string) ([]dicomview.Attribute, error)
	// Models lists the models the runtime serves.
	Models(ctx context.Context) ([]inference.Model, error)
	// Ask runs req, calling onChunk (from a goroutine that is not the UI's)
	// with each piece of the answer as it arrives, and returns the id of the
	// recorded run and how it ended. When ctx is cancelled it returns a
	// Result with Status inference.StatusCancelled.
	Ask(ctx context.Context, req inference.Request, onChunk func(text string)) (runID int64, res inference.Result, err error)
	// InstallDemo imports the offline demo model.
	InstallDemo(ctx context.Context) error
	// RuntimeState reports the runtime's state without blocking.
	RuntimeState() inference.State

	// HistoryBackend serves the side-by-side view, the prompt library and
	// the history browser.
	HistoryBackend
}
