package ui

import (
	"bytes"
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
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
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

// imagePane is the state and widgets of the image side that workbench.go
// does not hold. Its fields are used only on the UI goroutine.
type imagePane struct {
	series []*dicomview.Series // in the browser
	cur    *dicomview.Series   // shown
	slice  int                 // index of the shown slice in cur

	preview     *dicomview.Preview // of previewFor
	previewFor  frameKey
	displayFull bool // display is the full frame, not the preview

	presets      map[string]assets.Preset // by label
	presetSelect *widget.Select
	invertCheck  *widget.Check
	panCheck     *widget.Check
	fitButton    *widget.Button
	oneButton    *widget.Button
	zoomIn       *widget.Button
	zoomOut      *widget.Button
	tabs         *container.AppTabs
	imageTab     *container.TabItem
	eyeTab       *container.TabItem
	tagsTab      *container.TabItem

	browser *studyBrowser
	eye     *modelsEye
	tags    *tagPanel
}

// frameKey identifies one frame of one image.
type frameKey struct {
	im    *dicomview.Image
	frame int
}

// buildImagePane creates the widgets of the image side: the study browser
// beside the viewer (with the model's-eye view and the tags as tabs),
// the view tools above it, the slice slider and the window row below.
func (w *Workbench) buildImagePane() fyne.CanvasObject {
	p := &w.pane
	w.viewer = NewViewer("Open a DICOM or PNG image, a folder or a ZIP (Ctrl+O), or drop one here")
	w.viewer.OnDragged = w.dragWindow
	w.viewer.OnStep = w.step
	w.viewer.OnViewChanged = w.viewChanged

	w.frameSlider = widget.NewSlider(1, 2)
	w.frameSlider.Step = 1
	w.frameSlider.OnChanged = w.frameChanged
	w.frameLabel = widget.NewLabel("")
	w.frameRow = container.NewBorder(nil, nil, w.frameLabel, nil, w.frameSlider)
	w.frameRow.Hide()

	w.centerEntry = widget.NewEntry()
	w.centerEntry.SetPlaceHolder("center")
	w.centerEntry.OnSubmitted = func(string) { w.applyWindowEntries() }
	w.widthEntry = widget.NewEntry()
	w.widthEntry.SetPlaceHolder("width")
	w.widthEntry.OnSubmitted = func(string) { w.applyWindowEntries() }
	w.resetWindow = widget.NewButtonWithIcon("", theme.ViewRestoreIcon(), w.resetWindowTapped)
	w.modelInputCheck = widget.NewCheck("Model input (896×896)", func(bool) { w.modelInputToggled() })
	entrySize := fyne.NewSize(110, w.centerEntry.MinSize().Height)
	windowRow := container.NewHBox(
		widget.NewLabel("Center"), container.NewGridWrap(entrySize, w.centerEntry),
		widget.NewLabel("Width"), container.NewGridWrap(entrySize, w.widthEntry),
		w.resetWindow, layout.NewSpacer(), w.modelInputCheck,
	)
	w.inputInfo = widget.NewLabel("")
	w.inputInfo.Truncation = fyne.TextTruncateEllipsis
	w.inputInfo.Hide()

	p.presetSelect = widget.NewSelect(nil, w.presetChosen)
	p.presetSelect.PlaceHolder = "Preset"
	w.updatePresets()
	p.invertCheck = widget.NewCheck("Invert", func(on bool) { w.viewer.SetInverted(on) })
	p.panCheck = widget.NewCheck("Pan", func(on bool) { w.viewer.SetPanMode(on) })
	p.fitButton = widget.NewButtonWithIcon("", theme.ZoomFitIcon(), func() { w.viewer.Fit() })
	p.oneButton = widget.NewButton("1:1", func() { w.viewer.ZoomTo(1) })
	mid := func() fyne.Position { s := w.viewer.Size(); return fyne.NewPos(s.Width/2, s.Height/2) }
	p.zoomIn = widget.NewButtonWithIcon("", theme.ZoomInIcon(), func() { w.viewer.ZoomBy(zoomStep, mid()) })
	p.zoomOut = widget.NewButtonWithIcon("", theme.ZoomOutIcon(), func() { w.viewer.ZoomBy(1/zoomStep, mid()) })
	tools := container.NewHBox(p.presetSelect, p.invertCheck, p.panCheck, layout.NewSpacer(),
		p.zoomOut, p.zoomIn, p.fitButton, p.oneButton)

	p.eye = w.newModelsEye()
	p.tags = w.newTagPanel()
	viewerPane := container.NewBorder(tools, container.NewVBox(w.frameRow, windowRow, w.inputInfo), nil, nil, w.viewer)
	p.imageTab = container.NewTabItem("Image", viewerPane)
	p.eyeTab = container.NewTabItem("Model's eye", p.eye.content)
	p.tagsTab = container.NewTabItem("Tags", p.tags.content)
	p.tabs = container.NewAppTabs(p.imageTab, p.eyeTab, p.tagsTab)
	p.tabs.OnSelected = func(*container.TabItem) { w.tabChanged() }

	p.browser = w.newStudyBrowser()
	split := container.NewHSplit(p.browser.content, p.tabs)
	split.Offset = 0.25
	return split
}

// tabChanged brings the newly shown tab up to date.
func (w *Workbench) tabChanged() {
	switch w.pane.tabs.Selected() {
	case w.pane.eyeTab:
		w.pane.eye.update()
	case w.pane.tagsTab:
		w.pane.tags.load()
	}
}

// showSeries shows slice index of series s (from the browser); a new
// image starts with its default window.
func (w *Workbench) showSeries(s *dicomview.Series, index int) {
	if s == nil || len(s.Slices) == 0 {
		return
	}
	p := &w.pane
	index = min(max(index, 0), len(s.Slices)-1)
	newSeries := s != p.cur
	p.cur, p.slice = s, index
	sl := s.Slices[index]
	newImage := sl.Image != w.img
	w.img, w.frame = sl.Image, sl.Frame
	if newSeries {
		w.window = sl.Image.DefaultWindow(sl.Frame)
		w.display, w.displayFor = nil, renderKey{}
		w.prepared, w.input, w.preparedFor = nil, nil, inputKey{}
		w.showWindowValues()
		w.updatePresets()
		w.viewer.SetImageScaled(nil, 0, 0)
		if n := len(s.Slices); n > 1 {
			w.frameSlider.Max = float64(n)
			w.frameSlider.Refresh()
			w.frameRow.Show()
		} else {
			w.frameRow.Hide()
		}
		p.browser.selectSeries(s)
	}
	if len(s.Slices) > 1 {
		w.frameSlider.Value = float64(index + 1)
		w.frameSlider.Refresh()
		w.frameLabel.SetText(w.sliceText())
	}
	w.imageInfo.SetText(w.infoText())
	if newImage {
		p.tags.imageChanged()
	}
	w.updateOverlay()
	w.updateViewer()
	w.render()
	p.eye.update()
}

// sliceText is "Frame i/n" for the frames of one file, else "Slice i/n".
func (w *Workbench) sliceText() string {
	s := w.pane.cur
	if s == nil {
		return ""
	}
	if s.Slices[0].Image.Frames == len(s.Slices) && s.Slices[len(s.Slices)-1].Image == s.Slices[0].Image {
		return frameText(w.pane.slice+1, len(s.Slices))
	}
	return "Slice " + strconv.Itoa(w.pane.slice+1) + "/" + strconv.Itoa(len(s.Slices))
}

// step shows the slice delta places away in the series.
func (w *Workbench) step(delta int) {
	s := w.pane.cur
	if s == nil {
		return
	}
	i := min(max(w.pane.slice+delta, 0), len(s.Slices)-1)
	if i != w.pane.slice {
		w.showSeries(s, i)
	}
}

// frameChanged follows the slice slider.
func (w *Workbench) frameChanged(v float64) {
	if w.pane.cur == nil {
		return
	}
	i := int(math.Round(v)) - 1
	if i != w.pane.slice {
		w.showSeries(w.pane.cur, i)
	}
}

// viewChanged follows zoom, pan and inversion: the overlay shows them,
// and a zoom past the preview's detail renders the full frame.
func (w *Workbench) viewChanged() {
	w.pane.invertCheck.SetChecked(w.viewer.Inverted())
	w.render()
}

// updateOverlay writes the de-identified facts of the view into the
// viewer's corners.
func (w *Workbench) updateOverlay() {
	w.viewer.SetOverlay(w.overlay())
}

// overlay returns the viewer's corner text: modality and series
// description, slice and size, window. It is built from
// dicomview.StudyInfo and the view only, never from patient attributes.
func (w *Workbench) overlay() Overlay {
	if w.img == nil {
		return Overlay{}
	}
	info := w.img.Info
	var top []string
	if head := strings.Join(nonEmpty(info.Modality, info.BodyPart), " · "); head != "" {
		top = append(top, head)
	}
	if info.SeriesDescription != "" {
		top = append(top, info.SeriesDescription)
	}
	bottom := []string{w.sliceText(), strconv.Itoa(w.img.Width) + "×" + strconv.Itoa(w.img.Height)}
	if w.pane.cur != nil && len(w.pane.cur.Slices) == 1 {
		bottom = bottom[1:]
	}
	win := []string{"L " + formatFloat(w.window.Center) + "  W " + formatFloat(w.window.Width)}
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
func (w *Workbench) updatePresets() {
	p := &w.pane
	p.presets = map[string]assets.Preset{}
	labels := []string{presetDefault}
	mod := ""
	if w.img != nil {
		mod = w.img.Modality
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
func (w *Workbench) presetChosen(label string) {
	if w.img == nil || label == "" {
		return
	}
	if label == presetDefault {
		w.setWindow(w.img.DefaultWindow(w.frame))
		return
	}
	if pr, ok := w.pane.presets[label]; ok {
		w.setWindow(dicomview.Window{Center: pr.Center, Width: pr.Width})
	}
}

// presetMatches reports whether the chosen preset gives the current
// window, so that a drag or a typed window clears the choice.
func (w *Workbench) presetMatches() bool {
	sel := w.pane.presetSelect.Selected
	if pr, ok := w.pane.presets[sel]; ok {
		return w.window == dicomview.Window{Center: pr.Center, Width: pr.Width}
	}
	return sel == presetDefault && w.img != nil && w.window == w.img.DefaultWindow(w.frame)
}

// Opening.

// open loads paths (files, folders, ZIPs, DICOMDIRs) in the background
// and shows their series in the browser when loaded.
func (w *Workbench) open(paths ...string) {
	w.openSeq++
	seq := w.openSeq
	if w.cancelOpen != nil {
		w.cancelOpen() // the newer open wins
	}
	opening := "Opening " + baseNames(paths) + "…"
	w.imageInfo.SetText(opening)
	ctx, cancel := w.opContext()
	w.cancelOpen = cancel
	w.cancelOpenButton.Show()
	var files atomic.Int64
	var last atomic.Int64 // unix ms of the last progress shown
	progress := func(n int) {
		files.Store(int64(n))
		now := time.Now().UnixMilli()
		if prev := last.Load(); now-prev < openProgressEvery.Milliseconds() || !last.CompareAndSwap(prev, now) {
			return
		}
		w.do(func() {
			if seq == w.openSeq && w.cancelOpen != nil {
				w.imageInfo.SetText(fmt.Sprintf("%s %d files read", opening, files.Load()))
			}
		})
	}
	go func() {
		defer cancel()
		var all []*dicomview.Series
		var skipped []error
		var firstErr error
		for _, p := range paths {
			s, sk, err := w.backend.OpenStudy(ctx, p, progress)
			all = append(all, s...)
			skipped = append(skipped, sk...)
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}
		if len(all) > 0 {
			firstErr = nil // show what loaded
		}
		w.do(func() { w.opened(seq, paths, all, skipped, firstErr) })
	}()
}

func (w *Workbench) opened(seq int, paths []string, series []*dicomview.Series, skipped []error, err error) {
	if seq != w.openSeq {
		return // a later open supersedes this one
	}
	w.cancelOpen = nil
	w.cancelOpenButton.Hide()
	if err != nil {
		w.imageInfo.SetText(w.infoText())
		showError(w.win, err) // nothing for a cancelled open
		return
	}
	w.addRecent(paths)
	if sh := w.shell; sh != nil {
		sh.tabs.Select(sh.workbenchTab) // from History's "open image", or the first-run card
	}
	// The keys step, zoom and invert at once, unless the user is typing.
	if c := w.win.Canvas(); c.Focused() == nil {
		c.Focus(w.viewer)
	}
	w.pane.series = series
	w.pane.cur = nil
	w.pane.browser.setSeries(series, skipped)
	w.showSeries(series[0], 0)
}

func (w *Workbench) infoText() string {
	if w.img == nil {
		return "No image"
	}
	return imageInfo(w.img)
}

func frameText(frame, frames int) string {
	return "Frame " + strconv.Itoa(frame) + "/" + strconv.Itoa(frames)
}

// Windowing and rendering.

func (w *Workbench) key() renderKey {
	return renderKey{im: w.img, frame: w.frame, window: w.window}
}

// inputKey identifies a model input of one frame.
type inputKey struct {
	renderKey
	encoding string
	fit      dicomview.Fit
}

func (w *Workbench) inputKey() inputKey {
	return inputKey{renderKey: w.key(), encoding: w.pane.eye.encoding(), fit: w.pane.eye.fit()}
}

func (w *Workbench) showWindowValues() {
	w.centerEntry.SetText(formatFloat(w.window.Center))
	w.widthEntry.SetText(formatFloat(w.window.Width))
}

func (w *Workbench) setWindow(win dicomview.Window) {
	w.window = win
	w.showWindowValues()
	if !w.presetMatches() {
		w.pane.presetSelect.ClearSelected()
	}
	w.updateOverlay()
	w.render()
	w.pane.eye.update()
}

func (w *Workbench) applyWindowEntries() {
	if w.img == nil {
		return
	}
	win, err := dicomview.ParseWindow(w.centerEntry.Text + "," + w.widthEntry.Text)
	if err != nil {
		showError(w.win, err)
		return
	}
	w.setWindow(win)
}

func (w *Workbench) resetWindowTapped() {
	if w.img != nil {
		w.setWindow(w.img.DefaultWindow(w.frame))
	}
}

// dragWindow changes the window as the mouse drags over the viewer:
// horizontally the width (by a factor), vertically the center.
func (w *Workbench) dragWindow(dx, dy float32) {
	if w.img == nil {
		return
	}
	win := w.window
	win.Center += float64(dy) * win.Width / dragUnits
	win.Width *= math.Exp(float64(dx) / dragUnits)
	w.setWindow(win)
}

func (w *Workbench) modelInputToggled() {
	w.updateViewer()
	w.render()
}

// needFull reports whether the viewer's zoom shows more detail than the
// preview holds.
func (w *Workbench) needFull() bool {
	if w.img == nil {
		return false
	}
	long := max(w.img.Width, w.img.Height)
	return long > previewSize && w.viewer.Zoom()*float64(long) > previewSize*1.05
}

// render brings the viewer up to date with the image, frame and window in
// a goroutine; while one runs, further changes wait for it to finish and
// then the latest state is rendered (latest wins).
func (w *Workbench) render() {
	if w.img == nil || w.rendering {
		return
	}
	k := w.key()
	full := w.needFull()
	withDisplay := w.display == nil || w.displayFor != k || (full && !w.pane.displayFull)
	ik := w.inputKey()
	withInput := w.modelInputCheck.Checked && w.preparedFor != ik
	if !withDisplay && !withInput {
		return
	}
	var pv *dicomview.Preview
	if w.pane.previewFor == (frameKey{k.im, k.frame}) {
		pv = w.pane.preview
	}
	w.rendering = true
	go func() {
		r := renderImage(renderJob{key: ik, display: withDisplay, full: full, preview: pv, input: withInput})
		w.do(func() { w.rendered(r) })
	}()
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
	opts := dicomview.PrepareOptions{Frame: k.frame, Fit: k.fit, Encoding: k.encoding}
	if k.encoding != dicomview.EncodingCT3 {
		win := k.window
		opts.Window = &win
	}
	return k.im.Prepare(opts)
}

func (w *Workbench) rendered(r renderResult) {
	w.rendering = false
	k := r.job.key
	if k.im != w.img {
		w.render()
		return
	}
	if r.preview != nil {
		w.pane.preview, w.pane.previewFor = r.preview, frameKey{k.im, k.frame}
	}
	current := k.renderKey == w.key()
	if r.err != nil {
		if current {
			showError(w.win, r.err)
		}
	} else {
		if r.display != nil {
			w.display, w.displayFor, w.pane.displayFull = r.display, k.renderKey, r.full
		}
		if r.prepared != nil {
			w.prepared, w.input, w.preparedFor = r.prepared, r.input, k
		}
		w.updateViewer()
		w.maybeAutoRun()
	}
	if !current || r.err == nil {
		w.render() // no-op when nothing changed meanwhile
	}
}

// updateViewer shows the display image, or the model input when asked
// for; while a new model input is being made the last one stays.
func (w *Workbench) updateViewer() {
	if w.img == nil {
		setShown(w.inputInfo, "")
		return
	}
	if !w.modelInputCheck.Checked {
		setShown(w.inputInfo, "")
		w.showDisplay()
		return
	}
	if w.input == nil || w.preparedFor.im != w.img {
		setShown(w.inputInfo, "Preparing model input…")
		w.showDisplay()
		return
	}
	if w.preparedFor == w.inputKey() {
		setShown(w.inputInfo, preparedInfo(w.prepared))
	} else {
		setShown(w.inputInfo, "Preparing model input…")
	}
	w.viewer.SetImage(w.input)
}

// showDisplay shows the rendered frame (a preview or the full frame) at
// the size of the original.
func (w *Workbench) showDisplay() {
	if w.display == nil || w.displayFor.im != w.img {
		w.viewer.SetImageScaled(nil, 0, 0)
		return
	}
	w.viewer.SetImageScaled(w.display, w.img.Width, w.img.Height)
}
