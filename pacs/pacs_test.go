package pacs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/pacs"
	"github.com/medgemma-workbench/medgemma-workbench/pacs/pacstest"
)

func TestMain(m *testing.M) { os.Exit(pacstest.Main(m)) }

// client is a client of srv as its registered user, over tr (may be
// nil), fetching one instance at a time.
func client(t *testing.T, srv *pacstest.Server, tr http.RoundTripper) *pacs.Client {
	t.Helper()
	c, err := pacs.NewClient(srv.DICOMweb, pacs.Options{Auth: core.PACSAuth{User: pacstest.User, Password: pacstest.Password}, Transport: tr, Timeout: 10 * time.Second, Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func studyUIDs(ss []core.PACSStudy) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.UID)
	}
	sort.Strings(out)
	return out
}

func sorted(s ...string) []string { sort.Strings(s); return s }

func TestFindStudies(t *testing.T) {
	srv := pacstest.Shared(t)
	c := client(t, srv, nil)
	s1, s2, s3, s4, s5 := srv.Seed("1.dcm").Study, srv.Seed("2.dcm").Study, srv.Seed("3.dcm").Study, srv.Seed("4.dcm").Study, srv.Seed("5.dcm").Study
	for _, tc := range []struct {
		name string
		q    core.PACSQuery
		want []string
	}{
		{"all", core.PACSQuery{}, sorted(s1, s2, s3, s4, s5)},
		{"patient id", core.PACSQuery{PatientID: "ACRIN-FLT-Breast_029"}, []string{s1}},
		{"patient name wildcard", core.PACSQuery{PatientName: "ACRIN*"}, sorted(s1, s2)},
		{"modality", core.PACSQuery{Modality: "CT"}, []string{s5}},
		{"date range", core.PACSQuery{DateFrom: "20061201", DateTo: "20061231"}, sorted(s3, s5)},
		{"open date range", core.PACSQuery{DateFrom: "20100101"}, []string{s4}},
		{"accession", core.PACSQuery{Accession: "5534634656957015"}, []string{s3}},
		{"nothing", core.PACSQuery{PatientID: "nobody"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.FindStudies(context.Background(), tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if g := studyUIDs(got); fmt.Sprint(g) != fmt.Sprint(tc.want) {
				t.Errorf("studies = %v, want %v", g, tc.want)
			}
		})
	}
	t.Run("study facts", func(t *testing.T) {
		got, err := c.FindStudies(context.Background(), core.PACSQuery{PatientID: "ACRIN-FLT-Breast_029"})
		if err != nil || len(got) != 1 {
			t.Fatal(got, err)
		}
		s := got[0]
		if s.PatientName != "ACRIN-FLT-Breast_029" || s.Date != "19600614" || fmt.Sprint(s.Modalities) != "[PT]" || s.Series != 1 || s.Instances != 1+pacstest.MultiCopies {
			t.Errorf("study = %+v, want patient ACRIN-FLT-Breast_029, 19600614, [PT], 1 series of %d instances", s, 1+pacstest.MultiCopies)
		}
	})
	t.Run("description", func(t *testing.T) {
		all, _ := c.FindStudies(context.Background(), core.PACSQuery{})
		var d core.PACSStudy
		for _, s := range all {
			if s.Description != "" {
				d = s
			}
		}
		if d.UID == "" {
			t.Fatal("no sample study has a description")
		}
		// Orthanc 1.10 does not percent-decode a query: a wildcard stands
		// for the spaces.
		q := strings.ReplaceAll(d.Description, " ", "?")
		got, err := c.FindStudies(context.Background(), core.PACSQuery{Description: q})
		if err != nil || len(got) != 1 || got[0].UID != d.UID {
			t.Errorf("description %q: %v, %v; want %s", q, studyUIDs(got), err, d.UID)
		}
	})
	t.Run("paging", func(t *testing.T) {
		var pages []string
		for off := 0; off < 6; off += 2 {
			got, err := c.FindStudies(context.Background(), core.PACSQuery{Limit: 2, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			if want := min(2, 5-off); len(got) != want {
				t.Errorf("offset %d limit 2: %d studies, want %d", off, len(got), want)
			}
			pages = append(pages, studyUIDs(got)...)
		}
		sort.Strings(pages)
		if fmt.Sprint(pages) != fmt.Sprint(sorted(s1, s2, s3, s4, s5)) {
			t.Errorf("pages together = %v, want every study once", pages)
		}
	})
	t.Run("bad date", func(t *testing.T) {
		if _, err := c.FindStudies(context.Background(), core.PACSQuery{DateFrom: "2006-12-01"}); err == nil || !strings.Contains(err.Error(), "YYYYMMDD") {
			t.Errorf("err = %v, want one asking for YYYYMMDD", err)
		}
	})
}

func TestSeriesAndInstances(t *testing.T) {
	srv := pacstest.Shared(t)
	c := client(t, srv, nil)
	sd := srv.Seed("1.dcm")
	series, err := c.SeriesOf(context.Background(), sd.Study)
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 1 || series[0].UID != sd.Series || series[0].Modality != "PT" || series[0].Instances != 1+pacstest.MultiCopies {
		t.Fatalf("series = %+v, want one PT series %s of %d instances", series, sd.Series, 1+pacstest.MultiCopies)
	}
	ins, err := c.Instances(context.Background(), sd.Study, sd.Series)
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, in := range ins {
		got = append(got, in.UID)
	}
	for _, s := range srv.SeriesSeeds(sd.Series) {
		want = append(want, s.SOP)
	}
	sort.Strings(got)
	sort.Strings(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("instances = %v, want %v", got, want)
	}
}

// cacheFiles lists the cache's files, relative to it.
func cacheFiles(t *testing.T, dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// TestRetrieveResumesAfterCancel cancels a retrieve after two of the
// series' four instances, and checks that the cache then holds exactly
// those two whole files and that the retrieve run again fetches only the
// other two; the files are the server's bytes and open with the loader.
func TestRetrieveResumesAfterCancel(t *testing.T) {
	srv := pacstest.Shared(t)
	count := &pacstest.Counter{}
	c := client(t, srv, count)
	cache, err := pacs.OpenCache(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	sd := srv.Seed("1.dcm")
	n := 1 + pacstest.MultiCopies
	ctx, cancel := context.WithCancel(context.Background())
	var last core.RetrieveProgress
	_, err = c.Retrieve(ctx, cache, sd.Study, nil, func(p core.RetrieveProgress) {
		last = p
		if p.Instances == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled retrieve: err = %v, want context.Canceled", err)
	}
	if got := count.Retrieves(); got != 2 {
		t.Errorf("cancelled retrieve fetched %d instances, want 2", got)
	}
	if last.Total != n || last.Instances != 2 || last.Bytes == 0 || last.Rate <= 0 || last.ETA <= 0 {
		t.Errorf("progress at cancel = %+v, want 2 of %d with bytes, rate and ETA", last, n)
	}
	files := cacheFiles(t, cache.Dir())
	if len(files) != 2 {
		t.Fatalf("cache after cancel holds %v, want 2 instance files and nothing half written", files)
	}

	count.Reset()
	res, err := c.Retrieve(context.Background(), cache, sd.Study, nil, func(p core.RetrieveProgress) { last = p })
	if err != nil {
		t.Fatal(err)
	}
	if got := count.Retrieves(); got != n-2 {
		t.Errorf("resumed retrieve fetched %d instances, want only the %d missing; requests: %v", got, n-2, count.Requests())
	}
	if res.Fetched != n-2 || res.Cached != 2 || res.Instances != n || !last.Done {
		t.Errorf("resumed retrieve = %+v (last progress %+v), want %d fetched, 2 cached", res, last, n-2)
	}
	if res.Dir != cache.ForServer(c.URL()).SeriesDir(sd.Study, sd.Series) {
		t.Errorf("dir = %s, want the series folder", res.Dir)
	}
	for _, s := range srv.SeriesSeeds(sd.Series) {
		want, _ := os.ReadFile(s.Path)
		got, err := os.ReadFile(filepath.Join(res.Dir, s.SOP+".dcm"))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("cached %s differs from the stored file (%v)", s.SOP, err)
		}
	}
	series, skipped, err := dicomview.OpenSeries(res.Dir)
	if err != nil || len(skipped) > 0 || len(series) != 1 || len(series[0].Slices) != n {
		t.Fatalf("the loader opens %v (skipped %v, err %v), want one series of %d slices", series, skipped, err, n)
	}

	count.Reset()
	if _, err := c.Retrieve(context.Background(), cache, sd.Study, []string{sd.Series}, nil); err != nil || count.Retrieves() != 0 {
		t.Errorf("third retrieve: %d fetches, err %v; want none, all cached", count.Retrieves(), err)
	}
}

// TestParallelRetrieveResumes is the same with two fetches at once: a
// cancel may stop some in flight, and the cache then holds only whole
// instances; the retrieve run again fetches exactly those it lacks.
func TestParallelRetrieveResumes(t *testing.T) {
	srv := pacstest.Shared(t)
	count := &pacstest.Counter{}
	c, err := pacs.NewClient(srv.DICOMweb, pacs.Options{Auth: core.PACSAuth{User: pacstest.User, Password: pacstest.Password}, Transport: count, Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	cache := mustCache(t)
	sd := srv.Seed("1.dcm")
	n := 1 + pacstest.MultiCopies
	ctx, cancel := context.WithCancel(context.Background())
	_, err = c.Retrieve(ctx, cache, sd.Study, nil, func(p core.RetrieveProgress) {
		if p.Instances == 1 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled retrieve: err = %v, want context.Canceled", err)
	}
	files := cacheFiles(t, cache.Dir())
	for _, f := range files {
		if !strings.HasSuffix(f, ".dcm") || strings.Contains(f, ".tmp-") {
			t.Errorf("cache holds %s after the cancel, not a whole instance", f)
		}
	}
	k := len(files)
	if k < 1 || k >= n {
		t.Fatalf("cache holds %d instances after the cancel, want 1 to %d", k, n-1)
	}
	count.Reset()
	var reports int
	res, err := c.Retrieve(context.Background(), cache, sd.Study, nil, func(core.RetrieveProgress) { reports++ })
	if err != nil {
		t.Fatal(err)
	}
	if got := count.Retrieves(); got != n-k || res.Fetched != n-k || res.Cached != k {
		t.Errorf("resumed retrieve fetched %d (%+v), want the %d missing", got, res, n-k)
	}
	if reports != n+1 {
		t.Errorf("%d progress reports, want one an instance and a last one: %d", reports, n+1)
	}
}

func TestRetrieveCacheCap(t *testing.T) {
	srv := pacstest.Shared(t)
	c := client(t, srv, nil)
	a, b := srv.Seed("2.dcm"), srv.Seed("3.dcm")
	t.Run("least recently used goes", func(t *testing.T) {
		cache, err := pacs.OpenCache(t.TempDir(), 100_000) // one sample file fits, not two
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Retrieve(context.Background(), cache, a.Study, nil, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Retrieve(context.Background(), cache, b.Study, nil, nil); err != nil {
			t.Fatal(err)
		}
		files := cacheFiles(t, cache.Dir())
		if len(files) != 1 || !strings.Contains(files[0], b.SOP) {
			t.Errorf("cache holds %v, want only the later study's %s", files, b.SOP)
		}
		if cache.Size() > cache.Max() {
			t.Errorf("cache holds %d bytes, over its cap %d", cache.Size(), cache.Max())
		}
	})
	t.Run("retrieve over the cap is refused", func(t *testing.T) {
		cache, err := pacs.OpenCache(t.TempDir(), 100_000)
		if err != nil {
			t.Fatal(err)
		}
		sd := srv.Seed("1.dcm") // four instances of 65 KB
		_, err = c.Retrieve(context.Background(), cache, sd.Study, nil, nil)
		if !errors.Is(err, pacs.ErrTooLarge) || !strings.Contains(err.Error(), "cache's cap") || !strings.Contains(err.Error(), srv.DICOMweb) {
			t.Fatalf("err = %v, want a refusal naming the server and the cache's cap", err)
		}
		for _, f := range cacheFiles(t, cache.Dir()) {
			if strings.Contains(f, ".tmp-") {
				t.Errorf("half-written file %s left in the cache", f)
			}
		}
	})
}

func TestStore(t *testing.T) {
	srv := pacstest.Start(t) // storing changes the server
	c := client(t, srv, nil)
	sd := srv.Seed("2.dcm")
	data, err := os.ReadFile(sd.Path)
	if err != nil {
		t.Fatal(err)
	}
	var files, uids []string
	for k := 1; k <= 2; k++ {
		uid := sd.SOP[:len(sd.SOP)-2] + fmt.Sprintf("%02d", 50+k)
		cp, err := pacstest.CopyWithUID(data, sd.SOP, uid)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "new.dcm")
		if err := os.WriteFile(p, cp, 0o600); err != nil {
			t.Fatal(err)
		}
		files, uids = append(files, p), append(uids, uid)
	}
	res, err := c.Store(context.Background(), files...)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range res.Stored {
		got = append(got, s.SOPInstanceUID)
		if !strings.Contains(s.RetrieveURL, s.SOPInstanceUID) {
			t.Errorf("stored %s: retrieve URL %q does not name it", s.SOPInstanceUID, s.RetrieveURL)
		}
	}
	if fmt.Sprint(sorted(got...)) != fmt.Sprint(sorted(uids...)) || !strings.Contains(res.RetrieveURL, sd.Study) {
		t.Errorf("stored %v (study URL %q), want %v in study %s", got, res.RetrieveURL, uids, sd.Study)
	}
	for _, uid := range uids {
		if ok, err := srv.HasInstance(uid); err != nil || !ok {
			t.Errorf("Orthanc's REST API does not list %s (%v)", uid, err)
		}
	}
	t.Run("not DICOM", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "note.txt")
		os.WriteFile(p, []byte("not a DICOM file"), 0o600)
		if _, err := c.Store(context.Background(), p); err == nil || !strings.Contains(err.Error(), "note.txt") || !strings.Contains(err.Error(), "Part-10") {
			t.Errorf("err = %v, want a refusal naming note.txt as not Part-10", err)
		}
	})
}

// checkMessage checks an error's text: one line, naming the server,
// saying what to do, holding no credential.
func checkMessage(t *testing.T, err error, server string, secrets ...string) {
	t.Helper()
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\r") {
		t.Errorf("message is not one line: %q", msg)
	}
	if !strings.Contains(msg, server) {
		t.Errorf("message %q does not name the server %s", msg, server)
	}
	if !strings.Contains(msg, "; ") {
		t.Errorf("message %q says nothing of what to do", msg)
	}
	for _, s := range secrets {
		if strings.Contains(msg, s) {
			t.Errorf("message %q holds the credential %q", msg, s)
		}
	}
	t.Log(msg)
}

func TestErrors(t *testing.T) {
	srv := pacstest.Shared(t)
	sd := srv.Seed("3.dcm")
	ctx := context.Background()
	t.Run("wrong password", func(t *testing.T) {
		c, _ := pacs.NewClient(srv.DICOMweb, pacs.Options{Auth: core.PACSAuth{User: pacstest.User, Password: "wrong-password-123"}})
		_, err := c.FindStudies(ctx, core.PACSQuery{})
		if !errors.Is(err, pacs.ErrUnauthorized) {
			t.Fatalf("err = %v, want ErrUnauthorized", err)
		}
		checkMessage(t, err, srv.DICOMweb, "wrong-password-123")
	})
	t.Run("password in the URL", func(t *testing.T) {
		u := strings.Replace(srv.DICOMweb, "://", "://test:wrong-password-456@", 1)
		c, _ := pacs.NewClient(u, pacs.Options{})
		_, err := c.SeriesOf(ctx, sd.Study)
		if !errors.Is(err, pacs.ErrUnauthorized) {
			t.Fatalf("err = %v, want ErrUnauthorized", err)
		}
		checkMessage(t, err, srv.DICOMweb, "wrong-password-456")
	})
	t.Run("no credentials", func(t *testing.T) {
		c, _ := pacs.NewClient(srv.DICOMweb, pacs.Options{})
		_, err := c.FindStudies(ctx, core.PACSQuery{})
		if !errors.Is(err, pacs.ErrUnauthorized) || !strings.Contains(err.Error(), "wants credentials") {
			t.Fatalf("err = %v, want ErrUnauthorized asking for credentials", err)
		}
	})
	t.Run("unknown study", func(t *testing.T) {
		c := client(t, srv, nil)
		_, err := c.Retrieve(ctx, mustCache(t), "1.2.3.4.5.6.7", nil, nil)
		if !errors.Is(err, pacs.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
		checkMessage(t, err, srv.DICOMweb, pacstest.Password)
	})
	t.Run("unknown series", func(t *testing.T) {
		c := client(t, srv, nil)
		_, err := c.Retrieve(ctx, mustCache(t), sd.Study, []string{"1.2.3.4.5.6.8"}, nil)
		if !errors.Is(err, pacs.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
		checkMessage(t, err, srv.DICOMweb, pacstest.Password)
	})
	t.Run("not a UID", func(t *testing.T) {
		c := client(t, srv, nil)
		if _, err := c.Retrieve(ctx, mustCache(t), "../../etc", nil, nil); !errors.Is(err, pacs.ErrBadUID) {
			t.Fatalf("err = %v, want ErrBadUID", err)
		}
	})
	t.Run("wrong root", func(t *testing.T) {
		c, _ := pacs.NewClient(srv.URL+"/no-such-root", pacs.Options{Auth: core.PACSAuth{User: pacstest.User, Password: pacstest.Password}})
		_, err := c.FindStudies(ctx, core.PACSQuery{})
		if !errors.Is(err, pacs.ErrNotFound) || !strings.Contains(err.Error(), "DICOMweb root") {
			t.Fatalf("err = %v, want ErrNotFound pointing at the DICOMweb root", err)
		}
	})
	t.Run("stopped server", func(t *testing.T) {
		own := pacstest.Start(t)
		c, _ := pacs.NewClient(own.DICOMweb, pacs.Options{Auth: core.PACSAuth{User: pacstest.User, Password: pacstest.Password}})
		if _, err := c.FindStudies(ctx, core.PACSQuery{}); err != nil {
			t.Fatal(err)
		}
		own.Close()
		_, err := c.FindStudies(ctx, core.PACSQuery{})
		if !errors.Is(err, pacs.ErrUnreachable) || !strings.Contains(err.Error(), "running") {
			t.Fatalf("err = %v, want ErrUnreachable saying to check the server is running", err)
		}
		checkMessage(t, err, own.DICOMweb, pacstest.Password)
	})
}

func mustCache(t *testing.T) *pacs.Cache {
	c, err := pacs.OpenCache(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestMalformedAndTimeout uses a fake server: Orthanc never sends a
// broken answer or stalls on purpose.
func TestMalformedAndTimeout(t *testing.T) {
	const study, series, sop = "1.2.3", "1.2.3.4", "1.2.3.4.5"
	instances := fmt.Sprintf(`[{"00080018":{"vr":"UI","Value":["%s"]}}]`, sop)
	for _, tc := range []struct {
		name     string
		instance http.HandlerFunc
		kind     error
		want     string
	}{
		{"not multipart", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/dicom")
			w.Write(make([]byte, 200))
		}, pacs.ErrMalformed, "not multipart/related"},
		{"no boundary", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", `multipart/related; type="application/dicom"`)
			w.Write([]byte("--x\r\n\r\nabc\r\n--x--\r\n"))
		}, pacs.ErrMalformed, "without a boundary"},
		{"broken parts", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", `multipart/related; type="application/dicom"; boundary=b0undary`)
			w.Write([]byte("this is no multipart body at all"))
		}, pacs.ErrMalformed, "multipart"},
		{"part not DICOM", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", `multipart/related; type="application/dicom"; boundary=b0undary`)
			w.Write([]byte("--b0undary\r\nContent-Type: application/dicom\r\n\r\nhello\r\n--b0undary--\r\n"))
		}, pacs.ErrMalformed, "Part-10"},
		{"cut off", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", `multipart/related; type="application/dicom"; boundary=b0undary`)
			w.Write([]byte("--b0undary\r\nContent-Type: application/dicom\r\n\r\n"))
			w.Write(append(make([]byte, 128), "DICM and then the connection drops"...))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}, pacs.ErrMalformed, "multipart"},
		{"stall", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, pacs.ErrTimeout, "no answer for"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("/dw/studies/"+study+"/series/"+series+"/instances", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/dicom+json")
				w.Write([]byte(instances))
			})
			mux.HandleFunc("/dw/studies/"+study+"/series/"+series+"/instances/"+sop, tc.instance)
			fake := httptest.NewServer(mux)
			defer fake.Close()
			c, _ := pacs.NewClient(fake.URL+"/dw", pacs.Options{Auth: core.PACSAuth{Token: "tok-secret-789"}, Timeout: 300 * time.Millisecond})
			cache := mustCache(t)
			_, err := c.Retrieve(context.Background(), cache, study, []string{series}, nil)
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %v saying %q", err, tc.kind, tc.want)
			}
			checkMessage(t, err, fake.URL+"/dw", "tok-secret-789")
			if files := cacheFiles(t, cache.Dir()); len(files) != 0 {
				t.Errorf("the failed retrieve left %v in the cache", files)
			}
		})
	}
	t.Run("forbidden", func(t *testing.T) {
		// The tests' Orthanc has one user who may do everything: a 403
		// comes from a fake, as from a PACS whose user may only read.
		fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "read-only user", http.StatusForbidden)
		}))
		defer fake.Close()
		c, _ := pacs.NewClient(fake.URL+"/dw", pacs.Options{Auth: core.PACSAuth{User: "reader", Password: "pw-secret-456"}})
		_, err := c.FindStudies(context.Background(), core.PACSQuery{})
		if !errors.Is(err, pacs.ErrForbidden) || !strings.Contains(err.Error(), "administrator") {
			t.Fatalf("err = %v, want ErrForbidden saying whom to ask", err)
		}
		checkMessage(t, err, fake.URL+"/dw", "pw-secret-456")
	})
	t.Run("malformed JSON", func(t *testing.T) {
		fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<html>login</html>"))
		}))
		defer fake.Close()
		c, _ := pacs.NewClient(fake.URL, pacs.Options{})
		_, err := c.FindStudies(context.Background(), core.PACSQuery{})
		if !errors.Is(err, pacs.ErrMalformed) {
			t.Fatalf("err = %v, want ErrMalformed", err)
		}
		checkMessage(t, err, fake.URL)
	})
}

