package dicomout

import (
	"bytes"
	"context"
	"errors"
	"image"
	pngenc "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// tool runs a validation tool and returns its stdout and stderr together.
// A missing tool fails the test: the tools are part of the build's setup.
func tool(t *testing.T, name string, args ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: runs a DICOM validation tool (dcmtk, dicom3tools)")
	}
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found (dcmtk or dicom3tools): run ./scripts/setup.sh", name)
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return string(out)
}

// dciodvfyErrors are the lines of dciodvfy's output that report errors.
func dciodvfyErrors(t *testing.T, path string) (errs, warnings []string) {
	t.Helper()
	for _, l := range strings.Split(tool(t, "dciodvfy", "-new", path), "\n") {
		switch {
		case strings.HasPrefix(l, "Error"):
			errs = append(errs, l)
		case strings.HasPrefix(l, "Warning"):
			warnings = append(warnings, l)
		}
	}
	return errs, warnings
}

// logRun stores a run on the last frame of the DICOM file at path as the
// workbench logs one.
func logRun(t *testing.T, h *history.Store, path, answer string) *core.Run {
	t.Helper()
	ctx := context.Background()
	im, err := dicomview.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := im.Prepare(dicomview.PrepareOptions{Frame: im.Frames})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.PutImage(ctx, history.ImageRecord{SHA256: p.SHA256, PNG: p.PNG, Source: p.Source, Frame: p.Frame,
		WindowCenter: p.Window.Center, WindowWidth: p.Window.Width, Encoding: p.Encoding, Width: p.Width, Height: p.Height}); err != nil {
		t.Fatal(err)
	}
	key, err := h.PutStudy(ctx, im.Info.StudyInstanceUID, im.Info.Modality, im.Info.StudyDescription)
	if err != nil {
		t.Fatal(err)
	}
	ikey, err := h.InstanceKey(ctx, im.Info.SOPInstanceUID)
	if err != nil || ikey == "" {
		t.Fatalf("instance key %q, %v", ikey, err)
	}
	start := time.Date(2025, 5, 4, 10, 30, 0, 0, time.UTC)
	r := &core.Run{StartedAt: start, FinishedAt: start.Add(4 * time.Second), Source: p.Source,
		ImageSHA256: []string{p.SHA256}, SourcePaths: []string{path}, SourceKeys: []string{ikey}, StudyKey: key,
		System: "You are an expert radiologist.", Prompt: "Describe the findings on this CT slice.",
		Model: "medgemma1.5", ModelDigest: "sha256:5f1c0ab2d8e4", RuntimeVersion: "0.17.4",
		Recipe: core.RecipeRef{Name: "ct-single", Version: "1", Hash: "abc123"},
		Output: answer, DoneReason: "stop", Status: core.StatusOK,
		Measurements: []core.Measurement{{Kind: "rectangle", Frame: im.Frames, X: 10, Y: 20, W: 30, H: 40, N: 1200,
			Mean: 41.25, SD: 3.5, Min: 30, Max: 55, Units: "HU", AreaMM2: 612.5},
			{Kind: "length", Frame: im.Frames, X: 1, Y: 2, X2: 31, Y2: 42, LengthMM: 37.5},
			{Kind: "arrow", Frame: im.Frames, X: 5, Y: 5, X2: 40, Y2: 40, Text: "hypodense focus"}}}
	if _, err := h.SaveRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	return r
}

