package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/pacs/pacstest"
)

// pacsEnv points the environment's PACS credentials at the test server's
// user.
func pacsEnv(t *testing.T) {
	t.Setenv(EnvPACSUser, pacstest.User)
	t.Setenv(EnvPACSPassword, pacstest.Password)
	t.Setenv(EnvPACSToken, "")
	t.Setenv(EnvPACSTokenHeader, "")
	t.Setenv(EnvPACSURL, "")
}

// source is the dicomweb:// source of a seed's series (or study, when
// series is false) on srv.
func source(srv *pacstest.Server, sd pacstest.Seed, series bool) string {
	s := strings.Replace(srv.DICOMweb, "http://", "dicomweb://", 1) + "/studies/" + sd.Study
	if series {
		s += "/series/" + sd.Series
	}
	return s
}

func jsonLines[T any](t *testing.T, out string) []T {
	t.Helper()
	var rows []T
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var r T
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("not a JSON line: %q: %v", line, err)
		}
		rows = append(rows, r)
	}
	return rows
}

// TestPacsFindSeriesGetPrepare is the path a researcher takes: find a
// study, list its series, retrieve it, and give the model the retrieved
// image by its dicomweb:// source; the model input is the very one the
// original file gives.
func TestPacsFindSeriesGetPrepare(t *testing.T) {
	srv := pacstest.Shared(t)
	pacsEnv(t)
	data := t.TempDir()
	sd := srv.Seed("3.dcm")

	out, err := runCLI("--data-dir", data, "pacs", "find", "--url", srv.DICOMweb, "--patient-id", "MIP-PROSTATE-01-0022", "--json")
	if err != nil {
		t.Fatal(err)
	}
	studies := jsonLines[core.PACSStudy](t, out)
	if len(studies) != 1 || studies[0].UID != sd.Study || studies[0].Modalities[0] != "MR" {
		t.Fatalf("pacs find = %s, want the MR study %s", out, sd.Study)
	}
	out, err = runCLI("--data-dir", data, "pacs", "find", "--url", srv.DICOMweb, "--date", "20061201-20061231", "--modality", "MR")
	if err != nil || !strings.Contains(out, sd.Study) || strings.Count(strings.TrimSpace(out), "\n") != 1 {
		t.Fatalf("pacs find --date --modality = %q, %v; want a header and the MR study", out, err)
	}

	out, err = runCLI("--data-dir", data, "pacs", "series", "--url", srv.DICOMweb, sd.Study, "--json")
	if err != nil {
		t.Fatal(err)
	}
	series := jsonLines[core.PACSSeries](t, out)
	if len(series) != 1 || series[0].UID != sd.Series || series[0].Modality != "MR" || series[0].Instances != 1 {
		t.Fatalf("pacs series = %s, want one MR series %s of 1 instance", out, sd.Series)
	}

	out, err = runCLI("--data-dir", data, "pacs", "get", "--url", srv.DICOMweb, sd.Study, "--series", sd.Series)
	if err != nil {
		t.Fatal(err)
	}
	dir := strings.TrimSpace(out)
	if !strings.HasPrefix(dir, filepath.Join(data, "dicomweb")) {
		t.Fatalf("pacs get printed %q, want a folder in the data dir's cache", out)
	}
	opened, skipped, err := dicomview.OpenSeries(dir)
	if err != nil || len(skipped) > 0 || len(opened) != 1 || opened[0].UID != sd.Series {
		t.Fatalf("the loader opens %s as %v (skipped %v, %v), want series %s", dir, opened, skipped, err, sd.Series)
	}

	type prepared struct {
		SHA256        string `json:"sha256"`
		Width, Height int
	}
	prep := func(src string) prepared {
		t.Helper()
		out, err := runCLI("--data-dir", data, "prepare", src, "--out", filepath.Join(t.TempDir(), "in.png"), "--json")
		if err != nil {
			t.Fatalf("prepare %s: %v", src, err)
		}
		return jsonLines[prepared](t, out)[0]
	}
	want := prep(sd.Path)
	for _, src := range []string{source(srv, sd, true), source(srv, sd, false)} {
		if got := prep(src); got != want || got.Width != 896 || got.Height != 896 {
			t.Errorf("prepare %s = %+v, want the original file's %+v", src, got, want)
		}
	}

	out, err = runCLI("--data-dir", data, "render", source(srv, sd, true), "--out", filepath.Join(t.TempDir(), "r.png"), "--json")
	wantR, err2 := runCLI("--data-dir", data, "render", sd.Path, "--out", filepath.Join(t.TempDir(), "r.png"), "--json")
	if err != nil || err2 != nil || jsonLines[prepared](t, out)[0].SHA256 != jsonLines[prepared](t, wantR)[0].SHA256 {
		t.Errorf("render of the source = %s (%v), want the original's %s (%v)", out, err, wantR, err2)
	}

	// The recipe path, which ask --image takes too.
	rdir := t.TempDir()
	if _, err := runCLI("--data-dir", data, "prepare", source(srv, sd, true), "--recipe", "plain", "--out-dir", rdir, "--json"); err != nil {
		t.Fatalf("prepare --recipe plain of the source: %v", err)
	}
	img, err := os.ReadFile(filepath.Join(rdir, "image-001.png"))
	if err != nil || sha256hex(img) != want.SHA256 {
		t.Errorf("prepare --recipe plain of the source wrote %s…, want the original's %s (%v)", sha256hex(img)[:12], want.SHA256, err)
	}
}

