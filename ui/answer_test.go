package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

func TestAnswerParagraphs(t *testing.T) {
	long := strings.Repeat("word ", 40) + "end. " + strings.Repeat("more ", 10)
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"empty", "", nil},
		{"one line", "No acute findings.", []string{"No acute findings."}},
		{"lines", "Findings:\n- clear lungs\n\nImpression: normal", []string{"Findings:", "- clear lungs", "", "Impression: normal"}},
		{"long line cut after a sentence", long, []string{strings.Repeat("word ", 40) + "end.", strings.Repeat("more ", 10)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := answerParagraphs(tc.text, 1)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("answerParagraphs = %q, want %q", got, tc.want)
			}
		})
	}
	// With no sentence end, a line is cut at a space past spaceCut runes.
	if got := answerParagraphs(strings.Repeat("token ", 120), 1); len(got) != 3 || len([]rune(got[0])) <= spaceCut {
		t.Errorf("a 720-rune line without sentences gives %d paragraphs, the first %d runes", len(got), len([]rune(got[0])))
	}
	// A finished answer has longer paragraphs.
	if got := answerParagraphs(long+"\nImpression: normal.", finalCut); len(got) != 2 || got[0] != long {
		t.Errorf("final paragraphs %q", got)
	}
}

// TestAnswerViewUpdatesOnlyTheLastParagraph streams a long answer token by
// token: the paragraphs already shown keep their labels and text, and the
// view always shows the whole answer.
func TestAnswerViewUpdatesOnlyTheLastParagraph(t *testing.T) {
	test.NewTempApp(t)
	a := NewAnswerView()
	w := test.NewWindow(a)
	defer w.Close()
	var text string
	for i := range 600 {
		text += "token "
		if i%50 == 49 {
			text += "stop. "
		}
		if i == 300 {
			text += "\n"
		}
		before := append([]string(nil), labelTexts(a)...)
		first := a.labels
		a.SetText(text)
		for j := 0; j+1 < len(before) && j < len(a.labels); j++ {
			if a.labels[j] != first[j] || a.labels[j].Text != before[j] {
				t.Fatalf("token %d: paragraph %d changed from %q to %q", i, j, before[j], a.labels[j].Text)
			}
		}
	}
	if got := strings.Join(labelTexts(a), " "); strings.ReplaceAll(got, " ", "") != strings.ReplaceAll(strings.ReplaceAll(text, "\n", ""), " ", "") {
		t.Errorf("the paragraphs do not hold the answer")
	}
	if len(a.labels) < 4 || a.Text != text {
		t.Errorf("%d paragraphs for a 4,000-character answer; Text kept: %v", len(a.labels), a.Text == text)
	}
	// When the run ends the answer is shown in longer paragraphs.
	streamed := len(a.labels)
	a.SetFinal(text)
	if got := len(a.labels); got >= streamed || got < 2 || a.Text != text {
		t.Errorf("final answer in %d paragraphs, %d while streaming", got, streamed)
	}
}

func labelTexts(a *AnswerView) []string {
	out := make([]string, len(a.labels))
	for i, l := range a.labels {
		out[i] = l.Text
	}
	return out
}
