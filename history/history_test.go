package history

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// openTest opens a fresh store in a temporary directory and closes it when
// the test ends.
func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// testImage returns a small gray PNG whose pixels depend on v, with its hash.
func testImage(t *testing.T, v uint8, source string) ImageRecord {
	t.Helper()
	m := image.NewGray(image.Rect(0, 0, 3, 2))
	for i := range m.Pix {
		m.Pix[i] = v + uint8(i)
	}
	m.SetGray(0, 0, color.Gray{Y: v})
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return ImageRecord{
		SHA256: hex.EncodeToString(sum[:]), PNG: buf.Bytes(), Source: source,
		Frame: int(v), WindowCenter: 40, WindowWidth: 400, Encoding: "gray8", Width: 3, Height: 2,
	}
}

func ptr[T any](v T) *T { return &v }

// prompts returns the runs' prompts, in order.
func prompts(runs []core.Run) []string {
	var out []string
	for _, r := range runs {
		out = append(out, r.Prompt)
	}
	return out
}

// equalRuns reports whether two runs are the same, comparing times as
// instants.
func equalRuns(a, b core.Run) bool {
	if !a.StartedAt.Equal(b.StartedAt) || !a.FinishedAt.Equal(b.FinishedAt) {
		return false
	}
	a.StartedAt, a.FinishedAt, b.StartedAt, b.FinishedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return reflect.DeepEqual(a, b)
}

func TestSaveRunRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	session, err := s.StartSession(ctx, "cli ask", "0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	img1, img2 := testImage(t, 10, "ct.dcm"), testImage(t, 200, "mr.dcm")
	for _, img := range []ImageRecord{img1, img2} {
		if err := s.PutImage(ctx, img); err != nil {
			t.Fatal(err)
		}
	}
	berlin := time.FixedZone("CET", 3600)
	started := time.Date(2025, 3, 1, 12, 0, 0, 123456789, berlin)

	tests := []struct {
		name string
		run  core.Run
	}{
		{"two images", core.Run{
			SessionID: session, StartedAt: started, FinishedAt: started.Add(3*time.Second + 7),
			Source: "mr.dcm,ct.dcm", ImageSHA256: []string{img2.SHA256, img1.SHA256},
			System: "You are a radiologist.", Prompt: "Compare these.\nBe brief: «ünïcödé»",
			Model: "medgemma:4b", ModelDigest: "sha256:abc", RuntimeVersion: "0.17.4",
			Options: core.Options{Seed: ptr(42), Temperature: ptr(0.0), NumPredict: 256, NumCtx: 8192},
			Output:  "No acute findings.", PromptEvalCount: 300, EvalCount: 20,
			TotalDuration: 3 * time.Second, LoadDuration: time.Second + 1, PromptEvalDuration: 500 * time.Millisecond,
			EvalDuration: 1500*time.Millisecond + 3, FirstToken: 1600 * time.Millisecond,
			DoneReason: "stop", Status: core.StatusOK,
		}},
		{"cancelled without images, session or finish time", core.Run{
			StartedAt: started, Prompt: "Describe.", Model: "demo-medgemma-arch",
			Output: "partial", Status: core.StatusCancelled,
		}},
		{"error", core.Run{
			SessionID: session, StartedAt: started, FinishedAt: started.Add(time.Millisecond),
			Source: "ct.dcm", ImageSHA256: []string{img1.SHA256}, Model: "medgemma:4b",
			Status: core.StatusError, Error: "runtime exited: signal: killed",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.run
			id, err := s.SaveRun(ctx, &in)
			if err != nil {
				t.Fatal(err)
			}
			if id == 0 || in.ID != id {
				t.Fatalf("SaveRun returned id %d and set ID %d", id, in.ID)
			}
			got, err := s.Run(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.run
			want.ID = id
			if !equalRuns(*got, want) {
				t.Errorf("Run(%d) =\n%+v\nwant\n%+v", id, *got, want)
			}
			if loc := got.StartedAt.Location(); loc != time.UTC {
				t.Errorf("StartedAt location = %v, want UTC", loc)
			}
		})
	}

	for _, img := range []ImageRecord{img1, img2} {
		got, err := s.ImagePNG(ctx, img.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, img.PNG) {
			t.Errorf("ImagePNG(%s) differs from what was stored", img.SHA256)
		}
	}
}

func TestSaveRunValidation(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	stored := testImage(t, 1, "a.dcm")
	if err := s.PutImage(ctx, stored); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	tests := []struct {
		name string
		run  core.Run
	}{
		{"image not stored", core.Run{StartedAt: started, ImageSHA256: []string{stored.SHA256, testImage(t, 2, "b.dcm").SHA256}}},
		{"unknown session", core.Run{StartedAt: started, SessionID: 99}},
		{"zero start time", core.Run{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.SaveRun(ctx, &tt.run); err == nil {
				t.Fatal("SaveRun succeeded, want error")
			}
			runs, err := s.Runs(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(runs) != 0 {
				t.Errorf("failed SaveRun left %d runs behind", len(runs))
			}
		})
	}
}

func TestPutImage(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	img := testImage(t, 7, "first.dcm")
	again := img
	again.Source = "second.dcm"
	corrupt := img
	corrupt.PNG = append([]byte(nil), img.PNG...)
	corrupt.PNG[len(corrupt.PNG)-1] ^= 1
	upper := testImage(t, 8, "x.dcm")
	upper.SHA256 = string(bytes.ToUpper([]byte(upper.SHA256)))

	tests := []struct {
		name    string
		img     ImageRecord
		wantErr bool
	}{
		{"first put", img, false},
		{"same image again", img, false},
		{"same bytes, other metadata", again, false},
		{"hash does not match bytes", corrupt, true},
		{"uppercase hash", upper, true},
		{"empty hash", ImageRecord{PNG: img.PNG}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.PutImage(ctx, tt.img)
			if (err != nil) != tt.wantErr {
				t.Fatalf("PutImage error = %v, want error %v", err, tt.wantErr)
			}
		})
	}

	var n int
	var source string
	if err := s.db.QueryRowContext(ctx, `SELECT count(*), max(source) FROM images`).Scan(&n, &source); err != nil {
		t.Fatal(err)
	}
	if n != 1 || source != "first.dcm" {
		t.Errorf("images: %d rows, source %q; want 1 row, source %q (first put wins)", n, source, "first.dcm")
	}
}

func TestRunsOrderAndLimit(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	// Saved out of order; b and c share a start time, so id breaks the tie.
	// a, a1 and a2 (0, 0.5 and 0.51 s) catch stored times that do not sort
	// as text, as RFC 3339 with trimmed fractions would not.
	starts := map[string]time.Time{
		"b":  t0.Add(time.Hour),
		"a2": t0.Add(510 * time.Millisecond),
		"a":  t0,
		"d":  t0.Add(2 * time.Hour),
		"c":  t0.Add(time.Hour),
		"a1": t0.Add(500 * time.Millisecond),
	}
	for _, p := range []string{"b", "a2", "a", "d", "c", "a1"} {
		if _, err := s.SaveRun(ctx, &core.Run{StartedAt: starts[p], Prompt: p, Status: core.StatusOK}); err != nil {
			t.Fatal(err)
		}
	}
	newestFirst := []string{"d", "c", "b", "a2", "a1", "a"}

	tests := []struct {
		limit int
		want  []string
	}{
		{0, newestFirst},
		{-1, newestFirst},
		{1, newestFirst[:1]},
		{3, newestFirst[:3]},
		{6, newestFirst},
		{100, newestFirst},
	}
	for _, tt := range tests {
		runs, err := s.Runs(ctx, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		got := prompts(runs)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Runs(%d) prompts = %v, want %v", tt.limit, got, tt.want)
		}
	}
}

func TestNotFound(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	tests := []struct {
		name string
		call func() error
	}{
		{"run", func() error { _, err := s.Run(ctx, 42); return err }},
		{"image", func() error { _, err := s.ImagePNG(ctx, testImage(t, 3, "x").SHA256); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, ErrNotFound) {
				t.Errorf("error = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestPragmas(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	// The settings are per connection; check several pool connections.
	for i := range 3 {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for _, p := range []struct {
			pragma, want string
		}{
			{"journal_mode", "wal"},
			{"foreign_keys", "1"},
			{"busy_timeout", "5000"},
			{"synchronous", "1"}, // NORMAL
		} {
			var got string
			if err := conn.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != p.want {
				t.Errorf("connection %d: PRAGMA %s = %q, want %q", i, p.pragma, got, p.want)
			}
		}
	}
}

func TestOpenAwkwardPath(t *testing.T) {
	// The path goes into a file: URI; these characters must be escaped.
	path := filepath.Join(t.TempDir(), "dir with space", "hist?ory #1 100%.db")
	if err := os.Mkdir(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartSession(context.Background(), "gui", "dev"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not at the path given: %v", err)
	}
}

func TestOpenError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "history.db")
	_, err := Open(path)
	if err == nil {
		t.Fatal("Open in a missing directory succeeded")
	}
	if want := "open history " + path + ": "; !bytes.HasPrefix([]byte(err.Error()), []byte(want)) {
		t.Errorf("error %q does not start with %q", err, want)
	}
}

func TestConcurrentOpen(t *testing.T) {
	// Processes starting together migrate a new file once, without "database
	// is locked": migration reads the version and then writes, which needs
	// BEGIN IMMEDIATE.
	path := filepath.Join(t.TempDir(), "history.db")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			s, err := Open(path)
			if err != nil {
				errs <- err
				return
			}
			errs <- s.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestConcurrentSaveRun(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	// Two stores on one file stand for the GUI and a CLI command.
	var stores [2]*Store
	for i := range stores {
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	img := testImage(t, 5, "ct.dcm")

	const workers, perWorker = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := range workers {
		wg.Go(func() {
			s := stores[w%len(stores)]
			session, err := s.StartSession(ctx, "cli ask", "dev")
			if err != nil {
				errs <- err
				return
			}
			for range perWorker {
				if err := s.PutImage(ctx, img); err != nil {
					errs <- err
					return
				}
				r := &core.Run{SessionID: session, StartedAt: time.Now(), ImageSHA256: []string{img.SHA256}, Status: core.StatusOK}
				if _, err := s.SaveRun(ctx, r); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	runs, err := stores[0].Runs(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[int64]bool{}
	for _, r := range runs {
		ids[r.ID] = true
		if len(r.ImageSHA256) != 1 {
			t.Errorf("run %d has %d images, want 1", r.ID, len(r.ImageSHA256))
		}
	}
	if len(runs) != workers*perWorker || len(ids) != workers*perWorker {
		t.Errorf("got %d runs with %d distinct ids, want %d", len(runs), len(ids), workers*perWorker)
	}
}
