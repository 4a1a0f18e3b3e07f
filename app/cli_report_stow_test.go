package app

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/history/report/dicomout"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/pacs/pacstest"
)

// TestPacsReportStowRoundTrip is the researcher's whole round trip
// against a real Orthanc: find the CT study, retrieve it, ask the demo
// model about its dicomweb:// source, write the run as a DICOM SR (to a
// file and to the PACS at once) and as an Encapsulated PDF (to the PACS
// only), and find both new series in the server's own listing of the
// study; dsrdump reads the SR, and the instance retrieved back through
// WADO-RS is the very bytes written.
func TestPacsReportStowRoundTrip(t *testing.T) {
	srv := pacstest.Start(t) // its own server: the test adds series
	pacsEnv(t)
	dir := demoDataDir(t)
	sd := srv.Seed("5.dcm")

	out, err := runCLI("--data-dir", dir, "pacs", "find", "--url", srv.DICOMweb, "--modality", "CT", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if st := jsonLines[core.PACSStudy](t, out); len(st) != 1 || st[0].UID != sd.Study {
		t.Fatalf("pacs find --modality CT = %s, want the CT study %s", out, sd.Study)
	}
	if _, err := runCLI("--data-dir", dir, "pacs", "get", "--url", srv.DICOMweb, sd.Study); err != nil {
		t.Fatal(err)
	}
	a := ask(t, "--data-dir", dir, "--model", core.DemoModelName, "--prompt", "Describe this CT slice", "--seed", "2",
		"--temperature", "0", "--num-predict", "4", "--image", source(srv, sd, true))
	id := strconvI(a.RunID)

	stow := func(format string, extra ...string) stowedReport {
		t.Helper()
		args := append([]string{"--data-dir", dir, "report", "--run", id, "--format", format, "--stow", srv.DICOMweb, "--json"}, extra...)
		out, err := runCLI(args...)
		if err != nil {
			t.Fatalf("report --format %s --stow: %v", format, err)
		}
		var r stowedReport
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("report --stow --json printed %q: %v", out, err)
		}
		if r.StudyInstanceUID != sd.Study || r.SOPInstanceUID == "" || r.SeriesInstanceUID == "" || !strings.Contains(r.RetrieveURL, sd.Study) {
			t.Errorf("report --format %s --stow = %+v, want a new instance in study %s with its retrieve URL", format, r, sd.Study)
		}
		return r
	}
	srPath := filepath.Join(t.TempDir(), "sr.dcm")
	sr := stow("dicom-sr", "--out", srPath)
	pdf := stow("dicom-pdf")

	// The server's own QIDO listing of the study holds both new series.
	body, err := srv.REST(http.MethodGet, pacstest.Root+"/studies/"+sd.Study+"/series", nil)
	if err != nil {
		t.Fatal(err)
	}
	var listed []map[string]struct{ Value []any }
	if err := json.Unmarshal(body, &listed); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, s := range listed {
		if v := s["0020000E"].Value; len(v) > 0 {
			have[v[0].(string)] = true
		}
	}
	if !have[sr.SeriesInstanceUID] || !have[pdf.SeriesInstanceUID] || !have[sd.Series] || len(have) != 3 {
		t.Errorf("the study's series on the server are %v; want the CT's %s, the SR's %s and the PDF's %s", have, sd.Series, sr.SeriesInstanceUID, pdf.SeriesInstanceUID)
	}
	for _, uid := range []string{sr.SOPInstanceUID, pdf.SOPInstanceUID} {
		if ok, err := srv.HasInstance(uid); !ok || err != nil {
			t.Errorf("Orthanc does not hold the stored instance %s (%v)", uid, err)
		}
	}

	dump := dicomTool(t, "dsrdump", "+Pl", "+Pu", "+Pc", srPath)
	if !strings.Contains(dump, dicomout.Title) || !strings.Contains(dump, a.ModelDigest) || !strings.Contains(dump, sd.SOP) {
		t.Errorf("dsrdump of the SR written with --out lacks the title, the model digest or the CT's instance:\n%s", dump)
	}

	// WADO-RS gives back the bytes sent.
	written, err := os.ReadFile(srPath)
	if err != nil {
		t.Fatal(err)
	}
	out, err = runCLI("--data-dir", t.TempDir(), "pacs", "get", "--url", srv.DICOMweb, sd.Study, "--series", sr.SeriesInstanceUID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(strings.TrimSpace(out), sr.SOPInstanceUID+".dcm"))
	if err != nil || !bytes.Equal(got, written) {
		t.Errorf("the SR retrieved back (%d bytes, %v) is not the %d bytes written and stored", len(got), err, len(written))
	}
	out, err = runCLI("--data-dir", t.TempDir(), "pacs", "get", "--url", srv.DICOMweb, sd.Study, "--series", pdf.SeriesInstanceUID)
	if err != nil {
		t.Fatal(err)
	}
	if m := attrsOf(t, filepath.Join(strings.TrimSpace(out), pdf.SOPInstanceUID+".dcm")); m["Modality"] != "DOC" || m["MIMETypeOfEncapsulatedDocument"] != "application/pdf" {
		t.Errorf("the PDF retrieved back: Modality %q, MIME type %q", m["Modality"], m["MIMETypeOfEncapsulatedDocument"])
	}

	// Without --json, the SOP Instance UID alone; a wrong password is one
	// line naming the server, without the password.
	out, err = runCLI("--data-dir", dir, "report", "--run", id, "--format", "dicom-sr", "--stow", srv.DICOMweb)
	if err != nil || !strings.HasPrefix(strings.TrimSpace(out), "2.25.") || strings.Count(out, "\n") != 1 {
		t.Errorf("report --stow printed %q (%v), want one SOP Instance UID", out, err)
	}
	t.Setenv(EnvPACSPassword, "wrong-pw-4711")
	var so, se bytes.Buffer
	c := &cli{stdout: &so, stderr: &se}
	err = c.run([]string{"--data-dir", dir, "report", "--run", id, "--format", "dicom-sr", "--stow", srv.DICOMweb})
	err = &maskedError{err: err, secrets: []string{"wrong-pw-4711"}}
	if msg := err.Error(); ExitCode(err) != 1 || !strings.Contains(msg, srv.DICOMweb) || strings.Contains(msg, "wrong-pw-4711") || strings.Contains(msg, "\n") || so.Len() > 0 {
		t.Errorf("report --stow with a wrong password: exit %d, %q, stdout %q", ExitCode(err), msg, so.String())
	}
	if _, err := runCLI("--data-dir", dir, "report", "--run", id, "--format", "md", "--stow", srv.DICOMweb); ExitCode(err) != 2 {
		t.Errorf("report --format md --stow: %v, want a usage error", err)
	}
}
