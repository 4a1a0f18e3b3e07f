package ui

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/software"
	"fyne.io/fyne/v2/test"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// studyFolder makes a folder of three series from the dicom module's
// sample files: CT 5.dcm (two frames), MR 3.dcm, and PET 1.dcm with 2.dcm
// moved into its series by dcmtk's dcmodify (two slices).
func studyFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []struct{ src, dst string }{
		{"5.dcm", "ct/5.dcm"}, {"3.dcm", "mr/3.dcm"}, {"1.dcm", "pet/1.dcm"}, {"2.dcm", "pet/2.dcm"},
	} {
		dicomtest.CopyTo(t, f.src, filepath.Join(dir, f.dst))
	}
	const petUID = "1.3.6.1.4.1.14519.5.2.1.7009.2401.156320467167446933671661793694"
	if b, err := exec.Command("dcmodify", "-nb", "-m", "(0020,000e)="+petUID, filepath.Join(dir, "pet/2.dcm")).CombinedOutput(); err != nil {
		t.Fatalf("dcmodify (Debian dcmtk; run scripts/setup.sh): %v %s", err, b)
	}
	return dir
}

// openAndWait opens paths and waits until the viewer shows an image.
func (h *harness) openAndWait(paths ...string) {
	h.t.Helper()
	h.wb.OpenPaths(paths)
	h.waitFor("the image to be shown", waitTimeout, func() bool { return h.wb.pane.viewer.Image() != nil && h.wb.pane.cur != nil })
}

// settled reports whether the display is rendered for what is shown.
func (h *harness) settled() bool {
	return !h.wb.pane.rendering && h.wb.pane.display != nil && h.wb.pane.displayFor == h.wb.pane.key()
}

func TestBrowserOpensFolderAndSelectsSeries(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	h.openAndWait(studyFolder(t))
	b := h.wb.pane.browser
	if f := h.wb.Window().Canvas().Focused(); f != h.wb.pane.viewer {
		t.Errorf("after opening, the keyboard focus is on %T, not the viewer", f)
	}

	var got []string
	for _, s := range b.series {
		got = append(got, seriesText(s))
	}
	want := []string{"CT · 2 frames", "MR · SSh_DWI FAST · 1 image", "PT · PET-CT SERIES · 2 slices"}
	if !slices.Equal(got, want) {
		t.Errorf("series %q, want %q", got, want)
	}
	if !strings.Contains(b.status.Text, "3 series") {
		t.Errorf("browser status %q", b.status.Text)
	}
	if h.wb.pane.cur != b.series[0] || h.wb.pane.frameLabel.Text != "Frame 1/2" {
		t.Errorf("first series not shown: frame label %q", h.wb.pane.frameLabel.Text)
	}
	h.waitFor("thumbnails of the series", waitTimeout, func() bool { return len(b.thumbs) == 3 })

	b.tree.Select("se2")
	h.waitFor("the PET series to be shown", waitTimeout, func() bool { return h.wb.pane.img.Modality == "PT" && h.settled() })
	if h.wb.pane.frameLabel.Text != "Slice 1/2" || !h.wb.pane.frameRow.Visible() {
		t.Errorf("frame label %q, want Slice 1/2", h.wb.pane.frameLabel.Text)
	}
	first := h.wb.pane.img
	test.Tap(h.wb.pane.viewer) // takes the focus, as a click does
	h.wb.Window().Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyPageDown})
	h.waitFor("slice 2", waitTimeout, func() bool { return h.settled() && h.wb.pane.img != first })
	if h.wb.pane.frameLabel.Text != "Slice 2/2" || h.wb.pane.frameSlider.Value != 2 {
		t.Errorf("after PageDown: %q, slider %v", h.wb.pane.frameLabel.Text, h.wb.pane.frameSlider.Value)
	}
	if got := h.wb.pane.recent(); len(got) == 0 || !strings.HasSuffix(got[0], filepath.Base(b.series[0].Slices[0].Image.Path[:len(b.series[0].Slices[0].Image.Path)-len("/ct/5.dcm")])) {
		t.Errorf("recent list %q lacks the folder", got)
	}
	if items := h.wb.Window().MainMenu().Items[0].Items; len(items) < 3 || items[2].ChildMenu == nil || len(items[2].ChildMenu.Items) == 0 {
		t.Error("File > Open recent lists nothing")
	}
}

