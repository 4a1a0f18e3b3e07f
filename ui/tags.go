package ui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

// maxValueText bounds the value text of one tag row.
const maxValueText = 160

// tagPanel lists the DICOM attributes of the image shown, sequences as
// collapsible branches, with a filter on tag number, keyword or value.
// Patient data is shown as it is in the file: the panel is for the
// user's own machine, and nothing here is logged or sent.
type tagPanel struct {
	p       *imagePane
	filter  *widget.Entry
	status  *widget.Label
	tree    *widget.Tree
	content fyne.CanvasObject

	attrs    []dicomview.Attribute // of attrsFor
	attrsFor *dicomview.Image
	loading  *dicomview.Image // a load of it is running

	nodes    map[widget.TreeNodeID]tagNode
	children map[widget.TreeNodeID][]widget.TreeNodeID
}

// tagNode is one row: an attribute, or an item of a sequence.
type tagNode struct {
	text   string
	branch bool
}

func newTagPanel(p *imagePane) *tagPanel {
	t := &tagPanel{p: p}
	t.filter = widget.NewEntry()
	t.filter.SetPlaceHolder("Filter: tag (0028,0010), keyword or value")
	t.filter.OnChanged = func(string) { t.rebuild() }
	t.status = widget.NewLabel("")
	t.tree = widget.NewTree(
		func(id widget.TreeNodeID) []widget.TreeNodeID { return t.children[id] },
		func(id widget.TreeNodeID) bool { return t.nodes[id].branch || id == "" },
		func(bool) fyne.CanvasObject {
			l := widget.NewLabel("")
			l.TextStyle = fyne.TextStyle{Monospace: true}
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TreeNodeID, _ bool, o fyne.CanvasObject) { o.(*widget.Label).SetText(t.nodes[id].text) },
	)
	t.content = container.NewBorder(container.NewVBox(t.filter, t.status), nil, nil, nil, t.tree)
	t.rebuild()
	return t
}

// visible reports whether the tags tab is shown.
func (t *tagPanel) visible() bool {
	p := t.p
	return p.tabs != nil && p.tabs.Selected() == p.tagsTab
}

// imageChanged loads the new image's tags if the tab is shown.
func (t *tagPanel) imageChanged() {
	if t.visible() {
		t.load()
	}
}

// load reads the tags of the image shown in a goroutine.
func (t *tagPanel) load() {
	im := t.p.img
	switch {
	case im == nil:
		t.attrs, t.attrsFor = nil, nil
		t.status.SetText("No image")
		t.rebuild()
		return
	case im == t.attrsFor || im == t.loading:
		return
	case im.Format != dicomview.FormatDICOM:
		t.attrs, t.attrsFor = nil, im
		t.status.SetText("A " + strings.ToUpper(im.Format) + " file has no DICOM tags")
		t.rebuild()
		return
	}
	t.loading = im
	t.status.SetText("Reading tags…")
	ctx, cancel := t.p.env.opContext()
	go func() {
		defer cancel()
		attrs, err := t.p.backend.Attributes(ctx, im.Path)
		t.p.env.do(func() { t.loaded(im, attrs, err) })
	}()
}

func (t *tagPanel) loaded(im *dicomview.Image, attrs []dicomview.Attribute, err error) {
	if t.loading == im {
		t.loading = nil
	}
	if im != t.p.img {
		t.load()
		return
	}
	t.attrsFor = im
	if err != nil {
		t.attrs = nil
		t.status.SetText(err.Error())
	} else {
		t.attrs = attrs
	}
	t.rebuild()
}

// rebuild makes the tree's nodes from the attributes and the filter, and
// opens every branch while filtering.
func (t *tagPanel) rebuild() {
	t.nodes = map[widget.TreeNodeID]tagNode{}
	t.children = map[widget.TreeNodeID][]widget.TreeNodeID{}
	q := strings.ToLower(strings.TrimSpace(t.filter.Text))
	t.children[""] = t.addAttrs("", t.attrs, q)
	if t.attrs != nil {
		if q == "" {
			t.status.SetText(fmt.Sprintf("%d attributes", len(t.attrs)))
		} else {
			t.status.SetText(fmt.Sprintf("%d of %d attributes match", len(t.children[""]), len(t.attrs)))
		}
	}
	t.tree.Refresh()
	if q != "" {
		t.tree.OpenAllBranches()
	}
}

// addAttrs adds the nodes of attrs under parent and returns their ids;
// with a query, only attributes that match or hold a match.
func (t *tagPanel) addAttrs(parent string, attrs []dicomview.Attribute, q string) []widget.TreeNodeID {
	var ids []widget.TreeNodeID
	for i := range attrs {
		a := &attrs[i]
		id := parent + "a" + strconv.Itoa(i)
		self := q == "" || attrMatches(a, q)
		var items []widget.TreeNodeID
		for j, it := range a.Items {
			itemID := id + "/i" + strconv.Itoa(j)
			sub := q
			if self {
				sub = "" // a matching sequence shows all its items
			}
			kids := t.addAttrs(itemID+"/", it, sub)
			if len(kids) == 0 && !self {
				continue
			}
			t.nodes[itemID] = tagNode{text: fmt.Sprintf("Item %d", j+1), branch: true}
			t.children[itemID] = kids
			items = append(items, itemID)
		}
		if !self && len(items) == 0 {
			continue
		}
		t.nodes[id] = tagNode{text: attrText(a), branch: a.VR == "SQ"}
		t.children[id] = items
		ids = append(ids, id)
	}
	return ids
}

// tagText formats a tag as (GGGG,EEEE).
func tagText(a *dicomview.Attribute) string {
	return fmt.Sprintf("(%04X,%04X)", a.Group, a.Element)
}

// attrText is one row: tag, keyword, VR and values.
func attrText(a *dicomview.Attribute) string {
	kw := a.Keyword
	if kw == "" {
		kw = "(private)"
		if a.Group%2 == 0 {
			kw = "(unknown)"
		}
	}
	var v string
	if a.VR == "SQ" {
		v = fmt.Sprintf("%d items", len(a.Items))
		if len(a.Items) == 1 {
			v = "1 item"
		}
	} else {
		v = strings.Join(a.Values, `\`)
		if r := []rune(v); len(r) > maxValueText {
			v = string(r[:maxValueText-1]) + "…"
		}
	}
	return fmt.Sprintf("%s %s %s %s", tagText(a), kw, a.VR, v)
}

// attrMatches reports whether q (lower case) is in the attribute's tag
// (written (0028,0010), 0028,0010 or 00280010), keyword or values.
func attrMatches(a *dicomview.Attribute, q string) bool {
	tag := strings.ToLower(tagText(a))
	plain := strings.NewReplacer("(", "", ")", "", ",", "").Replace(tag)
	if strings.Contains(tag, q) || strings.Contains(plain, q) || strings.Contains(strings.ToLower(a.Keyword), q) {
		return true
	}
	for _, v := range a.Values {
		if strings.Contains(strings.ToLower(v), q) {
			return true
		}
	}
	return false
}
