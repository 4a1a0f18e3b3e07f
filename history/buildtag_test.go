package history

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// TestBuildWithoutTagFails builds this package without -tags sqlite_fts5
// and checks that the build fails and names the tag. It shares the go
// command's build cache, so only the first run compiles go-sqlite3
// without FTS5 (about a minute); -short skips it.
func TestBuildWithoutTagFails(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	gobin := runtime.GOROOT() + "/bin/go"
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	for _, tc := range []struct {
		name string
		tags []string
		fail bool
	}{
		{"no tag", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"build", "-gcflags=-e", "-o", os.DevNull}, tc.tags...)
			cmd := exec.Command(gobin, append(args, ".")...)
			cmd.Env = append(os.Environ(), "GOFLAGS=")
			out, err := cmd.CombinedOutput()
			if (err != nil) != tc.fail {
				t.Fatalf("go build %v: err %v, want failure %v:\n%s", tc.tags, err, tc.fail, out)
			}
			if !strings.Contains(string(out), "build_with_go_flag__tags_sqlite_fts5") {
				t.Errorf("the build error does not name the tag:\n%s", out)
			}
		})
	}
}
