// Package dicomtest gives tests the sample DICOM files that ship with the
// github.com/suyashkumar/dicom module (testdata/1.dcm … 5.dcm; see that
// module's testdata/data_details.md for their origin and licences), and
// generates decompression bombs (Bomb, Bombs) for the resource limits'
// tests; cmd/mkbomb writes the bombs to disk.
package dicomtest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const module = "github.com/suyashkumar/dicom"

var (
	once   sync.Once
	dir    string
	dirErr error
)

// moduleDir returns the directory of the dicom module, asking the go
// command once per test binary.
func moduleDir() (string, error) {
	once.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module).Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) && len(ee.Stderr) > 0 {
				err = &cmdError{err: err, stderr: strings.TrimSpace(string(ee.Stderr))}
			}
			dirErr = err
			return
		}
		dir = strings.TrimSpace(string(out))
	})
	return dir, dirErr
}

type cmdError struct {
	err    error
	stderr string
}

func (e *cmdError) Error() string { return e.err.Error() + ": " + e.stderr }
func (e *cmdError) Unwrap() error { return e.err }

// File returns the absolute path of name (e.g. "4.dcm") in the dicom
// module's testdata directory. It fails the test with a clear message when
// the module or the file is not available.
//
// $DICOMTEST_DIR, when set, names a directory holding the files instead
// (for a test binary run where the go command is absent).
func File(t testing.TB, name string) string {
	t.Helper()
	if d := os.Getenv("DICOMTEST_DIR"); d != "" {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("dicomtest: test file %s in $DICOMTEST_DIR: %v", name, err)
		}
		return p
	}
	d, err := moduleDir()
	if err != nil {
		t.Fatalf("dicomtest: cannot locate module %s with `go list -m` (%v); run `go mod download %s`", module, err, module)
	}
	if d == "" {
		t.Fatalf("dicomtest: module %s is not downloaded; run `go mod download %s`", module, module)
	}
	p := filepath.Join(d, "testdata", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("dicomtest: test file %s: %v", name, err)
	}
	return p
}

// CopyTo copies the test file name to the path dst, creating its folders,
// and returns dst; a test builds a study folder from the sample files so.
func CopyTo(t testing.TB, name, dst string) string {
	t.Helper()
	data, err := os.ReadFile(File(t, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}
