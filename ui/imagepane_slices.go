package ui

// Stepping through a series: the slice slider and its label, the wheel
// and the keys.

import (
	"math"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

// sliceRow is the row below the viewer that steps through a series of
// more than one slice (hidden otherwise).
type sliceRow struct {
	frameSlider *widget.Slider
	frameLabel  *widget.Label // "Slice i/n" or "Frame i/n"
	frameRow    *fyne.Container
}

// newSliceRow makes the slice slider and its label, hidden.
func (p *imagePane) newSliceRow() {
	p.frameSlider = widget.NewSlider(1, 2)
	p.frameSlider.Step = 1
	p.frameSlider.OnChanged = p.frameChanged
	p.frameLabel = widget.NewLabel("")
	p.frameRow = container.NewBorder(nil, nil, p.frameLabel, nil, p.frameSlider)
	p.frameRow.Hide()
}

// sliceText is "Frame i/n" for the frames of one file, else "Slice i/n".
func (p *imagePane) sliceText() string {
	s := p.cur
	if s == nil {
		return ""
	}
	if s.Slices[0].Image.Frames == len(s.Slices) && s.Slices[len(s.Slices)-1].Image == s.Slices[0].Image {
		return frameText(p.slice+1, len(s.Slices))
	}
	return "Slice " + strconv.Itoa(p.slice+1) + "/" + strconv.Itoa(len(s.Slices))
}

// frameText is "Frame i/n".
func frameText(frame, frames int) string {
	return "Frame " + strconv.Itoa(frame) + "/" + strconv.Itoa(frames)
}

// step shows the slice delta places away in the series.
func (p *imagePane) step(delta int) {
	s := p.cur
	if s == nil {
		return
	}
	i := min(max(p.slice+delta, 0), len(s.Slices)-1)
	if i != p.slice {
		p.showSeries(s, i)
	}
}

// frameChanged follows the slice slider.
func (p *imagePane) frameChanged(v float64) {
	if p.cur == nil {
		return
	}
	i := int(math.Round(v)) - 1
	if i != p.slice {
		p.showSeries(p.cur, i)
	}
}

// prefetchNeighbours reads the slices on either side of index into
// dicomview's pixel cache in a goroutine of its own, which ends when they
// are read, so that stepping through a long series does not wait for its
// files. An error is left for the render of that slice to report.
func prefetchNeighbours(s *dicomview.Series, index int) {
	go func() {
		for _, d := range []int{1, -1, 2, -2} {
			if i := index + d; i >= 0 && i < len(s.Slices) {
				_ = s.Slices[i].Image.Prefetch(s.Slices[i].Frame)
			}
		}
	}()
}
