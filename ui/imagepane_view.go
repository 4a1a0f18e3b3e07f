package ui

// The view: the zoom buttons and Pan above the viewer, the overlay in its
// corners, and the localization boxes of an answer drawn on it.

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// newViewTools makes the tool bar's Pan check and its zoom buttons (out,
// in, fit, 1:1), which act on v alone.
func newViewTools(v *Viewer) (pan fyne.CanvasObject, zoom []fyne.CanvasObject) {
	mid := func() fyne.Position { s := v.Size(); return fyne.NewPos(s.Width/2, s.Height/2) }
	pan = widget.NewCheck("Pan", func(on bool) { v.SetPanMode(on) })
	zoom = []fyne.CanvasObject{
		widget.NewButtonWithIcon("", theme.ZoomOutIcon(), func() { v.ZoomBy(1/zoomStep, mid()) }),
		widget.NewButtonWithIcon("", theme.ZoomInIcon(), func() { v.ZoomBy(zoomStep, mid()) }),
		widget.NewButtonWithIcon("", theme.ZoomFitIcon(), func() { v.Fit() }),
		widget.NewButton("1:1", func() { v.ZoomTo(1) }),
	}
	return pan, zoom
}

// viewChanged follows zoom, pan and inversion: the overlay shows them,
// and a zoom past the preview's detail renders the full frame.
func (p *imagePane) viewChanged() {
	p.invertCheck.SetChecked(p.viewer.Inverted())
	p.render()
}

// updateOverlay writes the de-identified facts of the view into the
// viewer's corners.
func (p *imagePane) updateOverlay() {
	p.viewer.SetOverlay(p.overlay())
}

// overlay returns the viewer's corner text: modality and series
// description, slice and size, window. It is built from
// core.StudyInfo and the view only, never from patient attributes.
func (p *imagePane) overlay() Overlay {
	if p.img == nil {
		return Overlay{}
	}
	info := p.img.Info
	var top []string
	if head := strings.Join(nonEmpty(info.Modality, info.BodyPart), " · "); head != "" {
		top = append(top, head)
	}
	if info.SeriesDescription != "" {
		top = append(top, info.SeriesDescription)
	}
	bottom := []string{p.sliceText(), strconv.Itoa(p.img.Width) + "×" + strconv.Itoa(p.img.Height)}
	if p.cur != nil && len(p.cur.Slices) == 1 {
		bottom = bottom[1:]
	}
	win := []string{"L " + formatFloat(p.window.Center) + "  W " + formatFloat(p.window.Width)}
	return Overlay{TopLeft: top, TopRight: win, BottomLeft: bottom}
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// showBoxes draws boxes, the localization boxes of an answer to req, on
// the viewer: those about the frame shown (the image each names is req's),
// in its source pixels.
func (p *imagePane) showBoxes(req core.Request, boxes []core.Box) {
	var shown []core.Box
	w, h := 0, 0
	for _, b := range boxes {
		if b.Image < 0 || b.Image >= len(req.Images) || p.img == nil {
			continue
		}
		im := req.Images[b.Image]
		// A box is in pixels of the frame (a region's boxes are moved to
		// its corner); a reformat's cut is not the frame shown.
		if im.Path == p.img.Path && im.Frame == p.frame && im.Plane == "" {
			shown = append(shown, b)
			w, h = p.img.Width, p.img.Height
		}
	}
	p.viewer.SetBoxes(shown, w, h)
}

// clearBoxes removes the localization boxes from the viewer.
func (p *imagePane) clearBoxes() {
	p.viewer.SetBoxes(nil, 0, 0)
}
