package batch

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// fakeBackend answers every request after a delay, counting requests in
// flight; it honours ctx as the real ones do.
type fakeBackend struct {
	delay     time.Duration
	inFlight  atomic.Int32
	most      atomic.Int32
	calls     atomic.Int64
	failFirst int // answer this many calls 429 first
	failed    atomic.Int32
}

func (f *fakeBackend) Ask(ctx context.Context, req inference.Request) (int64, inference.Result, error) {
	id := f.calls.Add(1)
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.most.Load()
		if n <= m || f.most.CompareAndSwap(m, n) {
			break
		}
	}
	if int(f.failed.Add(1)) <= f.failFirst {
		err := fmt.Errorf("chat: %w", &inference.HTTPError{StatusCode: 429, Message: "slow down"})
		return id, inference.Result{Model: req.Model, Status: inference.StatusError, Error: err.Error()}, err
	}
	select {
	case <-time.After(f.delay):
	case <-ctx.Done():
		return id, inference.Result{Model: req.Model, Status: inference.StatusCancelled}, ctx.Err()
	}
	return id, inference.Result{Model: req.Model, Status: inference.StatusOK, Output: "answer to " + req.Prompt,
		ModelDigest: "sha256:abc", EvalCount: 8, DoneReason: "length", Truncated: true}, nil
}

