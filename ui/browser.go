package ui

import (
	"errors"
	"fmt"
	"image"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

// Preference keys.
const (
	// prefRecent holds the paths opened last, the latest first.
	prefRecent = "recentPaths"
)

const (
	// maxRecent is the length of the File menu's recent list.
	maxRecent = 10
	// thumbSize is the side of a series thumbnail, in pixels.
	thumbSize = 64
	// thumbWorkers bounds the thumbnails made at once.
	thumbWorkers = 2
)

// studyBrowser is the tree of the studies and series opened: each series
// with its modality, description, number of slices and a thumbnail made
// on demand in a goroutine.
type studyBrowser struct {
	p       *imagePane
	tree    *widget.Tree
	status  *widget.Label
	content fyne.CanvasObject

	series  []*dicomview.Series
	studies []study
	thumbs  map[*dicomview.Series]image.Image
	pending map[*dicomview.Series]bool
	sem     chan struct{}
}

// study is a group of series of one study, as the browser shows it.
type study struct {
	label  string
	series []int // indices into studyBrowser.series
}

func newStudyBrowser(p *imagePane) *studyBrowser {
	b := &studyBrowser{
		p:       p,
		thumbs:  map[*dicomview.Series]image.Image{},
		pending: map[*dicomview.Series]bool{},
		sem:     make(chan struct{}, thumbWorkers),
	}
	b.status = widget.NewLabel("No study open")
	b.status.Wrapping = fyne.TextWrapWord
	b.tree = widget.NewTree(b.childIDs, b.isBranch, b.create, b.update)
	b.tree.OnSelected = b.selected
	openFile := widget.NewButtonWithIcon("File…", theme.FileImageIcon(), p.showOpenDialog)
	openFolder := widget.NewButtonWithIcon("Folder…", theme.FolderOpenIcon(), p.showOpenFolderDialog)
	b.content = container.NewBorder(container.NewVBox(container.NewGridWithColumns(2, openFile, openFolder), b.status), nil, nil, nil, b.tree)
	return b
}

// setSeries shows series, grouped by study, and says how many files were
// skipped.
func (b *studyBrowser) setSeries(series []*dicomview.Series, skipped []error) {
	b.series = series
	b.studies = groupStudies(series)
	b.thumbs = map[*dicomview.Series]image.Image{}
	b.pending = map[*dicomview.Series]bool{}
	text := fmt.Sprintf("%s, %s", plural(len(b.studies), "study", "studies"), plural(len(series), "series", "series"))
	if len(skipped) > 0 {
		text += fmt.Sprintf("; %s skipped (%v)", plural(len(skipped), "file", "files"), skipped[0])
	}
	b.status.SetText(text)
	b.tree.Refresh()
	b.tree.OpenAllBranches()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// groupStudies groups series by StudyInstanceUID (never shown), in the
// order they come.
func groupStudies(series []*dicomview.Series) []study {
	var out []study
	index := map[string]int{}
	for i, s := range series {
		info := s.Slices[0].Image.Info
		key := info.StudyInstanceUID
		if key == "" {
			key = "file:" + s.Slices[0].Image.Path
		}
		j, ok := index[key]
		if !ok {
			label := info.StudyDescription
			if label == "" {
				label = "Study " + strconv.Itoa(len(out)+1)
			}
			if key != "" && info.StudyInstanceUID == "" {
				label = filepath.Base(s.Slices[0].Image.Path)
			}
			j = len(out)
			index[key] = j
			out = append(out, study{label: label})
		}
		out[j].series = append(out[j].series, i)
	}
	return out
}

// seriesText describes a series in one line: modality, description and
// number of slices or frames.
func seriesText(s *dicomview.Series) string {
	parts := nonEmpty(s.Modality, s.Description)
	n := len(s.Slices)
	switch {
	case n == 1:
		parts = append(parts, "1 image")
	case s.Slices[0].Image == s.Slices[n-1].Image && s.Slices[0].Image.Frames == n:
		parts = append(parts, plural(n, "frame", "frames"))
	default:
		parts = append(parts, plural(n, "slice", "slices"))
	}
	return strings.Join(parts, statsSep)
}

// Tree ids: "st<i>" for study i, "se<j>" for series j.

func (b *studyBrowser) childIDs(id widget.TreeNodeID) []widget.TreeNodeID {
	if id == "" {
		ids := make([]widget.TreeNodeID, len(b.studies))
		for i := range b.studies {
			ids[i] = "st" + strconv.Itoa(i)
		}
		return ids
	}
	if i, ok := treeIndex(id, "st", len(b.studies)); ok {
		ids := make([]widget.TreeNodeID, len(b.studies[i].series))
		for k, j := range b.studies[i].series {
			ids[k] = "se" + strconv.Itoa(j)
		}
		return ids
	}
	return nil
}

func (b *studyBrowser) isBranch(id widget.TreeNodeID) bool {
	return id == "" || strings.HasPrefix(id, "st")
}

func treeIndex(id, prefix string, n int) (int, bool) {
	if !strings.HasPrefix(id, prefix) {
		return 0, false
	}
	i, err := strconv.Atoi(id[len(prefix):])
	return i, err == nil && i >= 0 && i < n
}

func (b *studyBrowser) create(branch bool) fyne.CanvasObject {
	label := widget.NewLabel("")
	label.Truncation = fyne.TextTruncateEllipsis
	if branch {
		label.TextStyle = fyne.TextStyle{Bold: true}
		return label
	}
	thumb := &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScaleSmooth}
	thumb.SetMinSize(fyne.NewSize(48, 48))
	return container.NewBorder(nil, nil, thumb, nil, label)
}

func (b *studyBrowser) update(id widget.TreeNodeID, branch bool, o fyne.CanvasObject) {
	if branch {
		if i, ok := treeIndex(id, "st", len(b.studies)); ok {
			o.(*widget.Label).SetText(b.studies[i].label)
		}
		return
	}
	j, ok := treeIndex(id, "se", len(b.series))
	if !ok {
		return
	}
	s := b.series[j]
	c := o.(*fyne.Container)
	label, thumb := c.Objects[0].(*widget.Label), c.Objects[1].(*canvas.Image)
	label.SetText(seriesText(s))
	thumb.Image = b.thumbs[s]
	thumb.Refresh()
	if thumb.Image == nil {
		b.makeThumb(s, id)
	}
}

// makeThumb renders the middle slice of s small, in a goroutine, and
// shows it in the tree.
func (b *studyBrowser) makeThumb(s *dicomview.Series, id widget.TreeNodeID) {
	if b.pending[s] {
		return
	}
	b.pending[s] = true
	ctx, cancel := b.p.env.opContext()
	go func() {
		defer cancel()
		select {
		case b.sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		img := thumbnail(s.Slices[len(s.Slices)/2])
		<-b.sem
		b.p.env.do(func() {
			if b.pending[s] && img != nil {
				b.thumbs[s] = img
				b.tree.RefreshItem(id)
			}
		})
	}()
}

// thumbnail renders a slice at most thumbSize pixels on a side with its
// default window, from every k-th row and column of it (read alone from
// the file of a lazy series: see dicomview's Thumbnail). It returns nil
// when the slice cannot be rendered.
func thumbnail(sl dicomview.Slice) image.Image {
	img, err := sl.Image.Thumbnail(sl.Frame, thumbSize)
	if err != nil {
		return nil
	}
	return img
}

func (b *studyBrowser) selected(id widget.TreeNodeID) {
	if j, ok := treeIndex(id, "se", len(b.series)); ok && b.series[j] != b.p.cur {
		b.p.showSeries(b.series[j], 0)
	}
}

// selectSeries marks s as selected in the tree.
func (b *studyBrowser) selectSeries(s *dicomview.Series) {
	if j := slices.Index(b.series, s); j >= 0 {
		b.tree.Select("se" + strconv.Itoa(j))
	}
}

// Opening: dialogs, drops, the recent list and the File menu.

// recentMenuItem is File › Open recent, listing the recent paths.
func (p *imagePane) recentMenuItem() *fyne.MenuItem {
	recent := fyne.NewMenuItem("Open recent", nil)
	for _, path := range p.recent() {
		recent.ChildMenu = appendItem(recent.ChildMenu, fyne.NewMenuItem(path, func() { p.open(path) }))
	}
	if recent.ChildMenu == nil {
		recent.Disabled = true
	}
	return recent
}

func appendItem(m *fyne.Menu, it *fyne.MenuItem) *fyne.Menu {
	if m == nil {
		return fyne.NewMenu("", it)
	}
	m.Items = append(m.Items, it)
	return m
}

// recent returns the recently opened paths, the latest first.
func (p *imagePane) recent() []string {
	if a := fyne.CurrentApp(); a != nil {
		return a.Preferences().StringList(prefRecent)
	}
	return nil
}

// addRecent puts paths first in the recent list and rebuilds the menu.
func (p *imagePane) addRecent(paths []string) {
	a := fyne.CurrentApp()
	if a == nil {
		return
	}
	list := slices.Clone(paths)
	for _, path := range a.Preferences().StringList(prefRecent) {
		if !slices.Contains(list, path) {
			list = append(list, path)
		}
	}
	a.Preferences().SetStringList(prefRecent, list[:min(len(list), maxRecent)])
	if p.onRecentChanged != nil {
		p.onRecentChanged()
	}
}

func (p *imagePane) showOpenDialog() {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil {
			p.env.showError(err)
			return
		}
		if rc == nil {
			return // cancelled
		}
		u := rc.URI()
		_ = rc.Close()
		p.openURIs([]fyne.URI{u})
	}, p.env.win)
	d.Resize(fyne.NewSize(900, 640))
	d.Show()
}

func (p *imagePane) showOpenFolderDialog() {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil {
			p.env.showError(err)
			return
		}
		if u == nil {
			return // cancelled
		}
		p.openURIs([]fyne.URI{u})
	}, p.env.win)
	d.Resize(fyne.NewSize(900, 640))
	d.Show()
}

func (p *imagePane) dropped(_ fyne.Position, uris []fyne.URI) {
	p.openURIs(uris)
}

// openURIs opens local files and folders together.
func (p *imagePane) openURIs(uris []fyne.URI) {
	var paths []string
	for _, u := range uris {
		if u.Scheme() != "file" {
			p.env.showError(errors.New("open " + u.String() + ": only local files can be opened; copy the file to this computer first"))
			return
		}
		paths = append(paths, u.Path())
	}
	if len(paths) > 0 {
		p.open(paths...)
	}
}

// baseNames names paths briefly for the info line.
func baseNames(paths []string) string {
	if len(paths) == 1 {
		return filepath.Base(paths[0])
	}
	return plural(len(paths), "item", "items")
}
