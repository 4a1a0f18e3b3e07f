package ui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// previewSize is the longer side, in pixels, of the reduced copy of a
// frame that the viewer re-windows while the mouse drags; a zoom that
// needs more detail renders the full frame.
const previewSize = 1024

// presetDefault is the preset entry that restores the file's own window
// (the default for radiographs such as chest X-rays).
const presetDefault = "Default (file)"

// openProgressEvery is how often an open in progress updates its count of
// files read.
const openProgressEvery = 100 * time.Millisecond

// imagePane is the image side of the window: the study browser, the
// viewer with its view tools, slice slider and window row, the model's-eye
// view and the tags, and the image state they show. It reaches the
// services only through StudyBackend. Its fields are used only on the UI
// goroutine.
type imagePane struct {
	env     *tabEnv
	backend StudyBackend
	// onOpened, when set, is called after an open has put its series in
	// the browser (the shell brings the Workbench tab forward), and
	// onRecentChanged after the recent list changed (the shell rebuilds
	// the File menu).
	onOpened, onRecentChanged func()
	// onRenderPrompt, when set, shows the prompt the first column would
	// send as the runtime renders it (the model's eye's Rendered prompt
	// button; the side-by-side view owns the request).
	onRenderPrompt func()
	// onRecipeChosen, when set, is told the recipe the model's-eye view
	// chose (nil: plain), and onStudyChanged the series shown when it is
	// another one: the side-by-side view follows them.
	onRecipeChosen func(r *recipe.Recipe)
	onStudyChanged func(s studyChange)

	content fyne.CanvasObject // the browser beside the tabs
	top     fyne.CanvasObject // the image's info line, with Cancel while opening

	img         *dicomview.Image
	frame       int
	window      dicomview.Window
	display     image.Image // img rendered for the viewer, for displayFor
	displayFor  renderKey
	prepared    *dicomview.Prepared // the model input, for preparedFor
	input       image.Image         // prepared, decoded
	preparedFor inputKey
	rendering   bool               // a render goroutine is running
	openSeq     int                // counts opens; only the latest result is shown
	cancelOpen  context.CancelFunc // stops the open in progress; nil when none
	// firstSlice: the first slice of the latest open is not yet on screen
	// (for the milestones, env.mark).
	firstSlice bool
	// prerendered is the first slice of an open, rendered by the open's
	// goroutine with its default window, for the render that shows it;
	// nil once used.
	prerendered *renderResult
	// pending is the latest open's result, for awaitOpen; nil when none.
	pending *pendingOpen

	series []*dicomview.Series // in the browser
	cur    *dicomview.Series   // shown
	slice  int                 // index of the shown slice in cur

	preview     *dicomview.Preview // of previewFor
	previewFor  frameKey
	displayFull bool // display is the full frame, not the preview

	presets map[string]assets.Preset // by label
	// dragExact is the window a drag reached before rounding.
	dragExact *dicomview.Window

	// Widgets, kept for tests.

	cancelOpenButton *widget.Button // shown while files are opening
	imageInfo        *widget.Label
	viewer           *Viewer
	frameSlider      *widget.Slider
	frameLabel       *widget.Label
	frameRow         *fyne.Container
	centerEntry      *widget.Entry
	widthEntry       *widget.Entry
	resetWindow      *widget.Button
	modelInputCheck  *widget.Check
	inputInfo        *widget.Label
	presetSelect     *widget.Select
	invertCheck      *widget.Check
	panCheck         *widget.Check
	measureSelect    *widget.Select // what a drag draws: off, a rectangle, an ellipse, a length
	sendRegion       *widget.Check  // the model input is the region only
	regionInfo       *widget.Label  // the region's size and statistics
	// measured is the region drawn, once measured; runs record it.
	measured *core.Measurement
	// annotate is the last arrow's text dialog, kept for tests.
	annotate      *dialog.FormDialog
	annotateEntry *widget.Entry
	fitButton     *widget.Button
	oneButton     *widget.Button
	zoomIn        *widget.Button
	zoomOut       *widget.Button
	tabs          *container.AppTabs
	imageTab      *container.TabItem
	eyeTab        *container.TabItem
	tagsTab       *container.TabItem
	mprTab        *container.TabItem

	browser *studyBrowser
	eye     *modelsEye
	tags    *tagPanel
	mpr     *mprView
}

