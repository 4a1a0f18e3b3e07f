package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ratingOptions are the ratings offered, 1 to 5 stars.
var ratingOptions = []string{"★", "★★", "★★★", "★★★★", "★★★★★"}

// columnRating is a column's rating of its last run: the stars, a note
// and the line that says what was saved.
type columnRating struct {
	rateRow   *fyne.Container
	rating    *attachedSelect
	note      *widget.Entry
	rateInfo  *widget.Label
	resetting bool // the rating widgets are being cleared, not rated
}

// newRateRow makes the column's rating row, hidden until a run ends.
func (c *column) newRateRow() {
	c.rating = newAttachedSelect(ratingOptions, func(string) {
		if !c.resetting {
			c.rate()
		}
	}, c.attached)
	c.rating.PlaceHolder = "Rate…"
	c.note = widget.NewEntry()
	c.note.SetPlaceHolder("note (Enter saves)")
	c.note.OnSubmitted = func(string) { c.rate() }
	c.rateInfo = widget.NewLabel("")
	c.rateInfo.Truncation = fyne.TextTruncateEllipsis
	c.rateInfo.Hide() // until a rating is saved: the picker says which run it rates
	saveNote := widget.NewButtonWithIcon("", theme.ConfirmIcon(), c.rate)
	c.rateRow = container.NewVBox(container.NewBorder(nil, nil, c.rating, saveNote, c.note), c.rateInfo)
	c.rateRow.Hide()
}

// offerRating shows the rating row for the last run, cleared.
func (c *column) offerRating() {
	c.resetting = true
	c.rating.ClearSelected()
	c.note.SetText("")
	c.resetting = false
	setShown(c.rateInfo, "")
	c.rating.PlaceHolder = fmt.Sprintf("Rate run %d…", c.runID)
	c.rating.Refresh()
	c.rateRow.Show()
}

// rate stores the column's rating and note on its last run.
func (c *column) rate() {
	id := c.runID
	if id <= 0 {
		return
	}
	stars := c.rating.SelectedIndex() + 1 // none chosen is 0, unrated
	note := c.note.Text
	cv := c.cv
	setShown(c.rateInfo, fmt.Sprintf("Saving the rating of run %d…", id))
	ctx, cancel := cv.env.opContext()
	go func() {
		defer cancel()
		err := cv.backend.Rate(ctx, id, stars, note)
		cv.env.do(func() {
			if err != nil {
				setShown(c.rateInfo, "")
				cv.env.showError(err)
				return
			}
			c.rateInfo.SetText(ratedText(id, stars, note))
			cv.env.runsChanged.fire()
		})
	}()
}

// ratedText says what rating and note a run was given.
func ratedText(id int64, stars int, note string) string {
	s := fmt.Sprintf("Run %d: %s", id, starsText(stars))
	if note != "" {
		s += statsSep + "note saved"
	}
	return s
}

// starsText shows a rating as stars, or "unrated".
func starsText(n int) string {
	if n <= 0 {
		return "unrated"
	}
	return strings.Repeat("★", n)
}
