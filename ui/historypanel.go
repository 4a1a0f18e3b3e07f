package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// Choices of the history browser's filters.
const (
	allModels      = "All models"
	anyStatus      = "Any status"
	anyRating      = "Any rating"
	historyLimit   = 500 // runs listed at most, newest first
	historyPreview = 180 // side of the model-input preview, in Fyne units
	timeLayout     = "2006-01-02 15:04:05"
	promptPreview  = 60 // runes of the prompt shown in the list
)

// timeZone is where the history shows times: the computer's own; tests
// set it to UTC. It is read only on the UI goroutine.
var timeZone = time.Local

// statusChoices are the statuses a run can end with, as the filter offers
// them.
var statusChoices = []string{anyStatus, string(core.StatusOK), string(core.StatusCancelled),
	string(core.StatusError), string(core.StatusInterrupted), string(core.StatusRunning)}

// ratingChoices are the rating filters: any, or at least n stars.
var ratingChoices = []string{anyRating, "★ or more", "★★ or more", "★★★ or more", "★★★★ or more", "★★★★★"}

// historyPanel browses the logged runs: search and filters, a list, and
// the chosen run's details with its model-input image. It reaches the
// services only through HistoryBackend. It is used only on the UI
// goroutine.
//
// Its state is kept by concern, a struct and a file each: the search and
// the list of runs that match (historyFilters and runList,
// historypanel_list.go), the run chosen and its detail (shownRun and
// runDetail, historypanel_detail.go) and the actions on it (runActions,
// historypanel_actions.go).
type historyPanel struct {
	env     *tabEnv
	backend HistoryBackend
	reports *reportExporter
	// modelNames, when set, names the models the runtime serves (for the
	// model filter); openInViewer shows a run's model input in the viewer.
	modelNames   func() []string
	openInViewer func(*dicomview.Series)
	content      fyne.CanvasObject

	historyFilters
	runList
	shownRun
	runDetail
	runActions
}

// newHistoryPanel makes the history browser: the search and the list
// beside the detail of the run chosen.
func newHistoryPanel(env *tabEnv, b HistoryBackend, reports *reportExporter) *historyPanel {
	h := &historyPanel{env: env, backend: b, reports: reports}
	left := h.newSearch()
	right := h.newDetail(h.newActions())
	split := container.NewHSplit(left, right)
	split.Offset = 0.45
	h.content = split
	return h
}