// TestBearerTokenGoesToItsServerOnly checks the Authorization header a
// token client sends, and that a redirect elsewhere drops it.
func TestBearerTokenGoesToItsServerOnly(t *testing.T) {
	var other string
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other = r.Header.Get("Authorization")
		w.Write([]byte("[]"))
	}))
	defer elsewhere.Close()
	var got string
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		http.Redirect(w, r, elsewhere.URL+"/studies", http.StatusFound)
	}))
	defer fake.Close()
	c, _ := pacs.NewClient(fake.URL, pacs.Options{Auth: core.PACSAuth{Token: "tok-abc"}})
	if _, err := c.FindStudies(context.Background(), core.PACSQuery{}); err != nil {
		t.Fatal(err)
	}
	if got != "Bearer tok-abc" || other != "" {
		t.Errorf("Authorization: to the server %q, after the redirect %q; want Bearer tok-abc, then nothing", got, other)
	}
}

func TestParseSource(t *testing.T) {
	for _, tc := range []struct {
		in, base, study, series, err string
	}{
		{"dicomweb://pacs:8042/dicom-web/studies/1.2.3", "http://pacs:8042/dicom-web", "1.2.3", "", ""},
		{"dicomweb://pacs:8042/dicom-web/studies/1.2.3/series/1.2.3.4", "http://pacs:8042/dicom-web", "1.2.3", "1.2.3.4", ""},
		{"dicomwebs://u:p@pacs/a/b/studies/1.2", "https://u:p@pacs/a/b", "1.2", "", ""},
		{"dicomweb://pacs:8042/studies/1.2", "http://pacs:8042", "1.2", "", ""},
		{"dicomweb://pacs:8042/dicom-web", "", "", "", "no /studies/UID"},
		{"dicomweb://pacs:8042/studies/..", "", "", "", "not a DICOM UID"},
		{"dicomweb:///studies/1.2", "", "", "", "no host"},
	} {
		s, err := pacs.ParseSource(tc.in)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err = %v, want %q", tc.in, err, tc.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.in, err)
		case s.Base != tc.base || s.Study != tc.study || s.Series != tc.series:
			t.Errorf("%s = %+v, want %s %s %s", tc.in, s, tc.base, tc.study, tc.series)
		}
	}
	if s, _ := pacs.ParseSource("dicomweb://u:secret@pacs:8042/dw/studies/1.2/series/3.4"); s.String() != "dicomweb://pacs:8042/dw/studies/1.2/series/3.4" {
		t.Errorf("String = %s, want the URL without credentials", s.String())
	}
}
