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

// assertCanvasMarkup compares the whole canvas's markup (dialogs and
// pop-ups included) with testdata/name, or rewrites it with -update; a
// mismatch leaves the new markup in testdata/failed.
func assertCanvasMarkup(t *testing.T, name string, c fyne.Canvas) {
	t.Helper()
	got := test.RenderToMarkup(c)
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to write it)", err)
	}
	if got != string(want) {
		failed := filepath.Join("testdata", "failed", name)
		os.MkdirAll(filepath.Dir(failed), 0o755)
		os.WriteFile(failed, []byte(got), 0o644)
		t.Errorf("markup differs from %s; the new one is in %s (run with -update if the change is meant)", path, failed)
	}
}
