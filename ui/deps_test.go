package ui

import (
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// bannedImport reports whether a package does I/O the UI must leave to the
// services (STYLE.md rule 2): SQL, child processes, HTTP and the Ollama
// client.
func bannedImport(path string) bool {
	switch path {
	case "database/sql", "os/exec", "net/http", "github.com/mattn/go-sqlite3", "github.com/ollama/ollama":
		return true
	}
	return strings.HasPrefix(path, "github.com/ollama/ollama/")
}

// fyneEdges are the only imports of a banned package that ui's closure may
// hold: Fyne's own, which no program with a Fyne window can avoid.
// fyne.io/fyne/v2's resource.go fetches LoadResourceFromURLString with
// net/http, and the dialog package's file_xdg.go runs the desktop portal's
// file chooser with os/exec. Any other edge into a banned package (ours,
// a third party's, or a new one of Fyne's) fails the test.
var fyneEdges = map[[2]string]bool{
	{"fyne.io/fyne/v2", "net/http"}:       true,
	{"fyne.io/fyne/v2/dialog", "os/exec"}: true,
}

// TestUIImportsNoIO lists the packages ui is built from and fails, naming
// the chain of imports, for every import of SQL, os/exec, net/http or the
// Ollama client anywhere in that closure except Fyne's two (fyneEdges).
func TestUIImportsNoIO(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH:", err)
	}
	out, err := exec.Command(gobin, "list", "-tags", "sqlite_fts5", "-deps",
		"-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", ".").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	imports := map[string][]string{}
	var root string
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		imports[f[0]] = f[1:]
		root = f[0] // go list -deps prints the named package last
	}
	if !strings.HasSuffix(root, "/ui") {
		t.Fatalf("go list printed %q last, want the ui package", root)
	}

	// Breadth first from ui, remembering who imported each package first,
	// so that a failure names the shortest chain.
	from := map[string]string{root: ""}
	queue := []string{root}
	var failures []string
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, q := range imports[p] {
			if bannedImport(q) && !fyneEdges[[2]string{p, q}] {
				chain := []string{q}
				for r := p; r != ""; r = from[r] {
					chain = append(chain, r)
				}
				slices.Reverse(chain)
				failures = append(failures, fmt.Sprintf("ui imports %s: %s", q, strings.Join(chain, " → ")))
			}
			if _, seen := from[q]; !seen {
				from[q] = p
				queue = append(queue, q)
			}
		}
	}
	slices.Sort(failures)
	for _, f := range slices.Compact(failures) {
		t.Error(f)
	}
	// The two allowed edges must still be what brings the packages in:
	// if Fyne drops them, the exemption goes too.
	for e := range fyneEdges {
		if !slices.Contains(imports[e[0]], e[1]) {
			t.Errorf("%s no longer imports %s: remove it from fyneEdges", e[0], e[1])
		}
	}
}
