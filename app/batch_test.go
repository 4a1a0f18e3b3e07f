package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// dicomBatch is a folder with the committed test manifest and prompts
// (batch/testdata/dicom) next to links to the dicom module's files.
func dicomBatch(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("..", "batch", "testdata", "dicom")
	for _, name := range []string{"manifest.jsonl", "manifest.csv", "prompts.yaml"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 5; i++ {
		name := fmt.Sprintf("%d.dcm", i)
		if err := os.Symlink(dicomtest.File(t, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// lines counts the complete lines of a file.
func lines(path string) int {
	b, _ := os.ReadFile(path)
	return bytes.Count(b, []byte("\n"))
}

// consistentRows reads a batch result and checks that every line is a
// whole ok row and no run is there twice.
func consistentRows(t *testing.T, path string) []batch.Row {
	t.Helper()
	rows, truncated, err := batch.ReadRows(path)
	if err != nil || truncated {
		t.Fatalf("%s: %v (truncated %v)", path, err, truncated)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		id := fmt.Sprintf("%s/%s/%s/%d", r.ItemID, r.PromptName, r.Model, r.Repetition)
		if seen[id] || seen[r.Key] {
			t.Errorf("run %s is in %s twice", id, path)
		}
		seen[id], seen[r.Key] = true, true
		if r.Status != "ok" || r.RunID == 0 {
			t.Errorf("row %s: status %s, run %d, error %q", id, r.Status, r.RunID, r.Error)
		}
	}
	return rows
}

// TestBatchDICOMManifest runs the DICOM test manifest × 2 prompts × the
// demo model × 2 repetitions (20 runs): interrupted in-process by
// cancelling its context, then as the real binary by SIGINT, then resumed
// to completion; every run is in the file once and in history. eval
// scores it. The same batch through the OpenAI-compatible path (Ollama's
// own /v1) gives the same rows.
func TestBatchDICOMManifest(t *testing.T) {
	dir := demoDataDir(t)
	m := dicomBatch(t)
	out := filepath.Join(m, "out.jsonl")
	const total = 5 * 2 * 1 * 2
	args := []string{"--data-dir", dir, "batch", "--manifest", filepath.Join(m, "manifest.jsonl"),
		"--prompts", filepath.Join(m, "prompts.yaml"), "--model", inference.DemoModelName, "--repeat", "2",
		"--num-predict", "8", "--seed", "1", "--temperature", "0", "--concurrency", "2", "--out", out}

	// 1. Cancel the context once 3 rows are written.
	c := &cli{stdout: new(bytes.Buffer), stderr: new(bytes.Buffer)}
	o, err := c.parseBatch(args[3:])
	if err != nil {
		t.Fatal(err)
	}
	c.cfg.DataDir = dir
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for lines(out) < 3 && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
	}()
	err = c.runBatch(ctx, nil, o)
	cancel()
	if ExitCode(err) != 1 || !strings.Contains(fmt.Sprint(err), "interrupted") {
		t.Fatalf("cancelled batch: exit %d, %v", ExitCode(err), err)
	}
	part1 := consistentRows(t, out)
	t.Logf("cancelled after %d rows: %v", len(part1), err)
	if len(part1) < 3 || len(part1) >= total {
		t.Fatalf("%d rows after cancelling, want 3 to %d", len(part1), total-1)
	}

	// 2. SIGINT to the real binary once 2 more rows are written: it
	// finishes the runs in flight and exits 1.
	cmd := exec.Command(binary(t), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Minute); lines(out) < len(part1)+2 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "stopping") || !strings.Contains(stderr.String(), "interrupted") {
		t.Fatalf("SIGINT: %v; stderr %q", err, stderr.String())
	}
	part2 := consistentRows(t, out)
	t.Logf("SIGINT after %d rows", len(part2))
	if len(part2) < len(part1)+2 || len(part2) >= total {
		t.Fatalf("%d rows after SIGINT, want %d to %d", len(part2), len(part1)+2, total-1)
	}

	// 3. Resume to the end.
	sumOut, err := runCLI(append(args, "--json")...)
	if err != nil {
		t.Fatal(err)
	}
	var sum batchSummary
	json.Unmarshal([]byte(sumOut), &sum)
	if sum.Runs != total || sum.Skipped != len(part2) || sum.OK != total-len(part2) || sum.Rows != total {
		t.Errorf("resumed: %+v", sum)
	}
	rows := consistentRows(t, out)
	if len(rows) != total {
		t.Fatalf("%d rows, want %d", len(rows), total)
	}
	byKey := map[string]batch.Row{}
	for _, r := range rows {
		byKey[r.Key] = r
	}
	for _, r := range part2 {
		if byKey[r.Key].RunID != r.RunID {
			t.Errorf("run %s/%s/%d was done again", r.ItemID, r.PromptName, r.Repetition)
		}
	}
	// A run again does nothing.
	if sumOut, err = runCLI(append(args, "--json")...); err != nil || !strings.Contains(sumOut, `"skipped":20`) {
		t.Errorf("a finished batch run again: %s, %v", sumOut, err)
	}

	// Every run is in history, as the row says.
	h := openHistory(t, dir)
	for i, r := range rows {
		run, err := h.Run(context.Background(), r.RunID)
		if err != nil {
			t.Fatalf("row %d: run %d: %v", i, r.RunID, err)
		}
		if run.Status != inference.StatusOK || run.Output != r.Output || run.Prompt != r.Prompt || run.System != r.System ||
			len(run.ImageSHA256) != 1 || run.ImageSHA256[0] != r.ImageSHA256[0] || run.ModelDigest != r.ModelDigest {
			t.Errorf("row %d: history has %+v", i, run)
		}
	}
	retries := 0
	for _, r := range rows {
		retries += r.Attempts - 1
	}
	t.Logf("%d requests retried at concurrency 2", retries)
	same := 0
	for i := 0; i+1 < len(rows); i += 2 {
		if rows[i].Output == rows[i+1].Output {
			same++
		}
	}
	// Not all: with two requests in flight the runner decodes them in one
	// batch, and the random weights' near-tied logits then tip either way.
	t.Logf("seed 1, temperature 0, 2 in flight: %d of %d repetition pairs gave the same output", same, total/2)

	// 4. eval prints the table, and writes CSV and a chart.
	table, err := runCLI("eval", out, "--csv", filepath.Join(m, "summary.csv"), "--chart", filepath.Join(m, "chart.png"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("eval:\n%s", table)
	tl := strings.Split(strings.TrimSpace(table), "\n")
	if len(tl) != 7 || !strings.HasPrefix(tl[0], "PROMPT") {
		t.Errorf("eval table has %d lines, want a header and 6 (2 prompts × mcq, yesno, f1)", len(tl))
	}
	for _, want := range []string{"direct", "letter", "mcq", "yesno", "f1", inference.DemoModelName} {
		if !strings.Contains(table, want) {
			t.Errorf("eval table lacks %q", want)
		}
	}
	f, err := os.Open(filepath.Join(m, "chart.png"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(f); err != nil {
		t.Errorf("chart: %v", err)
	}
	f.Close()
	js, err := runCLI("eval", out, "--json", "--metric", "f1")
	if n := strings.Count(js, "\n"); err != nil || n != 2 {
		t.Errorf("eval --json --metric f1: %d lines, %v:\n%s", n, err, js)
	}

	// 5. The OpenAI-compatible path: Ollama's /v1 on a server of the same
	// models, into its own file, one request at a time.
	server, err := inference.NewRuntime(inference.RuntimeConfig{DataDir: filepath.Join(dir, "runtime"), NumParallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer server.Stop()
	oai := filepath.Join(m, "openai.jsonl")
	args[len(args)-1] = oai
	args[len(args)-3] = "1" // --concurrency
	if _, err := runCLI(append(args, "--endpoint", server.State().URL+"/v1")...); err != nil {
		t.Fatal(err)
	}
	orows := consistentRows(t, oai)
	if len(orows) != total {
		t.Fatalf("OpenAI path: %d rows, want %d", len(orows), total)
	}
	same = 0
	for i, r := range orows {
		n := rows[i]
		// Another backend and endpoint is another run: its own key.
		if r.Key == n.Key || r.ItemID != n.ItemID || r.PromptName != n.PromptName || r.Model != n.Model || r.Repetition != n.Repetition ||
			r.Backend != "openai" || r.ImageSHA256[0] != n.ImageSHA256[0] || r.EvalCount != 8 {
			t.Errorf("row %d: OpenAI path %+v, Ollama %+v", i, r, n)
		}
		// Ollama's /v1 turns the image and the text into two messages
		// of one turn, which costs one more prompt token than /api/chat.
		if d := r.PromptEvalCount - n.PromptEvalCount; d != 1 {
			t.Errorf("row %d: %d prompt tokens through /v1, %d through /api/chat", i, r.PromptEvalCount, n.PromptEvalCount)
		}
		if r.Output == n.Output {
			same++
		}
		// One request at a time, seed and temperature 0 repeat exactly.
		if r.Repetition == 2 && r.Output != orows[i-1].Output {
			t.Errorf("row %d: seed 1 and temperature 0 gave %q then %q through /v1", i, orows[i-1].Output, r.Output)
		}
	}
	// The outputs need not equal the /api/chat ones: the prompts differ by
	// a token, and those were made two at a time.
	t.Logf("OpenAI path: %d of %d outputs equal to the /api/chat ones", same, total)
	if run, err := h.Run(context.Background(), orows[0].RunID); err != nil || run.Output != orows[0].Output {
		t.Errorf("OpenAI-path run not in history: %+v, %v", run, err)
	}
}

// TestBatchBadInput checks exit code 2 with the file and line named.
func TestBatchBadInput(t *testing.T) {
	m := dicomBatch(t)
	bad := filepath.Join(m, "bad.jsonl")
	os.WriteFile(bad, []byte(`{"id":"a","images":["1.dcm"]}`+"\n"+`{"id":"b","images":["nope.dcm"]}`+"\n"), 0o600)
	badPrompts := filepath.Join(m, "bad.yaml")
	os.WriteFile(badPrompts, []byte("prompts:\n  - name: a\n    template: '{{answer}}'\n"), 0o600)
	common := []string{"--data-dir", t.TempDir(), "batch", "--out", filepath.Join(m, "o.jsonl")}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--manifest", bad, "--prompts", filepath.Join(m, "prompts.yaml")}, bad + ":2: image nope.dcm"},
		{[]string{"--manifest", filepath.Join(m, "manifest.jsonl"), "--prompts", badPrompts}, badPrompts + ":2:"},
		{[]string{"--manifest", filepath.Join(m, "manifest.jsonl")}, "--prompts and --out are required"},
		{[]string{"--images", m, "--manifest", bad, "--prompts", badPrompts}, "one of them"},
		{[]string{"--manifest", bad, "--prompts", badPrompts, "--endpoint", "http://h/v1", "--model", "x", "--num-ctx", "8192"}, "max-model-len"},
	} {
		_, err := runCLI(append(common, tc.args...)...)
		if ExitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), tc.want) {
			t.Errorf("%v: exit %d, %v; want 2 and %q", tc.args, ExitCode(err), err, tc.want)
		}
	}
	for _, args := range [][]string{{"eval"}, {"eval", bad}, {"eval", filepath.Join(m, "missing.jsonl")}, {"eval", bad, "--metric", "bleu"}} {
		if _, err := runCLI(args...); ExitCode(err) != 2 {
			t.Errorf("%v: exit %d, %v; want 2", args, ExitCode(err), err)
		}
	}
}

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	// Not a terminal: a plain line at most every 30 s, none at the end.
	b := newProgressBar(&buf)
	b.update(batch.Progress{Total: 10, Done: 1, Elapsed: time.Second})
	b.update(batch.Progress{Total: 10, Done: 10, Elapsed: 10 * time.Second})
	b.done()
	if buf.Len() != 0 {
		t.Errorf("progress on a pipe: %q, want nothing so soon", buf.String())
	}
	b.last = time.Now().Add(-time.Minute)
	b.update(batch.Progress{Total: 10, Done: 4, Failed: 1, Elapsed: 8 * time.Second})
	if got := buf.String(); got != "batch: 4/10 runs (40%), 0.50 runs/s, ETA 12s  1 failed\n" {
		t.Errorf("plain progress %q", got)
	}
	// A terminal: the bar is redrawn in place.
	buf.Reset()
	b = &progressBar{w: &buf, tty: true}
	b.update(batch.Progress{Total: 4, Done: 1, Elapsed: 2 * time.Second})
	b.update(batch.Progress{Total: 4, Done: 4, Elapsed: 8 * time.Second})
	b.done()
	want := "\r[=======                       ] 1/4  25%  0.50 runs/s  ETA 6s" +
		"\r[==============================] 4/4 100%  0.50 runs/s  ETA --\n"
	if buf.String() != want {
		t.Errorf("bar %q\nwant %q", buf.String(), want)
	}
}

// TestBatchSummaryNamesOnlyWhatWasWritten (issue 26, item 17): when the
// result's CSV copy cannot be written (its folder cannot be made, as on
// a full disk), the summary names the result file and says the CSV was
// not written, instead of naming a CSV that does not exist.
func TestBatchSummaryNamesOnlyWhatWasWritten(t *testing.T) {
	dir := demoDataDir(t)
	m := dicomBatch(t)
	manifest := filepath.Join(m, "one.jsonl")
	os.WriteFile(manifest, []byte(`{"id":"a","images":["1.dcm"],"question":"What is shown?"}`+"\n"), 0o600)
	blocker := filepath.Join(m, "not-a-folder")
	os.WriteFile(blocker, nil, 0o600)
	csv := filepath.Join(blocker, "out.csv")
	c := &cli{stdout: new(bytes.Buffer), stderr: new(bytes.Buffer)}
	err := c.run([]string{"--data-dir", dir, "batch", "--manifest", manifest, "--prompts", filepath.Join(m, "prompts.yaml"),
		"--model", inference.DemoModelName, "--num-predict", "2", "--out", filepath.Join(m, "out.jsonl"), "--csv", csv})
	stderr := c.stderr.(*bytes.Buffer).String()
	if err == nil {
		t.Fatalf("a CSV that cannot be written: no error\n%s", stderr)
	}
	if strings.Contains(stderr, "and "+csv) || !strings.Contains(stderr, "its CSV copy was not written") {
		t.Errorf("the summary names a CSV that was not written:\n%s", stderr)
	}
}
