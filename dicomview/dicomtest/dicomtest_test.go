package dicomtest_test

import (
	"path/filepath"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

func TestFile(t *testing.T) {
	for _, name := range []string{"1.dcm", "5.dcm"} {
		p := dicomtest.File(t, name)
		if !filepath.IsAbs(p) || filepath.Base(p) != name {
			t.Errorf("File(%q) = %q, want an absolute path ending in %s", name, p, name)
		}
	}
}