// TestPacsBatchManifestSource checks that a manifest may name a
// dicomweb:// source: it resolves to the cache folder and its rows name
// the source without its password.
func TestPacsBatchManifestSource(t *testing.T) {
	srv := pacstest.Shared(t)
	pacsEnv(t)
	t.Setenv(EnvPACSPassword, "") // the password comes in the URL
	data := t.TempDir()
	sd := srv.Seed("2.dcm")
	src := strings.Replace(source(srv, sd, true), "://", "://"+pacstest.User+":"+pacstest.Password+"@", 1)
	manifest := filepath.Join(t.TempDir(), "m.jsonl")
	line, _ := json.Marshal(map[string]any{"id": "a", "images": []string{src}, "question": "q"})
	if err := os.WriteFile(manifest, append(line, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	items, err := batch.LoadManifestWith(manifest, manifestSources(context.Background(), data))
	if err != nil {
		t.Fatal(err)
	}
	it := items[0]
	if s, _, err := dicomview.OpenSeries(it.Paths[0]); err != nil || len(s) != 1 || s[0].UID != sd.Series {
		t.Errorf("manifest image resolves to %s (%v), want the cached series %s", it.Paths[0], err, sd.Series)
	}
	if strings.Contains(it.Images[0], pacstest.Password) || !strings.Contains(it.Images[0], sd.Series) {
		t.Errorf("the row names the image %q, want the source without its password", it.Images[0])
	}
}

// TestPacsRetrieveResumes cancels a retrieve through the service the
// window uses, then retrieves again: only the missing instances are
// fetched, counted at the transport.
func TestPacsRetrieveResumes(t *testing.T) {
	srv := pacstest.Shared(t)
	p, err := OpenPACS(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	count := &pacstest.Counter{}
	p.transport, p.parallel = count, 1 // one at a time: the count is exact
	s := core.PACSServer{URL: srv.DICOMweb, PACSAuth: core.PACSAuth{User: pacstest.User, Password: pacstest.Password}}
	sd := srv.Seed("1.dcm")
	ctx, cancel := context.WithCancel(context.Background())
	_, err = p.Retrieve(ctx, s, sd.Study, nil, func(pr core.RetrieveProgress) {
		if pr.Instances == 1 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled retrieve: %v, want context.Canceled", err)
	}
	got, _ := filepath.Glob(filepath.Join(p.CacheDir(), "servers", "*", "studies", sd.Study, sd.Series, "*.dcm"))
	k, n := len(got), 1+pacstest.MultiCopies
	if k != 1 || count.Retrieves() != 1 {
		t.Fatalf("%d instances cached after %d fetches and the cancel, want 1 of 1", k, count.Retrieves())
	}
	count.Reset()
	r, err := p.Retrieve(context.Background(), s, sd.Study, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if count.Retrieves() != n-k || r.Cached != k || r.Instances != n {
		t.Errorf("resumed: %d fetches, %+v; want %d fetches and %d cached", count.Retrieves(), r, n-k, k)
	}
}

// TestPacsStore stores a file with `pacs store` and finds it in
// Orthanc's own listing.
func TestPacsStore(t *testing.T) {
	srv := pacstest.Start(t)
	pacsEnv(t)
	sd := srv.Seed("4.dcm")
	orig, err := os.ReadFile(sd.Path)
	if err != nil {
		t.Fatal(err)
	}
	uid := sd.SOP[:len(sd.SOP)-3] + "777"
	cp, err := pacstest.CopyWithUID(orig, sd.SOP, uid)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "cr.dcm")
	os.WriteFile(f, cp, 0o600)
	out, err := runCLI("--data-dir", t.TempDir(), "pacs", "store", "--url", srv.DICOMweb, f, "--json")
	if err != nil {
		t.Fatal(err)
	}
	res := jsonLines[core.StowResult](t, out)[0]
	if len(res.Stored) != 1 || res.Stored[0].SOPInstanceUID != uid {
		t.Fatalf("pacs store = %s, want %s stored", out, uid)
	}
	if ok, err := srv.HasInstance(uid); !ok || err != nil {
		t.Errorf("Orthanc does not list the stored %s (%v)", uid, err)
	}
}

// TestPacsCLIErrors runs each failure against the real server and checks
// the exit code and the one line the user reads.
func TestPacsCLIErrors(t *testing.T) {
	srv := pacstest.Shared(t)
	stopped := pacstest.Start(t)
	stopped.Close()
	for _, tc := range []struct {
		name     string
		password string
		args     []string
		code     int
		want     []string
	}{
		{"wrong password", "not-the-password-42", []string{"pacs", "find", "--url", srv.DICOMweb}, 1, []string{srv.DICOMweb, "401", "password"}},
		{"stopped server", pacstest.Password, []string{"pacs", "find", "--url", stopped.DICOMweb}, 1, []string{stopped.DICOMweb, "does not answer", "running"}},
		{"unknown study", pacstest.Password, []string{"pacs", "get", "--url", srv.DICOMweb, "1.2.3.999"}, 2, []string{srv.DICOMweb, "no study 1.2.3.999"}},
		{"unknown source", pacstest.Password, []string{"prepare", strings.Replace(srv.DICOMweb, "http", "dicomweb", 1) + "/studies/1.2.3.998", "--out", "x.png"}, 2, []string{srv.DICOMweb, "no study 1.2.3.998"}},
		{"wrong root", pacstest.Password, []string{"pacs", "series", "--url", srv.URL + "/nope", "1.2.3"}, 2, []string{srv.URL + "/nope", "404", "DICOMweb root"}},
		{"no url", pacstest.Password, []string{"pacs", "find"}, 2, []string{"--url"}},
		{"bad date", pacstest.Password, []string{"pacs", "find", "--url", srv.DICOMweb, "--date", "2006-01-01"}, 2, []string{"--date", "YYYYMMDD"}},
		{"not a UID", pacstest.Password, []string{"pacs", "get", "--url", srv.DICOMweb, "../../x"}, 2, []string{"not a DICOM UID"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pacsEnv(t)
			t.Setenv(EnvPACSPassword, tc.password)
			var out, errb bytes.Buffer
			c := &cli{stdout: &out, stderr: &errb}
			err := c.run(append([]string{"--data-dir", t.TempDir()}, tc.args...))
			if err == nil {
				t.Fatalf("%v succeeded: %s", tc.args, out.String())
			}
			err = &maskedError{err: err, secrets: []string{tc.password}}
			msg := err.Error()
			if got := ExitCode(err); got != tc.code {
				t.Errorf("exit code %d, want %d (%s)", got, tc.code, msg)
			}
			if tc.code == 1 && strings.ContainsAny(strings.TrimSpace(msg), "\n") {
				t.Errorf("message is not one line: %q", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not say %q", msg, w)
				}
			}
			if strings.Contains(msg, tc.password) || out.Len() > 0 {
				t.Errorf("message %q holds the password, or stdout %q is not empty", msg, out.String())
			}
			t.Log(msg)
		})
	}
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestPacsAskImage asks the demo model about a dicomweb:// image: the
// image the model receives is the original file's.
func TestPacsAskImage(t *testing.T) {
	srv := pacstest.Shared(t)
	pacsEnv(t)
	dir := demoDataDir(t)
	sd := srv.Seed("3.dcm")
	out, err := runCLI("prepare", sd.Path, "--out", filepath.Join(t.TempDir(), "in.png"), "--json")
	if err != nil {
		t.Fatal(err)
	}
	var prep struct {
		SHA256 string `json:"sha256"`
	}
	json.Unmarshal([]byte(out), &prep)
	a := ask(t, "--data-dir", dir, "--model", core.DemoModelName, "--prompt", "Describe this MR", "--seed", "1", "--temperature", "0", "--num-predict", "4",
		"--image", source(srv, sd, true))
	if len(a.ImageSHA256) != 1 || a.ImageSHA256[0] != prep.SHA256 {
		t.Errorf("ask --image dicomweb://… sent images %v, want the original file's %s", a.ImageSHA256, prep.SHA256)
	}
}

// TestPacsServicesBackend goes through the methods the window's PACS tab
// calls: find, series, retrieve with progress, then OpenStudy on the
// folder.
func TestPacsServicesBackend(t *testing.T) {
	srv := pacstest.Shared(t)
	ctx := context.Background()
	s, err := NewServices(ctx, Config{DataDir: t.TempDir(), NoRuntime: true}, "test")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	server := core.PACSServer{URL: srv.DICOMweb, PACSAuth: core.PACSAuth{User: pacstest.User, Password: pacstest.Password}}
	sd := srv.Seed("5.dcm")
	studies, err := s.FindStudies(ctx, server, core.PACSQuery{Modality: "CT"})
	if err != nil || len(studies) != 1 || studies[0].UID != sd.Study {
		t.Fatalf("FindStudies = %v, %v; want the CT study", studies, err)
	}
	series, err := s.StudySeries(ctx, server, sd.Study)
	if err != nil || len(series) != 1 {
		t.Fatalf("StudySeries = %v, %v", series, err)
	}
	var reports []core.RetrieveProgress
	r, err := s.RetrieveStudy(ctx, server, sd.Study, []string{series[0].UID}, func(p core.RetrieveProgress) { reports = append(reports, p) })
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) == 0 || !reports[len(reports)-1].Done || reports[len(reports)-1].Bytes == 0 {
		t.Errorf("progress reports %+v, want a last one that is done with the bytes fetched", reports)
	}
	opened, _, err := s.OpenStudy(ctx, r.Dir, nil)
	if err != nil || len(opened) != 1 || len(opened[0].Slices) != 2 {
		t.Errorf("OpenStudy(%s) = %v, %v; want the CT series of 2 frames", r.Dir, opened, err)
	}
}