func testSpec(t *testing.T) Spec {
	t.Helper()
	dir := dicomDir(t)
	items, err := LoadManifest(filepath.Join(dir, "manifest.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	prompts, err := LoadPrompts(filepath.Join(dir, "prompts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	seed := 1
	return Spec{Items: items, Prompts: prompts, Models: []string{"m1"}, Repeat: 2, Options: inference.Options{Seed: &seed, NumPredict: 8}}
}

func fakePrepare(path string) (inference.Image, error) {
	return inference.Image{PNG: []byte(path), SHA256: "png-of-" + filepath.Base(path)}, nil
}

// checkRows reads the result file and checks it has exactly the jobs'
// rows, each once, all ok.
func checkRows(t *testing.T, path string, jobs []Job) []Row {
	t.Helper()
	rows, truncated, err := ReadRows(path)
	if err != nil || truncated {
		t.Fatalf("ReadRows: %v (truncated %v)", err, truncated)
	}
	if len(rows) != len(jobs) {
		t.Fatalf("%d rows, want %d", len(rows), len(jobs))
	}
	for i, r := range rows {
		j := jobs[i]
		if r.Key != j.Key || r.ItemID != j.Item.ID || r.PromptName != j.Prompt.Name || r.Model != j.Model || r.Repetition != j.Repetition || r.Status != "ok" {
			t.Errorf("row %d = %s/%s/%s/%d %s, want job %s/%s/%s/%d", i, r.ItemID, r.PromptName, r.Model, r.Repetition, r.Status,
				j.Item.ID, j.Prompt.Name, j.Model, j.Repetition)
		}
	}
	return rows
}

func TestRunnerWritesOneRowPerRunWithBoundedConcurrency(t *testing.T) {
	spec := testSpec(t)
	spec.Models = []string{"m1", "m2"}
	jobs, err := spec.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 5*2*2*2 {
		t.Fatalf("%d jobs, want 5 items × 2 prompts × 2 models × 2 repetitions", len(jobs))
	}
	keys := map[string]bool{}
	for _, j := range jobs {
		keys[j.Key] = true
	}
	if len(keys) != len(jobs) {
		t.Errorf("%d distinct keys for %d jobs", len(keys), len(jobs))
	}
	path := filepath.Join(t.TempDir(), "out.jsonl")
	out, err := OpenOutput(path)
	if err != nil {
		t.Fatal(err)
	}
	be := &fakeBackend{delay: 5 * time.Millisecond}
	var progress []Progress
	r := &Runner{Backend: be, Concurrency: 3, Options: spec.Options, Prepare: fakePrepare, BackendName: "fake", IncludePHI: true,
		Progress: func(p Progress) { progress = append(progress, p) }}
	sum, err := r.Run(context.Background(), jobs, out)
	if err != nil || sum.OK != len(jobs) || sum.Failed+sum.Cancelled+sum.NotStarted != 0 {
		t.Fatalf("summary %+v, %v", sum, err)
	}
	if err := out.Finish(jobs, filepath.Join(filepath.Dir(path), "out.csv")); err != nil {
		t.Fatal(err)
	}
	if m := be.most.Load(); m != 3 {
		t.Errorf("at most %d requests in flight, want 3", m)
	}
	rows := checkRows(t, path, jobs)
	r0 := rows[0]
	if r0.Question == "" || r0.Answer != "C" || len(r0.Choices) != 4 || r0.Images[0] != "1.dcm" || len(r0.InputSHA256) != 1 ||
		r0.ImageSHA256[0] != "png-of-1.dcm" || r0.System == "" || !strings.Contains(r0.Prompt, "A. CT") ||
		r0.Options.NumPredict != 8 || r0.ModelDigest != "sha256:abc" || r0.RunID == 0 || r0.Attempts != 1 || r0.Backend != "fake" {
		t.Errorf("first row lacks provenance: %+v", r0)
	}
	if len(progress) != len(jobs) || progress[len(progress)-1].Done != len(jobs) {
		t.Errorf("%d progress calls, last %+v", len(progress), progress[len(progress)-1])
	}
	f, _ := os.Open(filepath.Join(filepath.Dir(path), "out.csv"))
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) != len(jobs)+1 || recs[0][0] != "item_id" || recs[1][0] != "pet-1" || recs[1][8] != "CT|MRI|PET|X-ray" {
		t.Errorf("CSV: %d records (%v), want %d; first %q", len(recs), err, len(jobs)+1, recs[:min(2, len(recs))])
	}
}

// TestInterruptAndResume stops a batch twice, by draining and by
// cancelling, and resumes it: in the end every run is there exactly once.
func TestInterruptAndResume(t *testing.T) {
	spec := testSpec(t)
	jobs, err := spec.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "out.jsonl")
	pending := func(out *Output) []Job {
		var p []Job
		for _, j := range jobs {
			if !out.Done(j.Key) {
				p = append(p, j)
			}
		}
		return p
	}

	// Drain after 3 rows: the runs in flight finish and are written.
	out, _ := OpenOutput(path)
	drain := make(chan struct{})
	var once sync.Once
	be := &fakeBackend{delay: 10 * time.Millisecond}
	r := &Runner{Backend: be, Concurrency: 2, Prepare: fakePrepare, Drain: drain,
		Progress: func(p Progress) {
			if p.Done == 3 {
				once.Do(func() { close(drain) })
			}
		}}
	sum, err := r.Run(context.Background(), jobs, out)
	if err != nil || sum.OK < 3 || sum.OK > 4 || sum.Cancelled != 0 || sum.NotStarted != len(jobs)-sum.OK {
		t.Fatalf("drained batch: %+v, %v", sum, err)
	}
	out.Finish(jobs, "")
	first, _, _ := ReadRows(path)
	if len(first) != sum.OK {
		t.Fatalf("%d rows written, %d ok", len(first), sum.OK)
	}

	// Cancel in the middle of runs: those are not written.
	out, _ = OpenOutput(path)
	left := pending(out)
	ctx, cancel := context.WithCancel(context.Background())
	r = &Runner{Backend: &fakeBackend{delay: 20 * time.Millisecond}, Concurrency: 2, Prepare: fakePrepare,
		Progress: func(p Progress) {
			if p.Done == 2 {
				cancel()
			}
		}}
	sum, err = r.Run(ctx, left, out)
	cancel()
	if err != nil || sum.OK < 2 || sum.Cancelled < 1 || sum.OK+sum.Cancelled+sum.NotStarted != len(left) {
		t.Fatalf("cancelled batch: %+v, %v", sum, err)
	}
	// A crash in the middle of a write leaves half a line.
	out.Close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"key":"half`)
	f.Close()

	out, err = OpenOutput(path)
	if err != nil {
		t.Fatal(err)
	}
	left = pending(out)
	if want := len(jobs) - len(first) - sum.OK; len(left) != want {
		t.Errorf("%d runs left after resuming, want %d", len(left), want)
	}
	sum, err = (&Runner{Backend: &fakeBackend{}, Concurrency: 4, Prepare: fakePrepare}).Run(context.Background(), left, out)
	if err != nil || sum.OK != len(left) {
		t.Fatalf("resumed batch: %+v, %v", sum, err)
	}
	out.Finish(jobs, "")
	rows := checkRows(t, path, jobs)
	// The rows of the first part are kept as they were.
	byKey := map[string]Row{}
	for _, r := range rows {
		byKey[r.Key] = r
	}
	for _, r := range first {
		if byKey[r.Key].RunID != r.RunID || !byKey[r.Key].StartedAt.Equal(r.StartedAt) {
			t.Errorf("row %s changed on resume", r.Key)
		}
	}
}