func TestFramesScrollPresetsInvertZoom(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	h.openAndWait(dicomtest.File(t, "5.dcm"))
	h.waitFor("frame 1", waitTimeout, h.settled)
	frame1 := h.wb.pane.display.(*image.Gray)

	// The wheel down shows frame 2; the two frames differ.
	h.wb.pane.viewer.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.NewDelta(0, -10)})
	h.waitFor("frame 2", waitTimeout, func() bool { return h.wb.pane.frame == 2 && h.settled() })
	if h.wb.pane.frameLabel.Text != "Frame 2/2" {
		t.Errorf("frame label %q", h.wb.pane.frameLabel.Text)
	}
	if bytes.Equal(frame1.Pix, h.wb.pane.display.(*image.Gray).Pix) {
		t.Error("frames 1 and 2 render the same")
	}
	h.wb.pane.viewer.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	h.waitFor("frame 1 again", waitTimeout, func() bool { return h.wb.pane.frame == 1 && h.settled() })
	if !bytes.Equal(frame1.Pix, h.wb.pane.display.(*image.Gray).Pix) {
		t.Error("frame 1 renders differently the second time")
	}

	// Presets: CT presets only, and a choice sets the window entries.
	ps := h.wb.pane.presetSelect
	if !slices.Contains(ps.Options, "CT lung") || !slices.Contains(ps.Options, presetDefault) {
		t.Errorf("preset options %q", ps.Options)
	}
	ps.SetSelected("CT lung")
	if h.wb.pane.centerEntry.Text != "-600" || h.wb.pane.widthEntry.Text != "1500" {
		t.Errorf("CT lung gave entries %q, %q", h.wb.pane.centerEntry.Text, h.wb.pane.widthEntry.Text)
	}
	h.waitFor("the lung window", waitTimeout, h.settled)
	if !strings.Contains(h.wb.pane.viewer.OverlayText(), "L -600  W 1500") {
		t.Errorf("overlay %q lacks the window", h.wb.pane.viewer.OverlayText())
	}
	h.wb.pane.viewer.Dragged(&fyne.DragEvent{Dragged: fyne.NewDelta(0, 10)})
	if ps.Selected != "" {
		t.Errorf("preset %q still chosen after a drag changed the window", ps.Selected)
	}
	ps.SetSelected(presetDefault)
	if h.wb.pane.window != h.wb.pane.img.DefaultWindow(1) {
		t.Errorf("default preset gave %+v", h.wb.pane.window)
	}

	// Invert.
	r := test.WidgetRenderer(h.wb.pane.viewer).(*viewerRenderer)
	h.waitFor("the default window", waitTimeout, h.settled)
	plain := slices.Clone(r.draw(200, 200).(*image.RGBA).Pix)
	test.Tap(h.wb.pane.invertCheck)
	inv := r.draw(200, 200).(*image.RGBA).Pix
	if !h.wb.pane.viewer.Inverted() || !strings.Contains(h.wb.pane.viewer.OverlayText(), "inverted") {
		t.Errorf("invert: viewer %v, overlay %q", h.wb.pane.viewer.Inverted(), h.wb.pane.viewer.OverlayText())
	}
	mid := (100*200 + 100) * 4
	if plain[mid]+inv[mid] != 255 {
		t.Errorf("centre pixel %d, inverted %d", plain[mid], inv[mid])
	}

	// Zoom and fit.
	fit := h.wb.pane.viewer.Zoom()
	test.Tap(h.wb.pane.toolButton("zoom in"))
	if z := h.wb.pane.viewer.Zoom(); z <= fit || h.wb.pane.viewer.Fitting() {
		t.Errorf("zoom in: %v from %v", z, fit)
	}
	test.Tap(h.wb.pane.toolButton("1:1"))
	if h.wb.pane.viewer.Zoom() != 1 || !strings.Contains(h.wb.pane.viewer.OverlayText(), "Zoom 100%") {
		t.Errorf("1:1: zoom %v, overlay %q", h.wb.pane.viewer.Zoom(), h.wb.pane.viewer.OverlayText())
	}
	test.Tap(h.wb.pane.toolButton("fit"))
	if !h.wb.pane.viewer.Fitting() || h.wb.pane.viewer.Zoom() != fit {
		t.Errorf("fit: zoom %v, want %v", h.wb.pane.viewer.Zoom(), fit)
	}
}

