package history

import "github.com/medgemma-workbench/medgemma-workbench/internal/core"

// The records the store keeps, as defined in core (where the UI reads
// them without importing the store).
type (
	// Run is one model run as recorded.
	Run = core.Run
	// Filter selects runs. Zero fields do not filter.
	Filter = core.Filter
	// Comparison is a group of runs shown side by side.
	Comparison = core.Comparison
	// PromptTemplate is a named system and user prompt a researcher reuses.
	PromptTemplate = core.PromptTemplate
)

// ErrNotFound is returned, wrapped, when a run or image is not in the store.
var ErrNotFound = core.ErrNotFound
