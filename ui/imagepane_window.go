package ui

// Windowing: the window typed, dragged, reset or chosen from the presets
// of the modality shown, and inversion.

import (
	"math"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

// presetDefault is the preset entry that restores the file's own window
// (the default for radiographs such as chest X-rays).
const presetDefault = "Default (file)"

// windowing is how the grey levels of the frame shown reach the screen:
// its window, the fields and presets that set it, and inversion.
type windowing struct {
	window dicomview.Window
	// dragExact is the window a drag reached before rounding.
	dragExact   *dicomview.Window
	centerEntry *widget.Entry
	widthEntry  *widget.Entry
	presets     map[string]assets.Preset // by label
	// presetSelect offers presets by label; it is cleared when the window
	// no longer matches the one chosen.
	presetSelect *widget.Select
	invertCheck  *widget.Check // follows the viewer's inversion
}

// newWindowControls makes the window row's fields and reset button and
// returns them in the order shown.
func (p *imagePane) newWindowControls() []fyne.CanvasObject {
	p.centerEntry = widget.NewEntry()
	p.centerEntry.SetPlaceHolder("center")
	p.centerEntry.OnSubmitted = func(string) { p.applyWindowEntries() }
	p.widthEntry = widget.NewEntry()
	p.widthEntry.SetPlaceHolder("width")
	p.widthEntry.OnSubmitted = func(string) { p.applyWindowEntries() }
	// Reset says what it does: an icon alone would be the tool bar's fit
	// (Fyne draws its restore icon as zoom-fit) and no button has a tooltip.
	reset := widget.NewButtonWithIcon("Reset", theme.ContentUndoIcon(), p.resetWindowTapped)
	entrySize := fyne.NewSize(110, p.centerEntry.MinSize().Height)
	return []fyne.CanvasObject{
		widget.NewLabel("Center"), container.NewGridWrap(entrySize, p.centerEntry),
		widget.NewLabel("Width"), container.NewGridWrap(entrySize, p.widthEntry),
		reset,
	}
}

// newPresetAndInvert makes the tool bar's preset choice and Invert.
func (p *imagePane) newPresetAndInvert() {
	p.presetSelect = widget.NewSelect(nil, p.presetChosen)
	p.presetSelect.PlaceHolder = "Preset"
	p.updatePresets()
	p.invertCheck = widget.NewCheck("Invert", func(on bool) { p.viewer.SetInverted(on) })
}

func (p *imagePane) showWindowValues() {
	p.centerEntry.SetText(formatFloat(p.window.Center))
	p.widthEntry.SetText(formatFloat(p.window.Width))
}

func (p *imagePane) setWindow(win dicomview.Window) {
	p.window = win
	p.showWindowValues()
	if !p.presetMatches() {
		p.presetSelect.ClearSelected()
	}
	p.updateOverlay()
	p.render()
	p.eye.update()
	p.mpr.windowChanged()
}

func (p *imagePane) applyWindowEntries() {
	if p.img == nil {
		return
	}
	win, err := dicomview.ParseWindow(p.centerEntry.Text + "," + p.widthEntry.Text)
	if err != nil {
		p.env.showError(err)
		return
	}
	p.setWindow(win)
}

func (p *imagePane) resetWindowTapped() {
	if p.img != nil {
		p.setWindow(p.img.DefaultWindow(p.frame))
	}
}

// dragWindow changes the window as the mouse drags over the viewer:
// horizontally the width (by a factor), vertically the center.
func (p *imagePane) dragWindow(dx, dy float32) {
	if p.img == nil {
		return
	}
	// The drag moves an exact window (so that slow drags add up); what is
	// shown and applied is it rounded, for an image of whole values.
	win := p.window
	if p.dragExact != nil && roundWindow(*p.dragExact) == win {
		win = *p.dragExact
	}
	win.Center += float64(dy) * win.Width / dragUnits
	win.Width *= math.Exp(float64(dx) / dragUnits)
	exact := win
	p.dragExact = &exact
	if def := p.img.DefaultWindow(p.frame); def == roundWindow(def) {
		// An image of whole values (its own window whole: CT's HU, an
		// X-ray's stored values) is windowed in whole values:
		// "1063 / 1864", not "1063.32 / 1864.03".
		win = roundWindow(win)
	}
	p.setWindow(win)
}

// roundWindow is w in whole values, at least 1 wide.
func roundWindow(w dicomview.Window) dicomview.Window {
	w.Center, w.Width = math.Round(w.Center), max(1, math.Round(w.Width))
	return w
}

// updatePresets offers the presets that fit the modality shown (all of
// them when it is unknown), after the file's own window.
func (p *imagePane) updatePresets() {
	p.presets = map[string]assets.Preset{}
	labels := []string{presetDefault}
	mod := ""
	if p.img != nil {
		mod = p.img.Modality
	}
	for _, pr := range assets.Presets() {
		if mod == "" || pr.Modality == "" || strings.EqualFold(pr.Modality, mod) {
			p.presets[pr.Label] = pr
			labels = append(labels, pr.Label)
		}
	}
	p.presetSelect.SetOptions(labels)
	p.presetSelect.ClearSelected()
}

// presetChosen applies a preset's window.
func (p *imagePane) presetChosen(label string) {
	if p.img == nil || label == "" {
		return
	}
	if label == presetDefault {
		p.setWindow(p.img.DefaultWindow(p.frame))
		return
	}
	if pr, ok := p.presets[label]; ok {
		p.setWindow(dicomview.Window{Center: pr.Center, Width: pr.Width})
	}
}

// presetMatches reports whether the chosen preset gives the current
// window, so that a drag or a typed window clears the choice.
func (p *imagePane) presetMatches() bool {
	sel := p.presetSelect.Selected
	if pr, ok := p.presets[sel]; ok {
		return p.window == dicomview.Window{Center: pr.Center, Width: pr.Width}
	}
	return sel == presetDefault && p.img != nil && p.window == p.img.DefaultWindow(p.frame)
}
