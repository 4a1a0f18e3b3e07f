package recipe

import (
	"fmt"
	"image"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

// encodingKind is one pixel encoding (Encoding.Kind): the name a recipe
// gives, what else it needs, how it makes a slice's pixels and how a run
// records it. A new encoding is one entry of encodingKinds (and its pixel
// code in dicomview): validation, its error text, the build and the run
// log all read it from there.
type encodingKind struct {
	name string
	// wholeVolume: the encoding maps the value range of the slices the
	// recipe sends (Build and Render measure it first).
	wholeVolume bool
	// window: the display window applies (Options.Window, the viewer's
	// window, --window).
	window bool
	// asGiven: PNG and JPEG rasters may be taken as given with it (it
	// has no Hounsfield units to window).
	asGiven bool
	// check checks the Encoding's own fields for this kind; nil: none.
	check func(Encoding) error
	// pixels makes a slice's 8-bit pixels and the window they show.
	// window overrides the display window where the kind has one; vol is
	// the volume's range when wholeVolume.
	pixels func(sl dicomview.Slice, e Encoding, window *dicomview.Window, vol *dicomview.Range) (image.Image, dicomview.Window, error)
	// record is how a run's image records the encoding; nil: the name.
	record func(Encoding) string
}

// encodingKinds are the pixel encodings, in the order error texts list
// them.
var encodingKinds = []encodingKind{
	{name: EncodeDisplay, window: true, asGiven: true, pixels: displayPixels},
	{name: EncodeWindows, check: func(e Encoding) error { return checkWindows(e.Windows) }, pixels: windowsPixels, record: windowsRecord},
	{name: EncodeVolumeStretch, wholeVolume: true, pixels: stretchPixels},
	{name: EncodeRadiograph, asGiven: true, pixels: radiographPixels},
}

// encodingOf is the encoding named kind, or an error listing the names.
func encodingOf(kind string) (*encodingKind, error) {
	for i := range encodingKinds {
		if encodingKinds[i].name == kind {
			return &encodingKinds[i], nil
		}
	}
	names := make([]string, len(encodingKinds))
	for i, k := range encodingKinds {
		names[i] = k.name
	}
	last := len(names) - 1
	return nil, fmt.Errorf("encoding.kind %q: want %s or %s", kind, strings.Join(names[:last], ", "), names[last])
}

// encoding is r's pixel encoding; an unknown kind (which Validate
// refuses) is the display encoding.
func (r *Recipe) encoding() *encodingKind {
	if k, err := encodingOf(r.Encoding.Kind); err == nil {
		return k
	}
	return &encodingKinds[0]
}

// TakesWindow reports whether r's encoding takes a display window
// (Options.Window): the viewer's window, or --window; the other encodings
// set their own.
func (r *Recipe) TakesWindow() bool { return r.encoding().window }

// displayPixels is the viewer's window (the file's, or the one given),
// grey in R, G and B.
func displayPixels(sl dicomview.Slice, _ Encoding, window *dicomview.Window, _ *dicomview.Range) (image.Image, dicomview.Window, error) {
	w := sl.Image.DefaultWindow(sl.Frame)
	if window != nil {
		w = *window
	}
	out, err := sl.Image.Render(sl.Frame, w)
	return out, w, err
}

// windowsPixels is one Hounsfield range a channel.
func windowsPixels(sl dicomview.Slice, e Encoding, _ *dicomview.Window, _ *dicomview.Range) (image.Image, dicomview.Window, error) {
	var ws [3]dicomview.Range
	copy(ws[:], e.Windows)
	out, err := sl.Image.HUWindows(sl.Frame, ws)
	return out, windowOf(ws[0]), err
}

// stretchPixels maps the volume's minimum to maximum onto 0…255.
func stretchPixels(sl dicomview.Slice, _ Encoding, _ *dicomview.Window, vol *dicomview.Range) (image.Image, dicomview.Window, error) {
	out, err := sl.Image.Stretch(sl.Frame, *vol)
	return out, windowOf(*vol), err
}

// radiographPixels is Google's chest X-ray preparation.
func radiographPixels(sl dicomview.Slice, _ Encoding, _ *dicomview.Window, _ *dicomview.Range) (image.Image, dicomview.Window, error) {
	out, rg, err := sl.Image.Radiograph(sl.Frame)
	return out, windowOf(rg), err
}

// windowsRecord is "windows [-1024, 1024] [-135, 215] [0, 80]".
func windowsRecord(e Encoding) string {
	parts := []string{e.Kind}
	for _, w := range e.Windows {
		parts = append(parts, w.String())
	}
	return strings.Join(parts, " ")
}
