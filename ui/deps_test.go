package ui

import (
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

// toolkit reports whether a package belongs to Fyne, whose own imports
// (net/http for OpenURL, os/exec for the desktop's file chooser) are the
// toolkit's business, not ours.
func toolkit(path string) bool { return strings.HasPrefix(path, "fyne.io/") }

// TestUIImportsNoIO lists the packages ui is built from and fails, naming
// each banned one and the chain of imports that reaches it, when ui or
// anything it imports (Fyne apart) imports SQL, os/exec, net/http or the
// Ollama client.
func TestUIImportsNoIO(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH:", err)
	}
	out, err := exec.Command(gobin, "list", "-tags", "sqlite_fts5", "-deps",
		"-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", ".").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
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
	var banned []string
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if bannedImport(p) {
			banned = append(banned, p)
		}
		if toolkit(p) {
			continue
		}
		for _, q := range imports[p] {
			if _, seen := from[q]; !seen {
				from[q] = p
				queue = append(queue, q)
			}
		}
	}
	// SQL, SQLite and Ollama are banned however they are reached.
	for p := range imports {
		if _, seen := from[p]; !seen && bannedImport(p) && p != "os/exec" && p != "net/http" {
			banned = append(banned, p)
			from[p] = "(through fyne.io)"
		}
	}
	slices.Sort(banned)
	for _, p := range banned {
		chain := []string{p}
		for q := from[p]; q != ""; q = from[q] {
			chain = append(chain, q)
		}
		slices.Reverse(chain)
		t.Errorf("ui imports %s: %s", p, strings.Join(chain, " → "))
	}
}