// TestOverlayHasNoPatientData checks the overlay of 5.dcm against its
// patient attributes.
func TestOverlayHasNoPatientData(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	path := dicomtest.File(t, "5.dcm")
	h.openAndWait(path)
	attrs, err := dicomview.Attributes(path)
	if err != nil {
		t.Fatal(err)
	}
	text := h.wb.pane.viewer.OverlayText()
	for _, a := range attrs {
		if a.Group != 0x0010 {
			continue // the Patient module: name, ID, birth date, sex…
		}
		for _, v := range a.Values {
			for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == '^' || r == ' ' }) {
				if len(part) > 2 && strings.Contains(text, part) {
					t.Errorf("overlay %q shows %s value %q", text, a.Keyword, v)
				}
			}
		}
	}
	for _, want := range []string{"CT", "Frame 1/2", "512×512", "Zoom"} {
		if !strings.Contains(text, want) {
			t.Errorf("overlay %q lacks %q", text, want)
		}
	}
}

func TestTagPanelFilterAndSequence(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	h.openAndWait(dicomtest.File(t, "5.dcm"))
	p := h.wb.pane.tags
	h.wb.pane.tabs.Select(h.wb.pane.tagsTab)
	h.waitFor("the tags", waitTimeout, func() bool { return p.attrsFor == h.wb.pane.img })

	find := func(text string) (widget string, ok bool) {
		for id, n := range p.nodes {
			if strings.Contains(n.text, text) {
				return id, true
			}
		}
		return "", false
	}
	if id, ok := find("PatientName"); !ok || !strings.Contains(p.nodes[id].text, "Perfusion^MCA Stroke") {
		t.Error("the tag panel does not show PatientName with its value")
	}
	for _, q := range []string{"(0028,0010)", "00280010", "rows"} {
		p.filter.SetText(q)
		if len(p.children[""]) != 1 {
			t.Errorf("filter %q: %d rows, want Rows only", q, len(p.children[""]))
			continue
		}
		if got := p.nodes[p.children[""][0]].text; got != "(0028,0010) Rows US 512" {
			t.Errorf("filter %q: %q", q, got)
		}
	}
	// A value inside a sequence item: the sequence and item open.
	p.filter.SetText("")
	seq := ""
	for _, id := range p.children[""] {
		if p.nodes[id].branch && len(p.children[id]) > 0 {
			seq = id
			break
		}
	}
	if seq == "" {
		t.Fatal("no sequence with items in 5.dcm")
	}
	item := p.children[seq][0]
	child := p.nodes[p.children[item][0]].text
	p.tree.OpenBranch(seq)
	p.tree.OpenBranch(item)
	if !p.tree.IsBranchOpen(seq) || !p.tree.IsBranchOpen(item) {
		t.Error("the sequence does not expand")
	}
	p.filter.SetText(strings.Fields(child)[1]) // the keyword of its first attribute
	if !slices.Contains(p.children[""], seq) || !p.tree.IsBranchOpen(seq) {
		t.Errorf("filtering for %q does not show and open the sequence", child)
	}

	p.filter.SetText("0028,00")
	h.wb.Window().Resize(fyne.NewSize(1280, 820))
	assertGoldenMarkup(t, "tags_0028.xml", p.content, fyne.NewSize(520, 420))
}

