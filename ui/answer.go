package ui

import (
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Where AnswerView cuts a long line into paragraphs while it streams: at
// the first sentence end after sentenceCut runes, else at the first space
// after spaceCut. Shorter paragraphs cost each update less: with 160 a
// window/level drag step stays within a 60 Hz frame at p99 while an answer
// streams (BenchmarkDragStep, docs/perf.md).
const (
	sentenceCut = 160
	spaceCut    = 320
	// finalCut scales the cuts for a finished answer: its paragraphs are
	// longer, and still short enough that the one re-wrap at the end of a
	// long answer does not stall a drag (a single wrapped label of 3,600
	// characters took 0.28 s).
	finalCut = 4
)

// AnswerView shows a streamed answer as word-wrapped, selectable
// paragraphs. A text that grows at its end re-wraps only its last
// paragraph, so an update costs the UI goroutine the same at token 1,000
// as at token 10; a single wrapped label re-wraps the whole answer each
// time. While it streams, lines longer than a few sentences are shown as
// several paragraphs, cut after a sentence; SetFinal shows the finished
// answer with its own lines as paragraphs.
type AnswerView struct {
	widget.BaseWidget

	// Text is the answer shown; set it with SetText.
	Text string

	box    *fyne.Container
	labels []*widget.Label
}

// NewAnswerView returns an empty answer view.
func NewAnswerView() *AnswerView {
	a := &AnswerView{box: container.NewVBox()}
	a.ExtendBaseWidget(a)
	return a
}

// SetText shows text as it streams, updating only the paragraphs that
// changed.
func (a *AnswerView) SetText(text string) {
	a.set(text, 1)
}

// SetFinal shows the finished answer text with longer paragraphs (cut
// after finalCut times as many runes), which costs one re-wrap of the
// answer.
func (a *AnswerView) SetFinal(text string) {
	a.set(text, finalCut)
}

func (a *AnswerView) set(text string, scale int) {
	a.Text = text
	segs := answerParagraphs(text, scale)
	grew := len(segs) != len(a.labels)
	for i, s := range segs {
		if i < len(a.labels) {
			if a.labels[i].Text != s {
				a.labels[i].SetText(s)
			}
			continue
		}
		l := widget.NewLabel(s)
		l.Wrapping = fyne.TextWrapWord
		l.Selectable = true
		a.labels = append(a.labels, l)
	}
	a.labels = a.labels[:len(segs)]
	if grew {
		objs := make([]fyne.CanvasObject, len(a.labels))
		for i, l := range a.labels {
			objs[i] = l
		}
		a.box.Objects = objs
		a.box.Refresh()
	}
}

// CreateRenderer is a private method to Fyne which links this widget to
// its renderer.
func (a *AnswerView) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(a.box)
}

// answerParagraphs cuts text into the paragraphs AnswerView shows: one per
// line, and lines longer than scale×sentenceCut runes cut after the first
// sentence end past it (or the first space past scale×spaceCut). A cut
// depends only on the text before it, so appending text never moves an
// earlier cut. The empty text is no paragraphs.
func answerParagraphs(text string, scale int) []string {
	if text == "" {
		return nil
	}
	var out []string
	for _, line := range strings.Split(text, "\n") {
		for {
			at := cutAt(line, scale)
			if at < 0 {
				break
			}
			out = append(out, line[:at])
			line = strings.TrimLeft(line[at:], " ")
		}
		out = append(out, line)
	}
	return out
}

// cutAt returns the byte offset at which line is cut, or -1 when it is
// short enough or has no place to cut yet.
func cutAt(line string, scale int) int {
	sentenceCut, spaceCut := scale*sentenceCut, scale*spaceCut
	if utf8.RuneCountInString(line) <= sentenceCut {
		return -1
	}
	runes := 0
	for i, r := range line {
		runes++
		if runes <= sentenceCut {
			continue
		}
		if r == ' ' && i > 0 && strings.ContainsRune(".?!:;", rune(line[i-1])) {
			return i
		}
		if r == ' ' && runes > spaceCut {
			return i
		}
	}
	return -1
}
