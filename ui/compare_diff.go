package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// showDiff opens a dialog that compares two columns' answers word by word.
func (cv *compareView) showDiff() {
	if len(cv.columns) < 2 {
		dialog.ShowInformation("Word diff", "Add a column (+ Column) and run both to compare their answers.", cv.env.win)
		return
	}
	opts := make([]string, len(cv.columns))
	for i, c := range cv.columns {
		opts[i] = c.title.Text + statsSep + c.modelSelect.Selected
	}
	text := widget.NewRichText()
	text.Wrapping = fyne.TextWrapWord
	info := widget.NewLabel("")
	var first, second *widget.Select
	update := func(string) {
		a, b := first.SelectedIndex(), second.SelectedIndex()
		if a < 0 || b < 0 || a >= len(cv.columns) || b >= len(cv.columns) {
			return
		}
		ops := wordDiff(cv.columns[a].lastText, cv.columns[b].lastText)
		text.Segments = diffSegments(ops)
		text.Refresh()
		info.SetText(diffSummary(ops))
	}
	first = widget.NewSelect(opts, update)
	second = widget.NewSelect(opts, update)
	first.SetSelectedIndex(0)
	second.SetSelectedIndex(1)
	legend := widget.NewLabelWithStyle("Red italic: only in the first · green bold: only in the second", fyne.TextAlignLeading, fyne.TextStyle{Italic: true})
	top := container.NewVBox(container.NewGridWithColumns(2, first, second), info, legend)
	d := dialog.NewCustom("Word diff", "Close", container.NewBorder(top, nil, nil, nil, container.NewVScroll(text)), cv.env.win)
	d.Resize(fyne.NewSize(820, 600))
	d.Show()
}

// diffSegments shows a word diff as rich text: removed words red and
// italic, added words green and bold. (Fyne's rich text has no
// strike-through.)
func diffSegments(ops []diffOp) []widget.RichTextSegment {
	segs := make([]widget.RichTextSegment, 0, len(ops))
	for i, op := range ops {
		st := widget.RichTextStyleInline
		switch op.Kind {
		case diffRemoved:
			st.ColorName = theme.ColorNameError
			st.TextStyle = fyne.TextStyle{Italic: true}
		case diffAdded:
			st.ColorName = theme.ColorNameSuccess
			st.TextStyle = fyne.TextStyle{Bold: true}
		}
		text := op.Text
		if i < len(ops)-1 {
			text += " "
		}
		segs = append(segs, &widget.TextSegment{Style: st, Text: text})
	}
	return segs
}
