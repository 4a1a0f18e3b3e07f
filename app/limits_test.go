package app

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// TestPrepareTooLarge runs prepare on the decompression bombs of dicomtest
// and on a file over a limit lowered through $MEDGEMMA_DICOM_LIMITS: each
// exits 2 with a one-line error naming the file and the limit and saying
// how to raise it. A bad
// $MEDGEMMA_DICOM_LIMITS is a usage error.
func TestPrepareTooLarge(t *testing.T) {
	t.Cleanup(func() { dicomview.SetLimits(dicomview.DefaultLimits) })
	dir := t.TempDir()
	out := filepath.Join(dir, "x.png")
	tests := []struct {
		name, env, file, want string
	}{
		{"frames bomb", "", "frames-bomb.dcm", "frames limit"},
		{"size bomb", "", "size-bomb.dcm", "pixels limit"},
		{"lowered limit", "pixels=100", "3.dcm", "pixels limit of 100"},
		{"bad variable", "pixels=lots", "3.dcm", "MEDGEMMA_DICOM_LIMITS"},
	}
	for _, b := range dicomtest.Bombs {
		data, err := b.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, b.Name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dicomtest.CopyTo(t, "3.dcm", filepath.Join(dir, "3.dcm"))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(limitsEnv, tt.env)
			dicomview.SetLimits(dicomview.DefaultLimits)
			path := filepath.Join(dir, tt.file)
			_, err := runCLI("prepare", path, "--out", out)
			if ExitCode(err) != 2 || err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("prepare %s: exit %d, %v; want 2 and one line mentioning %q", tt.file, ExitCode(err), err, tt.want)
			}
			if tt.env != "pixels=lots" && (!errors.Is(err, dicomview.ErrTooLarge) || !strings.Contains(err.Error(), path) ||
				!strings.Contains(err.Error(), "raise the limit with MEDGEMMA_DICOM_LIMITS=")) {
				t.Errorf("error %q does not match ErrTooLarge, name %s and say how to raise the limit", err, path)
			}
		})
	}
}
