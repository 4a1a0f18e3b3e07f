package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/history/report/dicomout"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// dicomTool runs a DICOM validation tool (dcmtk, dicom3tools) and returns
// its output; a missing tool fails the test.
func dicomTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: runs a DICOM validation tool (dcmtk, dicom3tools)")
	}
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found (Debian dcmtk, dicom3tools): run ./scripts/setup.sh", name)
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("%s: %v", name, err)
	}
	return string(out)
}

// attrsOf reads the top-level attributes of a DICOM file as text.
func attrsOf(t *testing.T, path string) map[string]string {
	t.Helper()
	attrs, err := dicomview.Attributes(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	m := map[string]string{}
	for _, a := range attrs {
		if len(a.Values) > 0 {
			m[a.Keyword] = strings.Join(a.Values, `\`)
		}
	}
	return m
}

// noIODErrors fails the test on dciodvfy's Error lines for path.
func noIODErrors(t *testing.T, path string) {
	t.Helper()
	for _, l := range strings.Split(dicomTool(t, "dciodvfy", "-new", path), "\n") {
		if strings.HasPrefix(l, "Error") {
			t.Errorf("dciodvfy %s: %s", filepath.Base(path), l)
		}
	}
}

// TestReportDicom asks the demo model about 5.dcm and writes the run back
// as a DICOM SR and an encapsulated PDF: the tools a PACS site uses read
// them, they belong to the source study in new series under the root, and
// they carry patient data only with --include-phi.
func TestReportDicom(t *testing.T) {
	dir, a := askCT(t)
	id := strconvI(a.RunID)
	out := t.TempDir()
	src := attrsOf(t, dicomtest.File(t, "5.dcm"))
	const root = "1.2.826.0.1.3680043.10.4242"
	phi := []string{"Perfusion", "MCA Stroke", "19500704", "St. Nowhere Hospital"}

	t.Run("instance key", func(t *testing.T) {
		// ask recorded the source instance by its salted hash, so that a
		// file replaced later is refused rather than referenced.
		h := openHistory(t, dir)
		run, err := h.Run(context.Background(), a.RunID)
		if err != nil {
			t.Fatal(err)
		}
		want, err := h.InstanceKey(context.Background(), src["SOPInstanceUID"])
		if err != nil || len(run.SourceKeys) != 1 || run.SourceKeys[0] != want {
			t.Errorf("run's SourceKeys %q, want [%s] (%v)", run.SourceKeys, want, err)
		}
	})

	t.Run("sr", func(t *testing.T) {
		path := filepath.Join(out, "sr.dcm")
		if _, err := runCLI("--data-dir", dir, "report", "--run", id, "--format", "dicom-sr", "--out", path, "--uid-root", root); err != nil {
			t.Fatal(err)
		}
		dump := dicomTool(t, "dsrdump", "+Pl", "+Pu", "+Pc", path)
		for _, want := range []string{dicomout.Title, "PARTIAL", "UNVERIFIED", a.ModelDigest, core.DemoModelName,
			src["SOPInstanceUID"], "Describe this CT slice zanzibar", strings.TrimSpace(strings.SplitN(a.Output, "\n", 2)[0])} {
			if !strings.Contains(dump, want) {
				t.Errorf("dsrdump lacks %q:\n%s", want, dump)
			}
		}
		got := attrsOf(t, path)
		if got["StudyInstanceUID"] != src["StudyInstanceUID"] {
			t.Errorf("StudyInstanceUID %q, want the source's %q", got["StudyInstanceUID"], src["StudyInstanceUID"])
		}
		for _, kw := range []string{"SeriesInstanceUID", "SOPInstanceUID"} {
			if v := got[kw]; v == src[kw] || !strings.HasPrefix(v, root+".") {
				t.Errorf("%s %q: want a new UID under %s", kw, v, root)
			}
		}
		b, _ := os.ReadFile(path)
		for _, p := range phi {
			if bytes.Contains(b, []byte(p)) {
				t.Errorf("the de-identified SR holds %q", p)
			}
		}
		if got["PatientName"] != "" || got["PatientIdentityRemoved"] != "YES" {
			t.Errorf("de-identified SR: PatientName %q, PatientIdentityRemoved %q", got["PatientName"], got["PatientIdentityRemoved"])
		}
		noIODErrors(t, path)

		withPHI := filepath.Join(out, "sr-phi.dcm")
		if _, err := runCLI("--data-dir", dir, "report", "--run", id, "--format", "dicom-sr", "--out", withPHI, "--include-phi"); err != nil {
			t.Fatal(err)
		}
		got = attrsOf(t, withPHI)
		for _, kw := range []string{"PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate", "AccessionNumber", "StudyID"} {
			if got[kw] != src[kw] {
				t.Errorf("with --include-phi, %s = %q, want the source's %q", kw, got[kw], src[kw])
			}
		}
		if !strings.HasPrefix(got["SOPInstanceUID"], "2.25.") {
			t.Errorf("without a root, SOPInstanceUID %q is not a 2.25 UID", got["SOPInstanceUID"])
		}
		noIODErrors(t, withPHI)
	})

	t.Run("pdf", func(t *testing.T) {
		path := filepath.Join(out, "pdf.dcm")
		t.Setenv(EnvUIDRoot, root)
		if _, err := runCLI("--data-dir", dir, "report", "--run", id, "--format", "dicom-pdf", "--out", path); err != nil {
			t.Fatal(err)
		}
		got := attrsOf(t, path)
		if got["StudyInstanceUID"] != src["StudyInstanceUID"] || !strings.HasPrefix(got["SOPInstanceUID"], root+".") ||
			got["DocumentTitle"] != dicomout.Title || got["Modality"] != "DOC" {
			t.Errorf("encapsulated PDF: study %q, instance %q, title %q, modality %q", got["StudyInstanceUID"], got["SOPInstanceUID"], got["DocumentTitle"], got["Modality"])
		}
		if dump := dicomTool(t, "dcmdump", path); !strings.Contains(dump, "application/pdf") || !strings.Contains(dump, "UNVERIFIED") {
			t.Errorf("dcmdump:\n%s", dump)
		}
		pdf := filepath.Join(out, "extracted.pdf")
		dicomTool(t, "dcm2pdf", path, pdf)
		text, err := exec.Command("pdftotext", "-enc", "UTF-8", pdf, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext of the extracted PDF: %v", err)
		}
		if !strings.Contains(string(text), assets.Disclaimer) || !strings.Contains(string(text), a.ModelDigest) {
			t.Errorf("the extracted PDF is not the report:\n%s", text)
		}
		for _, p := range phi {
			if strings.Contains(string(text), p) {
				t.Errorf("the de-identified PDF holds %q", p)
			}
		}
		noIODErrors(t, path)
	})

	t.Run("bad input", func(t *testing.T) {
		var pb bytes.Buffer
		if err := png.Encode(&pb, image.NewGray(image.Rect(0, 0, 64, 64))); err != nil {
			t.Fatal(err)
		}
		pngPath := filepath.Join(t.TempDir(), "photo.png")
		if err := os.WriteFile(pngPath, pb.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := runCLI("--data-dir", dir, "ask", "--json", "--model", core.DemoModelName, "--image", pngPath,
			"--prompt", "What is this?", "--seed", "3", "--temperature", "0", "--num-predict", "4")
		if err != nil {
			t.Fatal(err)
		}
		var pa askJSON
		if err := json.Unmarshal([]byte(res), &pa); err != nil {
			t.Fatal(err)
		}
		x := filepath.Join(out, "x.dcm")
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--run", strconvI(pa.RunID), "--format", "dicom-sr"}, "not a readable DICOM file"},
			{[]string{"--run", strconvI(pa.RunID), "--format", "dicom-pdf"}, "not a readable DICOM file"},
			{[]string{"--run", id, "--run", id, "--format", "dicom-sr"}, "give one --run"},
			{[]string{"--run", id, "--format", "dicom-sr", "--uid-root", "1.2.03"}, "leading zero"},
			{[]string{"--run", id, "--format", "dicom-sr", "--uid-root", strings.Repeat("1.", 30) + "1"}, "at most"},
		} {
			_, err := runCLI(append([]string{"--data-dir", dir, "report", "--out", x}, tc.args...)...)
			if ExitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), tc.want) || strings.Contains(fmt.Sprint(err), "\n") {
				t.Errorf("%v: exit %d, %v; want 2 and one line saying %q", tc.args, ExitCode(err), err, tc.want)
			}
		}
		if _, err := os.Stat(x); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a failed report left %s", x)
		}
	})
}