// renderKey identifies what a render or a model input was made from.
type renderKey struct {
	im     *dicomview.Image
	frame  int
	window dicomview.Window
}

// frameKey identifies one frame of one image.
type frameKey struct {
	im    *dicomview.Image
	frame int
}

// newImagePane creates the widgets of the image side: the study browser
// beside the viewer (with the model's-eye view and the tags as tabs),
// the view tools above it, the slice slider and the window row below, and
// the info line above them.
func newImagePane(env *tabEnv, b StudyBackend) *imagePane {
	p := &imagePane{env: env, backend: b}
	p.imageInfo = widget.NewLabel("")
	p.imageInfo.Truncation = fyne.TextTruncateEllipsis
	p.imageInfo.SetText(p.infoText())
	// Opening is the browser's (File…, Folder…) and the File menu's; a
	// long open (a large folder or ZIP) can be cancelled here.
	p.cancelOpenButton = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() {
		if p.cancelOpen != nil {
			p.cancelOpen()
		}
	})
	p.cancelOpenButton.Hide()
	p.top = container.NewBorder(nil, nil, nil, p.cancelOpenButton, p.imageInfo)

	p.viewer = NewViewer("Open a DICOM or PNG image, a folder or a ZIP (Ctrl+O), or drop one here")
	p.viewer.OnDragged = p.dragWindow
	p.viewer.OnStep = p.step
	p.viewer.OnViewChanged = p.viewChanged

	p.frameSlider = widget.NewSlider(1, 2)
	p.frameSlider.Step = 1
	p.frameSlider.OnChanged = p.frameChanged
	p.frameLabel = widget.NewLabel("")
	p.frameRow = container.NewBorder(nil, nil, p.frameLabel, nil, p.frameSlider)
	p.frameRow.Hide()

	p.centerEntry = widget.NewEntry()
	p.centerEntry.SetPlaceHolder("center")
	p.centerEntry.OnSubmitted = func(string) { p.applyWindowEntries() }
	p.widthEntry = widget.NewEntry()
	p.widthEntry.SetPlaceHolder("width")
	p.widthEntry.OnSubmitted = func(string) { p.applyWindowEntries() }
	p.resetWindow = widget.NewButtonWithIcon("", theme.ViewRestoreIcon(), p.resetWindowTapped)
	p.modelInputCheck = widget.NewCheck("Model input (896×896)", func(bool) { p.modelInputToggled() })
	entrySize := fyne.NewSize(110, p.centerEntry.MinSize().Height)
	windowRow := container.NewHBox(
		widget.NewLabel("Center"), container.NewGridWrap(entrySize, p.centerEntry),
		widget.NewLabel("Width"), container.NewGridWrap(entrySize, p.widthEntry),
		p.resetWindow, layout.NewSpacer(), p.modelInputCheck,
	)
	p.inputInfo = widget.NewLabel("")
	p.inputInfo.Truncation = fyne.TextTruncateEllipsis
	p.inputInfo.Hide()

	p.presetSelect = widget.NewSelect(nil, p.presetChosen)
	p.presetSelect.PlaceHolder = "Preset"
	p.updatePresets()
	p.invertCheck = widget.NewCheck("Invert", func(on bool) { p.viewer.SetInverted(on) })
	p.panCheck = widget.NewCheck("Pan", func(on bool) { p.viewer.SetPanMode(on) })
	p.measureSelect = widget.NewSelect(measureOptions, func(opt string) {
		shape := measureShapes[opt]
		if shape != p.viewer.RegionShape() && !p.viewer.Region().Empty() {
			p.clearRegion()
		}
		p.viewer.SetRegionMode(shape)
	})
	p.measureSelect.SetSelected(measureOff)
	// A select is as wide as its placeholder: the longest choice's, so
	// that the choice shown is never cut ("Window (d…").
	for _, o := range measureOptions {
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
	p.fitButton = widget.NewButtonWithIcon("", theme.ZoomFitIcon(), func() { p.viewer.Fit() })
	p.oneButton = widget.NewButton("1:1", func() { p.viewer.ZoomTo(1) })
	mid := func() fyne.Position { s := p.viewer.Size(); return fyne.NewPos(s.Width/2, s.Height/2) }
	p.zoomIn = widget.NewButtonWithIcon("", theme.ZoomInIcon(), func() { p.viewer.ZoomBy(zoomStep, mid()) })
	p.zoomOut = widget.NewButtonWithIcon("", theme.ZoomOutIcon(), func() { p.viewer.ZoomBy(1/zoomStep, mid()) })
	tools := container.NewHBox(p.presetSelect, p.invertCheck, p.panCheck, p.measureSelect, p.sendRegion, layout.NewSpacer(),
		p.zoomOut, p.zoomIn, p.fitButton, p.oneButton)

	p.eye = newModelsEye(p)
	p.tags = newTagPanel(p)
	// The tool and window rows scroll sideways rather than widen the image
	// side: the columns beside it need the room.
	viewerPane := container.NewBorder(container.NewHScroll(tools), container.NewVBox(p.frameRow, container.NewHScroll(windowRow), p.regionInfo, p.inputInfo), nil, nil, p.viewer)
	p.imageTab = container.NewTabItem("Image", viewerPane)
	p.eyeTab = container.NewTabItem("Model's eye", p.eye.tab)
	p.tagsTab = container.NewTabItem("Tags", p.tags.content)
	p.mpr = newMPRView(p)
	p.mprTab = container.NewTabItem("Planes", p.mpr.content)
	p.tabs = container.NewAppTabs(p.imageTab, p.eyeTab, p.tagsTab, p.mprTab)
	p.tabs.OnSelected = func(*container.TabItem) { p.tabChanged() }

	p.browser = newStudyBrowser(p)
	split := container.NewHSplit(p.browser.content, p.tabs)
	split.Offset = 0.25
	// The image's info line heads the image side only: the columns beside
	// it keep the height.
	p.content = container.NewBorder(p.top, nil, nil, nil, split)
	return p
}

