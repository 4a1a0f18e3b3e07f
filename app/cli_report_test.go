package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestReportCommand asks the demo model about 5.dcm, then writes its report
// in every format, without and with --include-phi, and reads what a reader
// would see (the PDF through pdftotext).
func TestReportCommand(t *testing.T) {
	dir, a := askCT(t)
	id := strconvI(a.RunID)
	out := t.TempDir()
	phi := []string{"Perfusion", "MCA Stroke", "19500704", "1950-07-04", "St. Nowhere Hospital", "5.dcm"}

	read := func(t *testing.T, path string) string {
		t.Helper()
		if strings.HasSuffix(path, ".pdf") {
			b, err := exec.Command("pdftotext", "-enc", "UTF-8", path, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext %s (Debian poppler-utils): %v", path, err)
			}
			return string(b)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, format := range []string{"md", "html", "pdf"} {
		t.Run(format, func(t *testing.T) {
			plain := filepath.Join(out, "report."+format)
			if _, err := runCLI("--data-dir", dir, "report", "--run", id, "--format", format, "--out", plain); err != nil {
				t.Fatal(err)
			}
			text := read(t, plain)
			for _, p := range phi {
				if strings.Contains(text, p) {
					t.Errorf("report.%s contains %q", format, p)
				}
			}
			for _, want := range []string{assets.Disclaimer, core.DemoModelName, a.ModelDigest, "Describe this CT slice", a.ImageSHA256[0][:32]} {
				if !strings.Contains(text, want) {
					t.Errorf("report.%s lacks %q", format, want)
				}
			}
			withPHI := filepath.Join(out, "phi."+format)
			if _, err := runCLI("--data-dir", dir, "report", "--run", id, "--format", format, "--out", withPHI, "--include-phi"); err != nil {
				t.Fatal(err)
			}
			if text := read(t, withPHI); !strings.Contains(text, "Perfusion MCA Stroke") {
				t.Errorf("phi.%s lacks the patient's name", format)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(out, "report_files", "figure-2.png")); err != nil {
		t.Errorf("the Markdown report's model-input figure: %v", err)
	}

	for _, bad := range [][]string{
		{"report", "--run", "999999", "--format", "pdf", "--out", filepath.Join(out, "x.pdf")},
		{"report", "--run", id, "--format", "docx", "--out", filepath.Join(out, "x.docx")},
		{"report", "--run", id, "--format", "pdf"},
	} {
		_, err := runCLI(append([]string{"--data-dir", dir}, bad...)...)
		if ExitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", bad, ExitCode(err), err)
		}
	}
}
