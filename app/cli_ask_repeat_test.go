package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestAskRepeatLimitIsAResult (issue 28, item 2): the demo model under a
// Google recipe (temperature 0) repeats one token until the runtime ends
// the stream after 31 alike, with no final record. ask keeps that as a
// result: exit 0, done_reason naming the repeat limit, the tokens counted,
// and the run logged as ok.
func TestAskRepeatLimitIsAResult(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the runtime")
	}
	dir := demoDataDir(t)
	out, err := runCLI("--data-dir", dir, "ask", "--json", "--model", core.DemoModelName,
		"--recipe", "medgemma-cxr", "--image", dicomtest.File(t, "4.dcm"))
	if err != nil {
		t.Fatalf("ask exited with %v (want 0); printed %s", err, out)
	}
	var a askJSON
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("ask --json printed %q: %v", out, err)
	}
	t.Logf("done_reason %q, status %q, eval_count %d, chunks %d, %d ms", a.DoneReason, a.Status, a.EvalCount, a.Chunks, a.TotalDurationMS)
	if a.DoneReason != core.DoneRepeatLimit || a.Status != "ok" {
		t.Fatalf("done_reason %q, status %q, want %q, ok", a.DoneReason, a.Status, core.DoneRepeatLimit)
	}
	if a.EvalCount <= 0 || a.EvalCount != a.Chunks {
		t.Errorf("eval_count %d, chunks %d: want the workbench's count, > 0", a.EvalCount, a.Chunks)
	}
	if !strings.Contains(out, `"done_text":"stopped: the runtime ends an answer after 31 identical tokens"`) {
		t.Errorf("ask --json has no done_text naming the limit: %s", out)
	}
	run, err := openHistory(t, dir).Run(context.Background(), a.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != core.StatusOK || run.DoneReason != core.DoneRepeatLimit || run.EvalCount != a.EvalCount || run.Output != a.Output {
		t.Errorf("history: status %q, done_reason %q, eval_count %d; want what ask printed", run.Status, run.DoneReason, run.EvalCount)
	}
}
