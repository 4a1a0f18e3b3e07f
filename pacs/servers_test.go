package pacs_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/pacs"
)

// oneInstanceServer serves one series of one instance: its instance list,
// and file (a Part-10 DICOM file) whatever instance is asked for.
func oneInstanceServer(t *testing.T, sop string, file []byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/instances") {
			w.Header().Set("Content-Type", "application/dicom+json")
			w.Write([]byte(`[{"00080018":{"vr":"UI","Value":["` + sop + `"]}}]`))
			return
		}
		w.Header().Set("Content-Type", `multipart/related; type="application/dicom"; boundary=XyZ`)
		w.Write([]byte("--XyZ\r\nContent-Type: application/dicom\r\n\r\n"))
		w.Write(file)
		w.Write([]byte("\r\n--XyZ--\r\n"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestCacheKeepsServersApart (issue 26, item 4): the same study, series
// and instance UIDs retrieved from two servers are two sets of files, each
// server's own; and a server that answers with another instance than the
// one asked for is refused, nothing of it kept.
func TestCacheKeepsServersApart(t *testing.T) {
	mk := func(v int16) (string, []byte) {
		dir := t.TempDir()
		vol := dicomtest.Volume{Modality: "CT", Slices: 1, Rows: 8, Cols: 8, StudyUID: "2.25.77", SeriesUID: "2.25.78",
			Value: func(x, y, z int) int16 { return v }}
		paths, err := vol.Write(dir)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(paths[0])
		if err != nil {
			t.Fatal(err)
		}
		return "2.25.78.1", b
	}
	sop, fileA := mk(100)
	_, fileB := mk(900)
	a, b := oneInstanceServer(t, sop, fileA), oneInstanceServer(t, sop, fileB)
	cache, err := pacs.OpenCache(t.TempDir(), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	get := func(srv *httptest.Server) (core.Retrieved, error) {
		c, err := pacs.NewClient(srv.URL, pacs.Options{Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return c.Retrieve(context.Background(), cache, "2.25.77", []string{"2.25.78"}, nil)
	}
	ra, err := get(a)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := get(b)
	if err != nil {
		t.Fatal(err)
	}
	if ra.Dir == rb.Dir || rb.Fetched != 1 {
		t.Fatalf("server B's retrieve used %s (fetched %d), server A's %s: want its own files", rb.Dir, rb.Fetched, ra.Dir)
	}
	for _, tc := range []struct {
		dir  string
		want []byte
	}{{ra.Dir, fileA}, {rb.Dir, fileB}} {
		got, err := os.ReadFile(filepath.Join(tc.dir, sop+".dcm"))
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("%s does not hold its server's file (%v)", tc.dir, err)
		}
	}

	// A server that sends the instance of other UIDs than asked.
	liar := oneInstanceServer(t, "2.25.78.999", fileA)
	rl, err := get(liar)
	if !errors.Is(err, pacs.ErrMalformed) || !strings.Contains(err.Error(), "when asked for") {
		t.Fatalf("an instance under the wrong UIDs: %v, want a malformed answer", err)
	}
	if _, err := os.Stat(filepath.Join(rl.Dir, "2.25.78.999.dcm")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the wrong instance was kept: %v", err)
	}
}
