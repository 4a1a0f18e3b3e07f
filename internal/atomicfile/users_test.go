package atomicfile_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWritersUseAtomicfile checks the five places that used to write files
// by hand: each goes through this package (the demo model writers, whose
// ggml.WriteGGUF needs an *os.File, through WriteOS in demomodel.go's
// writeGGUF).
func TestWritersUseAtomicfile(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, tc := range []struct {
		file string
		want []string // all must appear
		deny []string // none may appear
	}{
		{"app/files.go", []string{"atomicfile.WriteFile("}, []string{"os.CreateTemp", "os.Rename"}},
		{"batch/output.go", []string{"atomicfile.Write("}, []string{"os.CreateTemp", "os.Rename"}},
		{"inference/demomodel/demomodel.go", []string{"atomicfile.WriteOS("}, []string{"os.CreateTemp", "os.Rename"}},
		{"inference/demomodel/textonly.go", []string{"writeGGUF("}, []string{"os.CreateTemp", "os.Rename"}},
		{"inference/demomodel/medgemma4b.go", []string{"writeGGUF("}, []string{"os.CreateTemp", "os.Rename"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(tc.file)))
			if err != nil {
				t.Fatal(err)
			}
			src := string(b)
			for _, w := range tc.want {
				if !strings.Contains(src, w) {
					t.Errorf("%s does not call %s", tc.file, w)
				}
			}
			for _, d := range tc.deny {
				if strings.Contains(src, d) {
					t.Errorf("%s still calls %s itself", tc.file, d)
				}
			}
		})
	}
}
