package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// toolItem is one control of an overflowRow: the object shown in the row
// and, for when it does not fit, the menu entry that stands for it.
type toolItem struct {
	obj    fyne.CanvasObject
	label  string
	action func()
	// enabled reports whether the menu entry can be chosen; nil: always.
	enabled func() bool
}

// overflowRow is a row of controls that never falls off its window: the
// controls that fit are shown in order, and those that do not are entries
// of the "⋯" menu at the row's end (as a browser's toolbar does). Its
// minimum width is the first control's and the menu button's.
type overflowRow struct {
	items []toolItem
	more  *widget.Button
	// hidden are the items the last layout put in the menu.
	hidden []toolItem
	row    *fyne.Container
}

func newOverflowRow(items ...toolItem) *overflowRow {
	r := &overflowRow{items: items}
	r.more = widget.NewButtonWithIcon("", theme.MoreHorizontalIcon(), r.showMenu)
	r.more.Importance = widget.LowImportance
	objs := make([]fyne.CanvasObject, 0, len(items)+1)
	for _, it := range items {
		objs = append(objs, it.obj)
	}
	objs = append(objs, r.more)
	r.row = container.New(r, objs...)
	return r
}

// Layout implements fyne.Layout: the items that fit, then the menu button
// when some do not.
func (r *overflowRow) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	moreW := r.more.MinSize().Width
	total := float32(0)
	for i, it := range r.items {
		if i > 0 {
			total += pad
		}
		total += it.obj.MinSize().Width
	}
	fitsAll := total <= size.Width
	avail := size.Width
	if !fitsAll {
		avail -= moreW + pad
	}
	r.hidden = r.hidden[:0]
	x := float32(0)
	for i, it := range r.items {
		w := it.obj.MinSize().Width
		if x+w > avail && i > 0 || len(r.hidden) > 0 {
			it.obj.Hide()
			r.hidden = append(r.hidden, it)
			continue
		}
		it.obj.Show()
		h := it.obj.MinSize().Height
		it.obj.Move(fyne.NewPos(x, (size.Height-h)/2))
		it.obj.Resize(fyne.NewSize(w, h))
		x += w + pad
	}
	if len(r.hidden) == 0 {
		r.more.Hide()
		return
	}
	r.more.Show()
	ms := r.more.MinSize()
	r.more.Move(fyne.NewPos(size.Width-ms.Width, (size.Height-ms.Height)/2))
	r.more.Resize(ms)
}

// MinSize implements fyne.Layout.
func (r *overflowRow) MinSize([]fyne.CanvasObject) fyne.Size {
	ms := r.more.MinSize()
	w, h := ms.Width, ms.Height
	for i, it := range r.items {
		s := it.obj.MinSize()
		h = max(h, s.Height)
		if i == 0 {
			w += s.Width + theme.Padding()
		}
	}
	return fyne.NewSize(w, h)
}

// showMenu shows the controls that do not fit as a menu under the button.
func (r *overflowRow) showMenu() {
	var items []*fyne.MenuItem
	for _, it := range r.hidden {
		if it.action == nil {
			continue
		}
		mi := fyne.NewMenuItem(it.label, it.action)
		mi.Disabled = it.enabled != nil && !it.enabled()
		items = append(items, mi)
	}
	c := fyne.CurrentApp().Driver().CanvasForObject(r.more)
	if c == nil || len(items) == 0 {
		return
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(r.more).Add(fyne.NewPos(0, r.more.Size().Height))
	widget.NewPopUpMenu(fyne.NewMenu("", items...), c).ShowAtPosition(pos)
}
