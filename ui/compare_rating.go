package ui

import (
	"fmt"
	"strings"
)

// ratingOptions are the ratings offered, 1 to 5 stars.
var ratingOptions = []string{"★", "★★", "★★★", "★★★★", "★★★★★"}

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
