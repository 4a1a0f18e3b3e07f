package pacs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// hostile is a DICOMweb server of our own that misbehaves as no real one
// can be made to: answer writes the body of every request.
func hostile(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/dicom+json")
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestQueryTimeoutBoundsTheWholeAnswer (issue 26, item 10): a server that
// sends a byte every 200 ms never pauses long enough for a stall timer,
// but the query's time limit ends it all the same, as a timeout.
func TestQueryTimeoutBoundsTheWholeAnswer(t *testing.T) {
	c := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("["))
		for {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	})
	start := time.Now()
	_, err := c.FindStudies(context.Background(), core.PACSQuery{PatientID: "x"})
	if took := time.Since(start); err == nil || !errors.Is(err, ErrTimeout) || took > 3*time.Second {
		t.Errorf("a trickling answer: %v after %v, want ErrTimeout after about 1 s", err, took.Round(time.Millisecond))
	}
}

// TestQueryAnswersAreReadAsAStream (issue 26, item 11): an answer of
// empty objects is refused without being kept (and without reading it
// all), and a listing far longer than the limit asked is read only as far
// as the limit, the objects without a study UID dropped.
func TestQueryAnswersAreReadAsAStream(t *testing.T) {
	var written atomic.Int64
	c := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("["))
		for i := range 2_000_000 {
			var obj string
			switch {
			case strings.Contains(r.URL.RawQuery, "PatientID=empty"):
				obj = "{}"
			case i%2 == 0:
				obj = "{}"
			default:
				obj = fmt.Sprintf(`{"0020000D":{"vr":"UI","Value":["1.2.%d"]}}`, i)
			}
			if i > 0 {
				obj = "," + obj
			}
			n, err := w.Write([]byte(obj))
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
		w.Write([]byte("]"))
	})
	_, err := c.FindStudies(context.Background(), core.PACSQuery{PatientID: "empty", Limit: 100})
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "without the UID") {
		t.Errorf("2 million empty objects: %v, want a malformed answer", err)
	}
	written.Store(0)
	ss, err := c.FindStudies(context.Background(), core.PACSQuery{PatientID: "many", Limit: 100})
	if err != nil || len(ss) != 100 || ss[0].UID != "1.2.1" || ss[99].UID != "1.2.199" {
		t.Fatalf("2 million studies, limit 100: %d studies, %v", len(ss), err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := written.Load(); n > 8<<20 {
		t.Errorf("the server could write %d MiB of an answer cut at 100 studies", n>>20)
	}
}

// TestEndlessPartEndsAtTheCap (issue 26, item 9): a WADO answer whose one
// part never ends is cut when the instance cap is reached — the request
// ended, the part not drained — and the retrieve fails at once as too
// large, leaving no temporary file behind.
func TestEndlessPartEndsAtTheCap(t *testing.T) {
	var gone atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/instances") {
			w.Header().Set("Content-Type", "application/dicom+json")
			w.Write([]byte(`[{"00080018":{"vr":"UI","Value":["1.2.3.4"]}}]`))
			return
		}
		w.Header().Set("Content-Type", `multipart/related; type="application/dicom"; boundary=b0undary`)
		w.Write([]byte("--b0undary\r\nContent-Type: application/dicom\r\n\r\n"))
		zeros := make([]byte, 64<<10)
		for {
			if _, err := w.Write(zeros); err != nil {
				gone.Store(true)
				return
			}
		}
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL, Options{Timeout: 5 * time.Second, MaxInstanceBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cache, err := OpenCache(dir, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.Retrieve(context.Background(), cache, "1.2.3", []string{"1.2.3.1"}, nil)
	if took := time.Since(start); !errors.Is(err, ErrTooLarge) || took > 3*time.Second {
		t.Fatalf("an endless part: %v after %v, want ErrTooLarge at once", err, took.Round(time.Millisecond))
	}
	time.Sleep(200 * time.Millisecond)
	if !gone.Load() {
		t.Error("the server is still sending: the request was not ended")
	}
	cache.walk(func(p string, _ fs.FileInfo, tmp bool) {
		t.Errorf("left in the cache: %s", p)
	})
}

// TestHostileServerMessages (issue 26, item 17): an instance listed three
// times is fetched once; a broken multipart answer is named with one
// "multipart:", not two; a STOW answered with a redirect says so and
// where to, not "try again later".
func TestHostileServerMessages(t *testing.T) {
	var wado atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost:
			w.Header().Set("Location", "https://elsewhere.example/dicom-web/studies")
			w.WriteHeader(http.StatusTemporaryRedirect)
		case strings.HasSuffix(r.URL.Path, "/instances"):
			w.Header().Set("Content-Type", "application/dicom+json")
			one := `{"00080018":{"vr":"UI","Value":["1.2.3.4"]}}`
			w.Write([]byte("[" + one + "," + one + "," + one + "]"))
		default:
			wado.Add(1)
			w.Header().Set("Content-Type", `multipart/related; type="application/dicom"; boundary=b0undary`)
			w.Write([]byte(strings.Repeat("x", 70000) + "\r\n--b0undary\r\n"))
		}
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL, Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cache, err := OpenCache(t.TempDir(), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Retrieve(context.Background(), cache, "1.2.3", []string{"1.2.3.1"}, nil)
	if n := wado.Load(); n != 1 {
		t.Errorf("an instance listed 3 times was fetched %d times", n)
	}
	if err == nil || strings.Count(err.Error(), "multipart:") != 1 {
		t.Errorf("a broken multipart answer: %v", err)
	}
	files, err := dicomtest.Volume{Modality: "CT", Slices: 1, Rows: 4, Cols: 4, StudyUID: "2.25.1", SeriesUID: "2.25.2",
		Value: func(x, y, z int) int16 { return 0 }}.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Store(context.Background(), files[0])
	if err == nil || strings.Contains(err.Error(), "try again later") || !strings.Contains(err.Error(), "redirect") || !strings.Contains(err.Error(), "elsewhere.example") {
		t.Errorf("a STOW answered 307: %v", err)
	}
}