func TestRunnerRetriesAndRecordsFailures(t *testing.T) {
	spec := testSpec(t)
	spec.Items = spec.Items[:1]
	spec.Repeat = 1
	jobs, _ := spec.Jobs()
	jobs = jobs[:1]
	path := filepath.Join(t.TempDir(), "out.jsonl")
	out, _ := OpenOutput(path)
	be := &fakeBackend{failFirst: 2}
	r := &Runner{Backend: be, Concurrency: 1, Prepare: fakePrepare, Backoff: inference.Backoff{Retries: 3, Base: time.Millisecond, Max: 2 * time.Millisecond}}
	sum, err := r.Run(context.Background(), jobs, out)
	if err != nil || sum.OK != 1 {
		t.Fatalf("%+v, %v", sum, err)
	}
	out.Finish(jobs, "")
	rows, _, _ := ReadRows(path)
	if rows[0].Attempts != 3 || rows[0].Status != "ok" || be.calls.Load() != 3 {
		t.Errorf("attempts %d, status %s, calls %d; want 3, ok, 3", rows[0].Attempts, rows[0].Status, be.calls.Load())
	}

	// Out of retries: an error row, retried on the next run.
	out, _ = OpenOutput(path + "2")
	r.Backend = &fakeBackend{failFirst: 10}
	sum, _ = r.Run(context.Background(), jobs, out)
	var he *inference.HTTPError
	if sum.Failed != 1 || !errors.As(sum.FirstError, &he) || he.StatusCode != 429 {
		t.Errorf("summary %+v", sum)
	}
	out.Finish(jobs, "")
	if out, _ = OpenOutput(path + "2"); out.Done(jobs[0].Key) {
		t.Error("a failed run counts as done")
	}
	out.Close()

	// An image that cannot be prepared fails its runs with that error.
	bad := errors.New("bad pixels")
	out, _ = OpenOutput(path + "3")
	r = &Runner{Backend: &fakeBackend{}, Prepare: func(string) (inference.Image, error) { return inference.Image{}, bad }}
	sum, _ = r.Run(context.Background(), jobs, out)
	out.Finish(jobs, "")
	rows, _, _ = ReadRows(path + "3")
	if sum.Failed != 1 || !errors.Is(sum.FirstError, bad) || rows[0].Status != "error" || rows[0].Error != "image 1: bad pixels" {
		t.Errorf("summary %+v, rows %+v", sum, rows)
	}
}

func TestOutputRefusesForeignFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	write(t, path, `{"key":"a","status":"ok"}`+"\nnot json\n"+`{"key":"b","status":"ok"}`+"\n")
	_, err := OpenOutput(path)
	var ie *InputError
	if !errors.As(err, &ie) || ie.Line != 2 {
		t.Errorf("err %v, want line 2", err)
	}
	// Error rows and duplicates are dropped when it is opened.
	write(t, path, `{"key":"a","status":"ok","run_id":1}`+"\n"+`{"key":"b","status":"error"}`+"\n"+`{"key":"a","status":"ok","run_id":2}`+"\n")
	out, err := OpenOutput(path)
	if err != nil {
		t.Fatal(err)
	}
	out.Close()
	rows, _, _ := ReadRows(path)
	if len(rows) != 1 || rows[0].Key != "a" || rows[0].RunID != 2 || !out.Done("a") || out.Done("b") {
		t.Errorf("rows %+v", rows)
	}
}

// TestHugeQuestionIsStoredBounded (issue 26, item 15): a 3 MB question
// (what a runtime refuses) is kept in its row as at most about
// core.MaxStoredText of its text and the whole text's size and SHA-256,
// its rendered prompt too, not 3 MB twice over, however often it is run.
func TestHugeQuestionIsStoredBounded(t *testing.T) {
	spec := testSpec(t)
	jobs, err := spec.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	huge := strings.Repeat("Is there a nodule? ", 3<<20/19)
	jobs = jobs[:1]
	jobs[0].Item.Question = huge
	jobs[0].Text = huge
	path := filepath.Join(t.TempDir(), "out.jsonl")
	out, err := OpenOutput(path)
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Backend: &fakeBackend{}, Concurrency: 1, Options: spec.Options, Prepare: fakePrepare, BackendName: "fake"}
	if _, err := r.Run(context.Background(), jobs, out); err != nil {
		t.Fatal(err)
	}
	out.Finish(jobs, "")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 7*core.MaxStoredText/2 { // question, prompt and (here) an answer echoing it, each bounded
		t.Errorf("a row of a %d-byte question takes %d bytes", len(huge), fi.Size())
	}
	rows, _, _ := ReadRows(path)
	if len(rows) != 1 || !strings.Contains(rows[0].Question, "more bytes not kept") || !strings.Contains(rows[0].Prompt, "SHA-256") {
		t.Errorf("the row does not say what was left out: %d rows", len(rows))
	}
}