// tabChanged brings the newly shown tab up to date.
func (p *imagePane) tabChanged() {
	switch p.tabs.Selected() {
	case p.eyeTab:
		p.eye.update()
	case p.tagsTab:
		p.tags.load()
	case p.mprTab:
		p.mpr.update()
	}
}

// showSeries shows slice index of series s (from the browser); a new
// image starts with its default window.
func (p *imagePane) showSeries(s *dicomview.Series, index int) {
	if s == nil || len(s.Slices) == 0 {
		return
	}
	index = min(max(index, 0), len(s.Slices)-1)
	newSeries := s != p.cur
	p.cur, p.slice = s, index
	sl := s.Slices[index]
	newImage := sl.Image != p.img
	if newImage || sl.Frame != p.frame {
		p.clearBoxes() // they are about the frame shown before
	}
	if newSeries && !p.viewer.Region().Empty() {
		p.clearRegion() // a region is drawn on one series
	}
	p.img, p.frame = sl.Image, sl.Frame
	if newSeries {
		p.window = sl.Image.DefaultWindow(sl.Frame)
		p.display, p.displayFor = nil, renderKey{}
		p.prepared, p.input, p.preparedFor = nil, nil, inputKey{}
		p.showWindowValues()
		p.updatePresets()
		p.viewer.SetImageScaled(nil, 0, 0)
		if n := len(s.Slices); n > 1 {
			p.frameSlider.Max = float64(n)
			p.frameSlider.Refresh()
			p.frameRow.Show()
		} else {
			p.frameRow.Hide()
		}
		p.browser.selectSeries(s)
		if p.onStudyChanged != nil {
			p.onStudyChanged(p.eye.studyChange(s))
		}
	}
	if len(s.Slices) > 1 {
		p.frameSlider.Value = float64(index + 1)
		p.frameSlider.Refresh()
		p.frameLabel.SetText(p.sliceText())
	}
	p.imageInfo.SetText(p.infoText())
	if newImage {
		p.tags.imageChanged()
	}
	p.updateOverlay()
	p.updateViewer()
	p.render()
	p.eye.update()
	p.mpr.update()
	prefetchNeighbours(s, index)
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

// Opening.

// open loads paths (files, folders, ZIPs, DICOMDIRs) in the background
// and shows their series in the browser when loaded.
func (p *imagePane) open(paths ...string) {
	p.openSeq++
	seq := p.openSeq
	if p.cancelOpen != nil {
		p.cancelOpen() // the newer open wins
	}
	opening := "Opening " + baseNames(paths) + "…"
	p.imageInfo.SetText(opening)
	p.env.mark("open: start")
	p.firstSlice = true
	po := &pendingOpen{ready: make(chan struct{})}
	p.pending = po
	ctx, cancel := p.env.opContext()
	p.cancelOpen = cancel
	p.cancelOpenButton.Show()
	var files atomic.Int64
	var last atomic.Int64 // unix ms of the last progress shown
	progress := func(n int) {
		files.Store(int64(n))
		now := time.Now().UnixMilli()
		if prev := last.Load(); now-prev < openProgressEvery.Milliseconds() || !last.CompareAndSwap(prev, now) {
			return
		}
		p.env.do(func() {
			if seq == p.openSeq && p.cancelOpen != nil {
				p.imageInfo.SetText(fmt.Sprintf("%s %d files read", opening, files.Load()))
			}
		})
	}
	go func() {
		defer cancel()
		var all []*dicomview.Series
		var skipped []error
		var firstErr error
		for _, path := range paths {
			s, sk, err := p.backend.OpenStudy(ctx, path, progress)
			all = append(all, s...)
			skipped = append(skipped, sk...)
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}
		var first *renderResult
		if len(all) > 0 {
			firstErr = nil // show what loaded
			p.env.mark(fmt.Sprintf("open: %d files read", files.Load()))
			if ctx.Err() == nil {
				first = renderFirst(all[0].Slices[0])
				p.env.mark("first slice: rendered")
			}
		}
		po.show = func() {
			if p.pending == po {
				p.pending = nil
			}
			if seq == p.openSeq {
				p.prerendered = first
			}
			p.opened(seq, paths, all, skipped, firstErr)
		}
		close(po.ready)
		p.env.do(po.run)
	}()
}

// pendingOpen is the result of one open, shown once: by awaitOpen before
// the window is first shown, or when the open's goroutine hands it to the
// UI goroutine.
type pendingOpen struct {
	ready chan struct{} // closed when show is set
	show  func()        // shows the open's result
	shown bool          // used on the UI goroutine only
}

// run shows the open's result unless it was shown. It runs on the UI
// goroutine, after ready is closed.
func (po *pendingOpen) run() {
	if !po.shown {
		po.shown = true
		po.show()
	}
}

// awaitOpen waits at most d for the latest open to end and shows its
// result now; the window's first frame then shows it. Call it on the UI
// goroutine before the window is shown.
func (p *imagePane) awaitOpen(d time.Duration) {
	po := p.pending
	if po == nil {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-po.ready:
		po.run()
	case <-t.C:
	}
}

func (p *imagePane) opened(seq int, paths []string, series []*dicomview.Series, skipped []error, err error) {
	if seq != p.openSeq {
		return // a later open supersedes this one
	}
	p.cancelOpen = nil
	p.cancelOpenButton.Hide()
	if err != nil {
		p.imageInfo.SetText(p.infoText())
		p.env.showError(err) // nothing for a cancelled open
		return
	}
	p.addRecent(paths)
	if p.onOpened != nil {
		p.onOpened() // from History's "open image", or the first-run card
	}
	// The keys step, zoom and invert at once, unless the user is typing.
	if c := p.env.win.Canvas(); c.Focused() == nil {
		c.Focus(p.viewer)
	}
	p.series = series
	p.cur = nil
	p.env.mark("open: series shown")
	p.browser.setSeries(series, skipped)
	p.showSeries(series[0], 0)
}

// openSeries shows series s (the history browser's model input) as
// if it had been opened.
func (p *imagePane) openSeries(s *dicomview.Series) {
	p.openSeq++
	p.opened(p.openSeq, nil, []*dicomview.Series{s}, nil, nil)
}

// shown is the image shown, or nil.
func (p *imagePane) shown() *dicomview.Image { return p.img }

// ready reports whether a frame of the image is on screen.
func (p *imagePane) ready() bool { return p.display != nil }

func (p *imagePane) infoText() string {
	if p.img == nil {
		return "No image"
	}
	return imageInfo(p.img)
}

func frameText(frame, frames int) string {
	return "Frame " + strconv.Itoa(frame) + "/" + strconv.Itoa(frames)
}

// Windowing and rendering.

func (p *imagePane) key() renderKey {
	return renderKey{im: p.img, frame: p.frame, window: p.window}
}

// inputKey identifies a model input of one frame.
type inputKey struct {
	renderKey
	encoding string
	fit      dicomview.Fit
	region   image.Rectangle // empty: the whole frame
}

func (p *imagePane) inputKey() inputKey {
	return inputKey{renderKey: p.key(), encoding: p.eye.encoding(), fit: p.eye.fit(), region: p.inputRegion()}
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

func (p *imagePane) modelInputToggled() {
	p.updateViewer()
	p.render()
}

// needFull reports whether the viewer's zoom shows more detail than the
// preview holds.
func (p *imagePane) needFull() bool {
	if p.img == nil {
		return false
	}
	long := max(p.img.Width, p.img.Height)
	return long > previewSize && p.viewer.Zoom()*float64(long) > previewSize*1.05
}

// render brings the viewer up to date with the image, frame and window in
// a goroutine; while one runs, further changes wait for it to finish and
// then the latest state is rendered (latest wins).
func (p *imagePane) render() {
	if p.img == nil || p.rendering {
		return
	}
	k := p.key()
	full := p.needFull()
	withDisplay := p.display == nil || p.displayFor != k || (full && !p.displayFull)
	ik := p.inputKey()
	withInput := p.modelInputCheck.Checked && p.preparedFor != ik
	if !withDisplay && !withInput {
		return
	}
	if pre := p.prerendered; pre != nil {
		p.prerendered = nil
		if pre.job.key.renderKey == k && withDisplay && !full && !withInput {
			p.rendering = true
			p.rendered(*pre)
			return
		}
	}
	var pv *dicomview.Preview
	if p.previewFor == (frameKey{k.im, k.frame}) {
		pv = p.preview
	}
	p.rendering = true
	go func() {
		r := renderImage(renderJob{key: ik, display: withDisplay, full: full, preview: pv, input: withInput})
		p.env.do(func() { p.rendered(r) })
	}()
}

// renderFirst renders slice sl as the viewer first shows it, with its
// default window, so that the first slice of an open is shown with the
// series rather than a frame later. It runs off the UI goroutine.
func renderFirst(sl dicomview.Slice) *renderResult {
	k := renderKey{im: sl.Image, frame: sl.Frame, window: sl.Image.DefaultWindow(sl.Frame)}
	r := renderImage(renderJob{key: inputKey{renderKey: k}, display: true})
	return &r
}

// renderJob is what one render goroutine makes.
type renderJob struct {
	key     inputKey
	display bool               // render the frame for the viewer
	full    bool               // at full resolution, not from the preview
	preview *dicomview.Preview // of the frame, if made before
	input   bool               // prepare the model input
}

// renderResult is what renderImage made.
type renderResult struct {
	job      renderJob
	display  image.Image // nil unless asked for
	full     bool        // display is the full frame
	preview  *dicomview.Preview
	prepared *dicomview.Prepared
	input    image.Image
	err      error
}

// renderImage does job. It runs off the UI goroutine.
func renderImage(job renderJob) renderResult {
	r := renderResult{job: job, preview: job.preview}
	k := job.key
	if job.display {
		if !job.full && r.preview == nil {
			// Colour images have no preview; they are shown in full.
			r.preview, _ = k.im.Preview(k.frame, previewSize)
		}
		if !job.full && r.preview != nil {
			g := image.NewGray(image.Rect(0, 0, r.preview.Width, r.preview.Height))
			if r.err = r.preview.RenderInto(g, k.window); r.err != nil {
				return r
			}
			r.display = g
		} else {
			r.full = true
			if r.display, r.err = k.im.Render(k.frame, k.window); r.err != nil {
				return r
			}
		}
	}
	if !job.input {
		return r
	}
	if r.prepared, r.err = prepareFrame(k); r.err != nil {
		return r
	}
	r.input, r.err = png.Decode(bytes.NewReader(r.prepared.PNG))
	return r
}

// prepareFrame makes the model input for k.
func prepareFrame(k inputKey) (*dicomview.Prepared, error) {
	opts := dicomview.PrepareOptions{Frame: k.frame, Fit: k.fit, Encoding: k.encoding, Region: k.region}
	if k.encoding != dicomview.EncodingCT3 {
		win := k.window
		opts.Window = &win
	}
	return k.im.Prepare(opts)
}

func (p *imagePane) rendered(r renderResult) {
	p.rendering = false
	k := r.job.key
	if k.im != p.img {
		p.render()
		return
	}
	if r.preview != nil {
		p.preview, p.previewFor = r.preview, frameKey{k.im, k.frame}
	}
	current := k.renderKey == p.key()
	if r.err != nil {
		if current {
			p.env.showError(r.err)
		}
	} else {
		if r.display != nil {
			p.display, p.displayFor, p.displayFull = r.display, k.renderKey, r.full
		}
		if r.prepared != nil {
			p.prepared, p.input, p.preparedFor = r.prepared, r.input, k
		}
		p.updateViewer()
		if r.display != nil && p.firstSlice {
			p.markFirstSlice()
		}
		p.env.inputChanged.fire()
	}
	if !current || r.err == nil {
		p.render() // no-op when nothing changed meanwhile
	}
}

// markFirstSlice reports the first slice of an open given to the viewer,
// and then drawn.
func (p *imagePane) markFirstSlice() {
	p.firstSlice = false
	if p.env.milestone == nil {
		return
	}
	p.env.mark("first slice: set")
	p.viewer.onDrawn = func() {
		p.viewer.onDrawn = nil
		p.env.mark("first slice: drawn")
	}
}

// updateViewer shows the display image, or the model input when asked
// for; while a new model input is being made the last one stays.
func (p *imagePane) updateViewer() {
	if p.img == nil {
		setShown(p.inputInfo, "")
		return
	}
	if !p.modelInputCheck.Checked {
		setShown(p.inputInfo, "")
		p.showDisplay()
		return
	}
	if p.input == nil || p.preparedFor.im != p.img {
		setShown(p.inputInfo, "Preparing model input…")
		p.showDisplay()
		return
	}
	if p.preparedFor == p.inputKey() {
		setShown(p.inputInfo, preparedInfo(p.prepared))
	} else {
		setShown(p.inputInfo, "Preparing model input…")
	}
	p.viewer.SetImage(p.input)
}

// showDisplay shows the rendered frame (a preview or the full frame) at
// the size of the original.
func (p *imagePane) showDisplay() {
	if p.display == nil || p.displayFor.im != p.img {
		p.viewer.SetImageScaled(nil, 0, 0)
		return
	}
	p.viewer.SetImageScaled(p.display, p.img.Width, p.img.Height)
}

// Regions: a rectangle drawn on the viewer (Region mode), measured in
// the frame's modality units and, with "Send region only", the model's
// input instead of the whole frame.

// The measuring tools of the image's tool bar: what a drag draws.
const (
	measureOff = "Window (drag)"
)

var (
	measureOptions = []string{measureOff, "Rectangle", "Ellipse", "Length", "Arrow (text)"}
	measureShapes  = map[string]string{measureOff: "", "Rectangle": "rectangle", "Ellipse": "ellipse", "Length": "length",
		"Arrow (text)": "arrow"}
)

// inputRegion is the region the model input is made of: the one drawn
// (an ellipse's bounding rectangle) when "Send region only" is on, else
// none.
func (p *imagePane) inputRegion() image.Rectangle {
	if p.sendRegion == nil || !p.sendRegion.Checked || p.viewer.RegionShape() == "length" {
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
	shape := p.viewer.RegionShape()
	if shape == "arrow" {
		p.sendRegion.SetChecked(false)
		p.sendRegion.Disable()
		p.arrowDrawn(im, frame)
		return
	}
	if shape == "length" {
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
	ellipse := shape == "ellipse"
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
			kind := core.MeasureRectangle
			if ellipse {
				kind = core.MeasureEllipse
			}
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
	p.annotate, p.annotateEntry = d, entry
	d.Resize(fyne.NewSize(420, 160))
	d.Show()
}