func openStore(t *testing.T) *history.Store {
	t.Helper()
	h, err := history.Open(filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// source5 is what 5.dcm's own attributes say.
func source5(t *testing.T) map[string]string {
	t.Helper()
	attrs, err := dicomview.Attributes(dicomtest.File(t, "5.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, a := range attrs {
		if a.Group != 2 && len(a.Values) > 0 {
			m[a.Keyword] = strings.Join(a.Values, `\`)
		}
	}
	return m
}

// written writes b to a file in a temporary folder and reads it back with
// dicomview, the way any reader of the file would.
func written(t *testing.T, name string, b []byte) (string, map[string]string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if d := os.Getenv("DICOMOUT_KEEP"); d != "" { // keep the files to look at
		_ = os.WriteFile(filepath.Join(d, strings.ReplaceAll(t.Name(), "/", "_")+"_"+name), b, 0o644)
	}
	attrs, err := dicomview.Attributes(path)
	if err != nil {
		t.Fatalf("read back %s: %v", name, err)
	}
	m := map[string]string{}
	for _, a := range attrs {
		if len(a.Values) > 0 {
			m[a.Keyword] = strings.Join(a.Values, `\`)
		}
	}
	return path, m
}

func TestSRFromRun(t *testing.T) {
	ctx := context.Background()
	h := openStore(t)
	const answer = "No acute intracranial haemorrhage. Ärzte prüfen: ±2 mm."
	r := logRun(t, h, dicomtest.File(t, "5.dcm"), answer)
	src := source5(t)
	const root = "1.2.826.0.1.3680043.10.999"
	for _, phi := range []bool{false, true} {
		name := map[bool]string{false: "deidentified", true: "phi"}[phi]
		t.Run(name, func(t *testing.T) {
			rep, err := FromRun(ctx, h, r.ID, Options{IncludePHI: phi, AppVersion: "0.1.0-test"})
			if err != nil {
				t.Fatal(err)
			}
			doc, err := BuildSR(rep, UIDs{Root: root})
			if err != nil {
				t.Fatal(err)
			}
			path, got := written(t, "sr.dcm", doc.Bytes)
			if got["StudyInstanceUID"] != src["StudyInstanceUID"] || doc.StudyInstanceUID != src["StudyInstanceUID"] {
				t.Errorf("StudyInstanceUID %q (document %q), want the source's %q", got["StudyInstanceUID"], doc.StudyInstanceUID, src["StudyInstanceUID"])
			}
			for _, kw := range []string{"SeriesInstanceUID", "SOPInstanceUID"} {
				if v := got[kw]; v == src[kw] || !strings.HasPrefix(v, root+".") || len(v) > 64 {
					t.Errorf("%s %q: want a new UID under %s", kw, v, root)
				}
			}
			if got["SeriesInstanceUID"] != doc.SeriesInstanceUID || got["SOPInstanceUID"] != doc.SOPInstanceUID {
				t.Errorf("Document UIDs %s/%s differ from the file's", doc.SeriesInstanceUID, doc.SOPInstanceUID)
			}
			for kw, want := range map[string]string{"SOPClassUID": ComprehensiveSR, "Modality": "SR",
				"CompletionFlag": "PARTIAL", "VerificationFlag": "UNVERIFIED", "TransferSyntaxUID": TransferSyntax,
				"SpecificCharacterSet":       "ISO_IR 192", // the answer is not ASCII
				"MediaStorageSOPInstanceUID": doc.SOPInstanceUID, "ImplementationClassUID": root + ".1"} {
				if got[kw] != want {
					t.Errorf("%s = %q, want %q", kw, got[kw], want)
				}
			}
			// The patient module: the source's with PHI, else de-identified.
			for _, kw := range []string{"PatientName", "PatientID", "PatientBirthDate", "StudyDate", "AccessionNumber", "ReferringPhysicianName"} {
				switch {
				case phi && got[kw] != src[kw]:
					t.Errorf("with PHI, %s = %q, want the source's %q", kw, got[kw], src[kw])
				case !phi && src[kw] != "" && got[kw] == src[kw]:
					t.Errorf("de-identified, %s is the source's %q", kw, got[kw])
				}
			}
			if !phi && (got["PatientIdentityRemoved"] != "YES" || got["PatientName"] != "") {
				t.Errorf("de-identified: PatientIdentityRemoved %q, PatientName %q", got["PatientIdentityRemoved"], got["PatientName"])
			}
			if !phi {
				for _, p := range []string{"Perfusion", "MCA Stroke", "19500704", "St. Nowhere Hospital"} {
					if bytes.Contains(doc.Bytes, []byte(p)) {
						t.Errorf("de-identified SR contains %q", p)
					}
				}
			}

			dump := tool(t, "dsrdump", "+Pl", "+Pu", "+Pc", "+Psu", path)
			for _, l := range strings.Split(dump, "\n") {
				if strings.HasPrefix(l, "E:") {
					t.Errorf("dsrdump: %s", l)
				}
			}
			for _, want := range []string{answer, Title, "PARTIAL", "UNVERIFIED", r.ModelDigest, "medgemma1.5",
				src["SOPInstanceUID"], src["SOPClassUID"], "ct-single 1 abc123", rep.PromptVersion,
				"(18748-4,LN,\"Diagnostic imaging report\")", "(121071,DCM,\"Finding\")", "(111001,DCM,\"Algorithm Name\")",
				// The measured region, as TID 1500's measurement group.
				"(126010,DCM,\"Imaging Measurements\")", "(125007,DCM,\"Measurement Group\")",
				"\"41.25\" ([hnsf'U],UCUM,\"Hounsfield unit\")", "\"612.5\" (mm2,UCUM,\"square millimeter\")",
				"(373098007,SCT,\"Mean\")", "rectangle 10,20 30×40 px",
				"\"37.5\" (mm,UCUM,\"millimeter\")", "(410668003,SCT,\"Length\")", "hypodense focus"} {
				if !strings.Contains(dump, want) {
					t.Errorf("dsrdump lacks %q:\n%s", want, dump)
				}
			}
			if errs, warns := dciodvfyErrors(t, path); len(errs) > 0 {
				t.Errorf("dciodvfy: %s", strings.Join(errs, "\n"))
			} else if len(warns) > 0 {
				t.Logf("dciodvfy warnings:\n%s", strings.Join(warns, "\n"))
			}
		})
	}
}

// minimalPDF is a small PDF of odd length, so that the OB value needs its
// pad byte and the extracted document must drop it.
func minimalPDF(t *testing.T) []byte {
	t.Helper()
	b := []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
		"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
	if len(b)%2 == 0 {
		b = append(b, '\n')
	}
	return b
}

func TestEncapsulatedPDF(t *testing.T) {
	ctx := context.Background()
	h := openStore(t)
	r := logRun(t, h, dicomtest.File(t, "5.dcm"), "Normal study.")
	src := source5(t)
	rep, err := FromRun(ctx, h, r.ID, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pdf := minimalPDF(t)
	doc, err := BuildPDF(rep, pdf, UIDs{})
	if err != nil {
		t.Fatal(err)
	}
	path, got := written(t, "report.dcm", doc.Bytes)
	for kw, want := range map[string]string{"SOPClassUID": EncapsulatedPDF, "Modality": "DOC", "DocumentTitle": Title,
		"MIMETypeOfEncapsulatedDocument": "application/pdf", "VerificationFlag": "UNVERIFIED", "BurnedInAnnotation": "NO",
		"SpecificCharacterSet": "", // all ASCII: the default repertoire
		"StudyInstanceUID":     src["StudyInstanceUID"], "ImplementationClassUID": implementationUUID} {
		if got[kw] != want {
			t.Errorf("%s = %q, want %q", kw, got[kw], want)
		}
	}
	for _, kw := range []string{"SeriesInstanceUID", "SOPInstanceUID"} {
		if v := got[kw]; !strings.HasPrefix(v, "2.25.") || v == src[kw] {
			t.Errorf("%s %q: want a new 2.25 UID", kw, v)
		}
	}
	dump := tool(t, "dcmdump", "+L", path)
	for _, want := range []string{"(0042,0011) OB", "application/pdf", "DRAFT research report", src["SOPInstanceUID"]} {
		if !strings.Contains(dump, want) {
			t.Errorf("dcmdump lacks %q:\n%s", want, dump)
		}
	}
	out := filepath.Join(t.TempDir(), "out.pdf")
	tool(t, "dcm2pdf", path, out)
	back, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("dcm2pdf wrote nothing: %v", err)
	}
	if !bytes.Equal(back, pdf) {
		t.Errorf("dcm2pdf extracted %d bytes, want the %d of the PDF", len(back), len(pdf))
	}
	if errs, warns := dciodvfyErrors(t, path); len(errs) > 0 {
		t.Errorf("dciodvfy: %s", strings.Join(errs, "\n"))
	} else if len(warns) > 0 {
		t.Logf("dciodvfy warnings:\n%s", strings.Join(warns, "\n"))
	}
}

func TestNoDICOMSource(t *testing.T) {
	ctx := context.Background()
	h := openStore(t)
	png := filepath.Join(t.TempDir(), "chest.png")
	var pb bytes.Buffer
	if err := pngenc.Encode(&pb, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(png, pb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	noPaths := &core.Run{StartedAt: time.Now(), Model: "m", Status: core.StatusOK, Output: "x"}
	if _, err := h.SaveRun(ctx, noPaths); err != nil {
		t.Fatal(err)
	}
	r := logRun(t, h, dicomtest.File(t, "5.dcm"), "x")
	gone := filepath.Join(t.TempDir(), "gone.dcm")
	for _, tc := range []struct {
		name  string
		id    int64
		paths []string
		want  error
	}{
		{"no source files", noPaths.ID, nil, ErrNoSource},
		{"png", r.ID, []string{png}, ErrNoSource},
		{"file gone", r.ID, []string{gone}, os.ErrNotExist},
		{"another instance", r.ID, []string{dicomtest.File(t, "1.dcm")}, ErrSourceChanged},
		{"another study (no instance key)", r.ID, []string{dicomtest.File(t, "1.dcm")}, ErrSourceChanged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := tc.id
			if tc.paths != nil {
				moved := *r
				moved.ID, moved.SourcePaths = 0, tc.paths
				if strings.Contains(tc.name, "no instance key") {
					moved.SourceKeys = nil
				}
				var err error
				if id, err = h.SaveRun(ctx, &moved); err != nil {
					t.Fatal(err)
				}
			}
			_, err := FromRun(ctx, h, id, Options{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("FromRun = %v, want %v", err, tc.want)
			}
			if strings.HasPrefix(tc.name, "another") && !strings.Contains(err.Error(), tc.name[:len("another study")-1]) {
				t.Errorf("error %q does not say %q", err, tc.name)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
	if _, err := BuildSR(&Report{RunID: 9}, UIDs{}); !errors.Is(err, ErrNoSource) {
		t.Errorf("BuildSR without sources = %v, want ErrNoSource", err)
	}
}
