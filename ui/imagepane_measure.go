package ui

// Regions: a rectangle or an ellipse drawn on the viewer, measured in the
// frame's modality units and, with "Send region only", the model's input
// instead of the whole frame; a length; an arrow with its text.

import (
	"fmt"
	"image"
	"math"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// measureTool is a choice of the tool bar's measuring tools: its label
// and the kind a drag then draws (the zero kind: none, a drag windows).
type measureTool struct {
	label string
	kind  core.MeasurementKind
}

// measureTools are the tool bar's measuring tools, in the order offered.
var measureTools = []measureTool{
	{"Window (drag)", ""},
	{"Rectangle", core.MeasureRectangle},
	{"Ellipse", core.MeasureEllipse},
	{"Length", core.MeasureLength},
	{"Arrow (text)", core.MeasureArrow},
}

// measureLabels are the tools' labels, as the select offers them.
func measureLabels() []string {
	out := make([]string, len(measureTools))
	for i, t := range measureTools {
		out[i] = t.label
	}
	return out
}

// measureKind is the kind the tool labelled label draws; the zero kind
// for none.
func measureKind(label string) core.MeasurementKind {
	for _, t := range measureTools {
		if t.label == label {
			return t.kind
		}
	}
	return ""
}

// measuring is the measuring tools and what they measured.
type measuring struct {
	measureSelect *widget.Select // what a drag draws: off or one of measureTools
	sendRegion    *widget.Check  // the model input is the region only
	regionInfo    *widget.Label  // the region's size and statistics
	// measured is the region drawn, once measured; runs record it.
	measured *core.Measurement
}

// newMeasureTools makes the tool bar's choice of what a drag draws, its
// Send region only, and the line that says what was measured.
func (p *imagePane) newMeasureTools() {
	labels := measureLabels()
	p.measureSelect = widget.NewSelect(labels, func(label string) {
		kind := measureKind(label)
		if kind != p.viewer.RegionKind() && !p.viewer.Region().Empty() {
			p.clearRegion()
		}
		p.viewer.SetRegionMode(kind)
	})
	p.measureSelect.SetSelectedIndex(0)
	// A select is as wide as its placeholder: the longest choice's, so
	// that the choice shown is never cut ("Window (d…").
	for _, o := range labels {
		if len(o) > len(p.measureSelect.PlaceHolder) {
			p.measureSelect.PlaceHolder = o
		}
	}
	p.sendRegion = widget.NewCheck("Send region only", func(bool) { p.inputRegionChanged() })
	p.sendRegion.Disable()
	p.regionInfo = widget.NewLabel("")
	p.regionInfo.Wrapping = fyne.TextWrapWord
	p.regionInfo.Hide()
	p.viewer.OnRegion = p.regionDrawn
}

// inputRegion is the region the model input is made of: the one drawn
// (an ellipse's bounding rectangle) when "Send region only" is on, else
// none.
func (p *imagePane) inputRegion() image.Rectangle {
	if p.sendRegion == nil || !p.sendRegion.Checked || p.viewer.RegionKind() == core.MeasureLength {
		return image.Rectangle{}
	}
	return p.viewer.Region()
}

// regionDrawn measures the region just drawn in the background and
// offers it as the model input.
func (p *imagePane) regionDrawn(r image.Rectangle) {
	im, frame := p.img, p.frame
	if im == nil {
		return
	}
	p.measured = nil
	p.regionInfo.Show()
	kind := p.viewer.RegionKind()
	if kind == core.MeasureArrow {
		p.sendRegion.SetChecked(false)
		p.sendRegion.Disable()
		p.arrowDrawn(im, frame)
		return
	}
	if kind == core.MeasureLength {
		p.sendRegion.SetChecked(false)
		p.sendRegion.Disable()
		ends := p.viewer.Line()
		m := core.Measurement{Kind: core.MeasureLength, Frame: frame, Plane: im.Plane.String(),
			X: int(math.Round(ends[0][0])), Y: int(math.Round(ends[0][1])), X2: int(math.Round(ends[1][0])), Y2: int(math.Round(ends[1][1]))}
		px := math.Hypot(ends[1][0]-ends[0][0], ends[1][1]-ends[0][1])
		text := fmt.Sprintf("Length %.1f px", px)
		if dx, dy, ok := im.PixelSpacing(); ok {
			m.LengthMM = dicomview.Length(ends[0][0], ends[0][1], ends[1][0], ends[1][1], dx, dy)
			text = fmt.Sprintf("Length %.1f mm (%.1f px)", m.LengthMM, px)
		}
		p.regionInfo.SetText(text)
		p.measured = &m
		return
	}
	ellipse := kind == core.MeasureEllipse
	p.sendRegion.Enable()
	p.regionInfo.SetText(regionText(r, nil, im))
	go func() {
		st, err := im.RegionStats(frame, r, ellipse)
		p.env.do(func() {
			if p.img != im || p.frame != frame || p.viewer.Region() != r {
				return // another frame or region meanwhile
			}
			if err != nil {
				p.regionInfo.SetText(regionText(r, nil, im) + statsSep + err.Error())
				return
			}
			p.regionInfo.SetText(regionText(r, &st, im))
			m := core.Measurement{Kind: kind, Frame: frame, Plane: im.Plane.String(), X: r.Min.X, Y: r.Min.Y, W: r.Dx(), H: r.Dy(),
				N: st.N, Mean: st.Mean, SD: st.SD, Min: st.Min, Max: st.Max, AreaMM2: st.AreaMM2}
			if st.UnitsAreHU {
				m.Units = "HU"
			}
			p.measured = &m
		})
	}()
	if p.sendRegion.Checked {
		p.inputRegionChanged()
	}
}

// regionText says where region r is, its size in pixels and mm, and its
// statistics when measured: "Region 400,300 512×512 px (358.4×358.4 mm) ·
// mean 42.1 HU · SD 9.8 · min −12 · max 96 · 262144 pixels".
func regionText(r image.Rectangle, st *dicomview.RegionStats, im *dicomview.Image) string {
	s := fmt.Sprintf("Region %d,%d %d×%d px", r.Min.X, r.Min.Y, r.Dx(), r.Dy())
	if dx, dy, ok := im.PixelSpacing(); ok {
		s += fmt.Sprintf(" (%.1f×%.1f mm)", float64(r.Dx())*dx, float64(r.Dy())*dy)
	}
	if st == nil {
		return s + statsSep + "measuring…"
	}
	unit := ""
	if st.UnitsAreHU {
		unit = " HU"
	}
	return s + fmt.Sprintf("%smean %.1f%s%sSD %.1f%smin %g%smax %g%s%d pixels", statsSep, st.Mean, unit, statsSep, st.SD,
		statsSep, st.Min, statsSep, st.Max, statsSep, st.N)
}

// clearRegion removes the region drawn.
func (p *imagePane) clearRegion() {
	p.measured = nil
	p.viewer.SetRegion(image.Rectangle{})
	p.sendRegion.SetChecked(false)
	p.sendRegion.Disable()
	p.regionInfo.Hide()
}

// inputRegionChanged makes the model input again, of the region or of
// the whole frame.
func (p *imagePane) inputRegionChanged() {
	p.updateViewer()
	p.render()
	p.eye.update()
	p.env.inputChanged.fire()
}

// measurements are the regions measured on the image shown: the region
// drawn, once measured.
func (p *imagePane) measurements() []core.Measurement {
	if p.measured == nil || p.viewer.Region().Empty() {
		return nil
	}
	return []core.Measurement{*p.measured}
}

// arrowDrawn asks for the text of the arrow just drawn and keeps it as an
// annotation the next runs record.
func (p *imagePane) arrowDrawn(im *dicomview.Image, frame int) {
	ends := p.viewer.Line()
	m := core.Measurement{Kind: core.MeasureArrow, Frame: frame, Plane: im.Plane.String(),
		X: int(math.Round(ends[0][0])), Y: int(math.Round(ends[0][1])), X2: int(math.Round(ends[1][0])), Y2: int(math.Round(ends[1][1]))}
	p.regionInfo.SetText(fmt.Sprintf("Arrow at %d,%d: type its text", m.X2, m.Y2))
	entry := widget.NewEntry()
	entry.SetPlaceHolder("what the arrow points at")
	d := dialog.NewForm("Annotate", "Keep", "Cancel", []*widget.FormItem{widget.NewFormItem("Text", entry)}, func(ok bool) {
		if !ok || strings.TrimSpace(entry.Text) == "" {
			p.clearRegion()
			return
		}
		m.Text = strings.TrimSpace(entry.Text)
		p.measured = &m
		p.regionInfo.SetText(fmt.Sprintf("Arrow at %d,%d: %s", m.X2, m.Y2, m.Text))
	}, p.env.win)
	d.Resize(fyne.NewSize(420, 160))
	d.Show()
}
