package ui

// Rendering: the frame shown, windowed for the viewer (from a reduced
// preview while that holds enough detail), and the model input, made in
// a goroutine and kept for the key they were made for.

import (
	"bytes"
	"image"
	"image/png"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

// previewSize is the longer side, in pixels, of the reduced copy of a
// frame that the viewer re-windows while the mouse drags; a zoom that
// needs more detail renders the full frame.
const previewSize = 1024

// renderCache is what was rendered of the image shown, each for the key
// it was made from, so that a render makes only what changed.
type renderCache struct {
	display     image.Image // img rendered for the viewer, for displayFor
	displayFor  renderKey
	displayFull bool               // display is the full frame, not the preview
	preview     *dicomview.Preview // of previewFor
	previewFor  frameKey
	prepared    *dicomview.Prepared // the model input, for preparedFor
	input       image.Image         // prepared, decoded
	preparedFor inputKey
	rendering   bool // a render goroutine is running
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

// key is what the viewer shows now: the frame and its window.
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

// inputKey is the model input the model's eye asks for now.
func (p *imagePane) inputKey() inputKey {
	return inputKey{renderKey: p.key(), encoding: p.eye.encoding(), fit: p.eye.fit(), region: p.inputRegion()}
}

// ready reports whether a frame of the image is on screen.
func (p *imagePane) ready() bool { return p.display != nil }

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
