package ui

// Test seams: methods only the tests use, kept out of the production build.

import (
	"image"

	"fyne.io/fyne/v2"
)

// PixelAt maps a position in the viewer to the pixel of the original
// image shown there. It reports false when no image is shown or pos lies
// outside it.
func (v *Viewer) PixelAt(pos fyne.Position) (image.Point, bool) {
	if v.img == nil {
		return image.Point{}, false
	}
	p, ok := v.imagePoint(pos)
	if !ok || p[0] < 0 || p[1] < 0 || p[0] >= float64(v.nativeW) || p[1] >= float64(v.nativeH) {
		return image.Point{}, false
	}
	return image.Pt(int(p[0]), int(p[1])), true
}

// holdKeys makes the viewer see mods held, as the desktop driver would
// report them (Fyne's test driver reports none).
func (v *Viewer) holdKeys(mods fyne.KeyModifier) {
	v.keyMods = func() fyne.KeyModifier { return mods }
}
