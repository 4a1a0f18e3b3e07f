package ui

// The history browser's search: the words and filters that choose the
// runs, and the list of those that match.

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// historyFilters are the search entry and the filters above the list.
type historyFilters struct {
	search       *widget.Entry
	modelFilter  *widget.Select
	statusFilter *widget.Select
	ratingFilter *widget.Select
}

// runList is the list of the runs that match, and the line counting them.
type runList struct {
	count     *widget.Label
	list      *widget.List
	runs      []core.Run
	searchSeq int // only the latest search is shown
}

// newSearch makes the search entry, the filters and the list, and
// returns them, the list under the rest.
func (h *historyPanel) newSearch() fyne.CanvasObject {
	h.search = widget.NewEntry()
	h.search.SetPlaceHolder("Search prompts, answers and notes (word* for a prefix)")
	h.search.OnSubmitted = func(string) { h.refresh() }
	searchButton := widget.NewButtonWithIcon("", theme.SearchIcon(), h.refresh)
	h.modelFilter = widget.NewSelect([]string{allModels}, func(string) { h.refresh() })
	h.modelFilter.Selected = allModels
	h.statusFilter = widget.NewSelect(statusChoices, func(string) { h.refresh() })
	h.statusFilter.Selected = anyStatus
	h.ratingFilter = widget.NewSelect(ratingChoices, func(string) { h.refresh() })
	h.ratingFilter.Selected = anyRating
	h.count = widget.NewLabel("")
	filters := container.NewGridWithColumns(3, h.modelFilter, h.statusFilter, h.ratingFilter)
	top := container.NewVBox(container.NewBorder(nil, nil, nil, searchButton, h.search), filters, h.count)

	h.list = widget.NewList(
		func() int { return len(h.runs) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(h.runs) {
				o.(*widget.Label).SetText(runListText(h.runs[i]))
			}
		},
	)
	h.list.OnSelected = func(i widget.ListItemID) {
		if i < len(h.runs) {
			h.show(h.runs[i].ID)
		}
	}
	return container.NewBorder(top, nil, nil, nil, h.list)
}

// filter is the search the entry and the filters describe.
func (h *historyFilters) filter() core.Filter {
	f := core.Filter{Text: strings.TrimSpace(h.search.Text), Limit: historyLimit}
	if m := h.modelFilter.Selected; m != allModels && m != "" {
		f.Model = m
	}
	if s := h.statusFilter.Selected; s != anyStatus && s != "" {
		f.Status = core.Status(s)
	}
	f.MinRating = h.ratingFilter.SelectedIndex() // index 0 is any rating
	if f.MinRating < 0 {
		f.MinRating = 0
	}
	return f
}

// refresh runs the search again in the background and lists its runs.
func (h *historyPanel) refresh() {
	h.searchSeq++
	seq := h.searchSeq
	f := h.filter()
	ctx, cancel := h.env.opContext()
	go func() {
		defer cancel()
		runs, err := h.backend.Runs(ctx, f)
		h.env.do(func() {
			if seq != h.searchSeq {
				return
			}
			if err != nil {
				h.count.SetText("Search failed: " + err.Error())
				return
			}
			h.setRuns(runs, f.Limit)
		})
	}()
}

// setRuns lists runs, keeping the chosen run selected if it is among them,
// and offers their models in the model filter.
func (h *historyPanel) setRuns(runs []core.Run, limit int) {
	h.runs = runs
	switch n := len(runs); {
	case n == 0:
		h.count.SetText("No runs match.")
	case n == 1:
		h.count.SetText("1 run")
	case n >= limit:
		h.count.SetText(fmt.Sprintf("The newest %d runs", n))
	default:
		h.count.SetText(fmt.Sprintf("%d runs", n))
	}
	models := []string{allModels}
	seen := map[string]bool{}
	var names []string
	if h.modelNames != nil {
		names = h.modelNames()
	}
	for _, l := range names {
		if !seen[l] {
			seen[l] = true
			models = append(models, l)
		}
	}
	for _, r := range runs {
		if !seen[r.Model] {
			seen[r.Model] = true
			models = append(models, r.Model)
		}
	}
	if cur := h.modelFilter.Selected; cur != "" && !seen[cur] && cur != allModels {
		models = append(models, cur)
	}
	h.modelFilter.Options = models
	h.modelFilter.Refresh()
	h.list.UnselectAll()
	h.list.Refresh()
	if h.selected == nil {
		return
	}
	for i, r := range runs {
		if r.ID == h.selected.ID {
			h.list.Select(i) // shows it again, with any new rating
			return
		}
	}
	h.clearDetail() // the run shown is not among those that match
}

// runListText is a run's line in the list: when, model, status, rating and
// the first line of its prompt.
func runListText(r core.Run) string {
	prompt, _, _ := strings.Cut(strings.TrimSpace(r.Prompt), "\n")
	if rs := []rune(prompt); len(rs) > promptPreview {
		prompt = string(rs[:promptPreview-1]) + "…"
	}
	parts := []string{fmt.Sprintf("#%d", r.ID), r.StartedAt.In(timeZone).Format(timeLayout), r.Model, string(r.Status)}
	if r.Rating > 0 {
		parts = append(parts, starsText(r.Rating))
	}
	return strings.Join(append(parts, prompt), statsSep)
}

// runProvenance says exactly what a run was: the model and runtime, the