func TestModelsEyeCT3MatchesPrepare(t *testing.T) {
	fake := &fakeBackend{models: []core.Model{{Name: testModel}}}
	h := newHarness(t, fake)
	path := dicomtest.File(t, "5.dcm")
	h.openAndWait(path)
	e := h.wb.pane.eye
	h.wb.pane.tabs.Select(h.wb.pane.eyeTab)
	e.encodingSelect.SetSelected(dicomview.EncodingCT3)
	h.waitFor("the ct3 input", waitTimeout, func() bool {
		return !e.busy && len(e.inputs) == 1 && e.inputs[0].Prepared.Encoding == dicomview.EncodingCT3
	})
	// prepare 5.dcm --encoding ct3 does exactly this.
	want, err := h.wb.pane.img.Prepare(dicomview.PrepareOptions{Frame: 1, Encoding: dicomview.EncodingCT3})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.inputs[0].Prepared.SHA256; got != want.SHA256 || !strings.Contains(e.info.Text, want.SHA256) {
		t.Errorf("model's eye SHA %s, info %q; want %s", got, e.info.Text, want.SHA256)
	}
	assertGoldenImage(t, "modelseye_ct3.png", e.content(), fyne.NewSize(520, 600))

	// Two slices: a strip of both frames with their labels.
	e.slicesEntry.SetText("2")
	h.waitFor("two inputs", waitTimeout, func() bool { return !e.busy && len(e.inputs) == 2 && e.inputsFor.n == 2 })
	if len(e.grid.Objects) != 2 || !strings.HasPrefix(e.info.Text, "2 images") {
		t.Errorf("grid of %d, info %q", len(e.grid.Objects), e.info.Text)
	}
	if e.inputs[0].Label != "slice 1 of 2" || e.inputs[1].Label != "slice 2 of 2" || e.inputs[1].Prepared.Frame != 2 {
		t.Errorf("labels %q %q", e.inputs[0].Label, e.inputs[1].Label)
	}
	e.slicesEntry.SetText("86")
	if !strings.Contains(e.info.Text, "1 to 85") {
		t.Errorf("86 slices: info %q", e.info.Text)
	}
	e.slicesEntry.SetText("2")

	// Run sends the two prepared images.
	h.waitForModel(testModel)
	var sent []string
	fake.set(func(f *fakeBackend) {
		f.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
			for _, im := range req.Images {
				sent = append(sent, im.SHA256)
			}
			return 1, core.Result{Status: core.StatusOK}, nil
		}
	})
	test.Tap(h.first().runButton)
	h.waitFor("the run to end", waitTimeout, func() bool { return !h.wb.cmp.running })
	if len(sent) != 2 || sent[0] != e.inputs[0].Prepared.SHA256 || sent[1] != e.inputs[1].Prepared.SHA256 {
		t.Errorf("run sent %q, want the two inputs shown", sent)
	}
}

func TestViewerGolden(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	h.openAndWait(dicomtest.File(t, "5.dcm"))
	h.waitFor("frame 1", waitTimeout, h.settled)
	h.wb.pane.presetSelect.SetSelected("CT brain")
	h.waitFor("the brain window", waitTimeout, h.settled)
	assertGoldenImage(t, "viewer_5dcm_brain.png", h.wb.pane.viewer, fyne.NewSize(360, 360))
}

// assertGoldenMarkup compares o, laid out at size, with
// testdata/name; with -update it rewrites the file first.
func assertGoldenMarkup(t *testing.T, name string, o fyne.CanvasObject, size fyne.Size) {
	t.Helper()
	o.Resize(size)
	assertMarkup(t, name, o)
}

// assertGoldenImage compares o, rendered at size, with testdata/name;
// with -update it rewrites the file first.
func assertGoldenImage(t *testing.T, name string, o fyne.CanvasObject, size fyne.Size) {
	t.Helper()
	o.Resize(size)
	size = o.MinSize().Max(size) // as test.AssertObjectRendersToImage does
	if *update {
		c := software.NewCanvas()
		c.SetPadded(false)
		c.SetContent(o)
		c.Resize(size)
		var buf bytes.Buffer
		if err := png.Encode(&buf, c.Capture()); err != nil {
			t.Fatal(err)
		}
		writeGolden(t, name, buf.Bytes())
	}
	test.AssertObjectRendersToImage(t, name, o)
}

