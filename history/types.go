package history

import "github.com/medgemma-workbench/medgemma-workbench/internal/core"

// The records the store keeps are core's (core.Run, core.Filter,
// core.Comparison, core.PromptTemplate), where the UI reads them without
// importing the store, and are spelled so everywhere.

// Run is one model run as recorded (core.Run). It is kept for batch's
// and the evaluation's code, which still spell it so; new code writes
// core.Run.
type Run = core.Run

// ErrNotFound is returned, wrapped, when a run or image is not in the store.
var ErrNotFound = core.ErrNotFound
