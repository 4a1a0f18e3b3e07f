package ui

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// update rewrites the golden files under testdata instead of comparing:
// go test ./ui -run TestX -update. (Fyne's own assertions only write the
// rendered markup to testdata/failed.)
var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// assertMarkup compares o's rendering with the golden markup
// testdata/name, or rewrites it with -update. o is moved to a canvas of
// its own, so call it when the test is done with o's window.
func assertMarkup(t *testing.T, name string, o fyne.CanvasObject) {
	t.Helper()
	if !*update {
		test.AssertObjectRendersToMarkup(t, name, o)
		return
	}
	path := filepath.Join("testdata", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(test.RenderObjectToMarkup(o)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}
