package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
)

// imagePane is the image side of the window: the study browser, the
// viewer with its view tools, slice slider and window row, the model's-eye
// view and the tags, and the image state they show. It reaches the
// services only through StudyBackend. Its fields are used only on the UI
// goroutine.
//
// Its state is kept by concern, a struct and a file each: opening files
// (openState, imagepane_open.go), what was rendered of the frame shown
// (renderCache, imagepane_render.go), its window and presets (windowing,
// imagepane_window.go), the measuring tools (measuring,
// imagepane_measure.go) and the slice slider (sliceRow,
// imagepane_slices.go); the view tools and the overlay are
// imagepane_view.go. What it tells the window is paneHooks, its tabs
// paneTabs.
type imagePane struct {
	env     *tabEnv
	backend StudyBackend
	paneHooks

	content fyne.CanvasObject // the browser beside the tabs
	top     fyne.CanvasObject // the image's info line, with Cancel while opening

	series []*dicomview.Series // in the browser
	cur    *dicomview.Series   // shown
	slice  int                 // index of the shown slice in cur
	img    *dicomview.Image    // cur's slice shown
	frame  int                 // the frame of img shown

	imageInfo       *widget.Label // the image's info line
	viewer          *Viewer
	modelInputCheck *widget.Check // the viewer shows the model input
	inputInfo       *widget.Label // the model input's size and hash, or that it is being made

	openState
	renderCache
	windowing
	measuring
	sliceRow

	browser *studyBrowser
	paneTabs
}

// paneHooks are what the image pane tells the rest of the window; each
// is optional.
type paneHooks struct {
	// onOpened is called after an open has put its series in the
	// browser (the shell brings the Workbench tab forward), and
	// onRecentChanged after the recent list changed (the shell rebuilds
	// the File menu).
	onOpened, onRecentChanged func()
	// onRenderPrompt shows the prompt the first column would send as the
	// runtime renders it (the model's eye's Rendered prompt button; the
	// side-by-side view owns the request).
	onRenderPrompt func()
	// onRecipeChosen is told the recipe the model's-eye view chose (nil:
	// plain), and onStudyChanged the series shown when it is another one:
	// the side-by-side view follows them.
	onRecipeChosen func(r *recipe.Recipe)
	onStudyChanged func(s studyChange)
}

// paneTabs are the tabs beside the browser: the image, the model's eye,
// the tags and the planes, with the panels of the last three.
type paneTabs struct {
	tabs     *container.AppTabs
	imageTab *container.TabItem
	eyeTab   *container.TabItem
	tagsTab  *container.TabItem
	mprTab   *container.TabItem

	eye  *modelsEye
	tags *tagPanel
	mpr  *mprView
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
	p.top = container.NewBorder(nil, nil, nil, p.newCancelOpenButton(), p.imageInfo)

	p.viewer = NewViewer("Open a DICOM or PNG image, a folder or a ZIP (Ctrl+O), or drop one here")
	p.viewer.OnDragged = p.dragWindow
	p.viewer.OnStep = p.step
	p.viewer.OnViewChanged = p.viewChanged

	p.newSliceRow()
	windowControls := p.newWindowControls()
	p.modelInputCheck = widget.NewCheck("Model input (896×896)", func(bool) { p.modelInputToggled() })
	windowRow := container.NewHBox(append(windowControls, layout.NewSpacer(), p.modelInputCheck)...)
	p.inputInfo = widget.NewLabel("")
	p.inputInfo.Truncation = fyne.TextTruncateEllipsis
	p.inputInfo.Hide()

	p.newPresetAndInvert()
	pan, zoom := newViewTools(p.viewer)
	p.newMeasureTools()
	tools := container.NewHBox(append([]fyne.CanvasObject{p.presetSelect, p.invertCheck, pan, p.measureSelect, p.sendRegion,
		layout.NewSpacer()}, zoom...)...)

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

// shown is the image shown, or nil.
func (p *imagePane) shown() *dicomview.Image { return p.img }

// infoText is the image's info line: "No image", or what imageInfo says.
func (p *imagePane) infoText() string {
	if p.img == nil {
		return "No image"
	}
	return imageInfo(p.img)
}
