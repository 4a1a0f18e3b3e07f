package app

import (
	"os/exec"
	"testing"
)

// TestTourBuilds type-checks the screenshot tour (gui_tour.go and
// ui/tour.go), which only scripts/screenshots.sh builds, with the tag it
// passes, so that it cannot rot unseen behind its build tag.
func TestTourBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("vets ./app and ./ui again with the tour tag")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH:", err)
	}
	out, err := exec.Command(gobin, "vet", "-tags", "sqlite_fts5 tour", ".", "../ui").CombinedOutput()
	if err != nil {
		t.Fatalf("go vet -tags 'sqlite_fts5 tour' ./app ./ui: %v\n%s", err, out)
	}
}