func writeGolden(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCancelOpen: a long open shows its progress and a Cancel button;
// Cancel stops it without an error dialog and leaves the window as it was.
func TestCancelOpen(t *testing.T) {
	fake := &fakeBackend{openGate: make(chan struct{})}
	h := newHarness(t, fake)
	h.wb.pane.open(studyFolder(t))
	h.waitFor("the Cancel button", waitTimeout, func() bool { return h.wb.pane.cancelOpenButton.Visible() })
	if !strings.HasPrefix(h.wb.pane.imageInfo.Text, "Opening ") {
		t.Errorf("while opening the info line says %q", h.wb.pane.imageInfo.Text)
	}
	test.Tap(h.wb.pane.cancelOpenButton)
	h.waitFor("the open to stop", waitTimeout, func() bool { return !h.wb.pane.cancelOpenButton.Visible() })
	if h.wb.pane.imageInfo.Text != "No image" || h.wb.pane.img != nil || hasDialog(h.wb.Window()) {
		t.Errorf("after Cancel: info %q, image %v, dialog %v", h.wb.pane.imageInfo.Text, h.wb.pane.img != nil, hasDialog(h.wb.Window()))
	}
}

// TestOpenShowsFirstSliceWithSeries opens a folder of a 40-slice CT and
// checks that the first slice is on the viewer in the same UI change that
// lists the series (not a change, and a frame, later), with the file's
// window, and that the milestones of the open come in order: the headers
// read, the first slice rendered, the series shown, the slice given to
// the viewer, then drawn by the next paint.
func TestOpenShowsFirstSliceWithSeries(t *testing.T) {
	dir := t.TempDir()
	v := dicomtest.Volume{Modality: "CT", Slices: 40, Rows: 64, Cols: 64, StudyUID: "2.25.1", SeriesUID: "2.25.2",
		Intercept: -1024, WindowCenter: 40, WindowWidth: 400,
		Value: func(x, y, z int) int16 { return int16(1024 + (x+y+z)%200 - 100) }}
	if _, err := v.Write(dir); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, &fakeBackend{})
	p := h.wb.pane
	var mu sync.Mutex
	var events []string
	h.wb.SetMilestones(func(e string) {
		mu.Lock()
		events = append(events, e)
		mu.Unlock()
	})
	// After each UI change: is a series shown without its slice?
	seriesWithoutSlice := false
	do := p.env.do
	p.env.do = func(fn func()) {
		do(func() {
			fn()
			if p.cur != nil && p.viewer.Image() == nil {
				seriesWithoutSlice = true
			}
		})
	}
	h.openAndWait(dir)
	if seriesWithoutSlice {
		t.Error("the series was listed before its first slice was on the viewer")
	}
	if p.slice != 0 || p.window != (dicomview.Window{Center: 40, Width: 400}) || p.frameLabel.Text != "Slice 1/40" {
		t.Errorf("shown slice %d with window %+v (%q), want slice 1 with the file's window 40/400", p.slice+1, p.window, p.frameLabel.Text)
	}
	h.wb.Window().Canvas().Capture() // a paint
	mu.Lock()
	got := strings.Join(events, "; ")
	mu.Unlock()
	want := "open: start; open: 40 files read; first slice: rendered; open: series shown; first slice: set; first slice: drawn"
	if got != want {
		t.Errorf("milestones\n%s\nwant\n%s", got, want)
	}
}

// TestShowAndRunWaitsForPathsGiven checks what the window's first frame
// shows of the paths given before it is shown (ShowAndRun's wait): the
// series in the browser and the first slice on the viewer, without any
// UI change queued meanwhile having run; and that an open slower than the
// wait leaves the window to show its progress, its result shown when it
// comes.
func TestShowAndRunWaitsForPathsGiven(t *testing.T) {
	h := newHarness(t, &fakeBackend{})
	p := h.wb.pane
	p.open(dicomtest.File(t, "3.dcm"))
	p.awaitOpen(waitTimeout)
	if p.cur == nil || p.viewer.Image() == nil || len(p.browser.series) != 1 || p.cancelOpenButton.Visible() {
		t.Fatalf("after the wait: series %v, image %v, browser %d series, cancel shown %v; want the series and its slice shown",
			p.cur, p.viewer.Image() != nil, len(p.browser.series), p.cancelOpenButton.Visible())
	}
	shown := p.img
	h.q.drain() // the open's own hand-over to the UI goroutine shows nothing again
	if p.img != shown || p.viewer.Image() == nil {
		t.Error("the open's result was shown twice")
	}

	gate := make(chan struct{})
	h.fake.set(func(f *fakeBackend) { f.openGate = gate })
	p.open(dicomtest.File(t, "5.dcm"))
	p.awaitOpen(20 * time.Millisecond)
	if p.img != shown || !p.cancelOpenButton.Visible() {
		t.Errorf("a slow open shown before it ended (image %v, cancel shown %v)", p.img.Path, p.cancelOpenButton.Visible())
	}
	close(gate)
	h.waitFor("the slow open to be shown", waitTimeout, func() bool { return p.img != shown && p.viewer.Image() != nil })
}
