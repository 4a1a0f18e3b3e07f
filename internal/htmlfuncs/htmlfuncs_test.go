package htmlfuncs

import (
	"bytes"
	"html/template"
	"slices"
	"testing"
	"time"
)

func TestParagraphs(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  \n\n  ", nil},
		{"one", []string{"one"}},
		{"one\ntwo", []string{"one\ntwo"}},
		{"\n one \n\n\n\n two \n", []string{"one", "two"}},
	} {
		if got := Paragraphs(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Paragraphs(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestMap: the functions as the reports' templates call them.
func TestMap(t *testing.T) {
	tm := template.Must(template.New("t").Funcs(Map()).Parse(`<img src="{{dataURI .PNG}}">{{date .When}}{{range paragraphs .Text}}<p>{{.}}</p>{{end}}`))
	var b bytes.Buffer
	err := tm.Execute(&b, struct {
		PNG  []byte
		When time.Time
		Text string
	}{[]byte{0x89, 'P', 'N', 'G'}, time.Date(2026, 3, 4, 5, 6, 0, 0, time.UTC), "a\n\nb"})
	want := `<img src="data:image/png;base64,iVBORw==">4 March 2026, 05:06 UTC<p>a</p><p>b</p>`
	if err != nil || b.String() != want {
		t.Errorf("got %q, %v; want %q", b.String(), err, want)
	}
}
