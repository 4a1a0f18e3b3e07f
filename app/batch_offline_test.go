package app

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// firstLines keeps the first n lines of a file.
func firstLines(t *testing.T, path string, n int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ls := strings.SplitAfter(string(b), "\n")
	os.WriteFile(path, []byte(strings.Join(ls[:n], "")), 0o600)
}

// TestEmitAndImportOpenAIBatch: --emit-openai-batch writes one request
// per run; each is sent, as vllm run-batch would, to a real
// OpenAI-compatible server (Ollama's /v1 with the demo model) and the
// answers written as a batch output file; --import-results reads them
// into the result file and history: each key once, the image hashes and
// prompt versions a direct run records, the endpoint marked as the
// import. A malformed line is refused naming the file and line.
func TestEmitAndImportOpenAIBatch(t *testing.T) {
	demo := demoDataDir(t)
	srv := startOllama(t, demo)
	m := dicomBatch(t)
	manifest := filepath.Join(m, "manifest.jsonl")
	firstLines(t, manifest, 2)
	data := t.TempDir()
	out := filepath.Join(m, "out.jsonl")
	reqs := filepath.Join(m, "requests.jsonl")
	results := filepath.Join(m, "results.jsonl")
	common := []string{"--manifest", manifest, "--prompts", filepath.Join(m, "prompts.yaml"), "--model", inference.DemoModelName,
		"--num-predict", "8", "--seed", "1", "--temperature", "0"}
	run := func(args ...string) error {
		_, err := runCLI(append(append([]string{"--data-dir", data, "batch"}, common...), args...)...)
		return err
	}
	const total = 2 * 2
	if err := run("--emit-openai-batch", reqs, "--out", out); err != nil {
		t.Fatal(err)
	}

	// The cluster's part: each body to /v1/chat/completions.
	f, err := os.Open(reqs)
	if err != nil {
		t.Fatal(err)
	}
	var res bytes.Buffer
	var ids []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var l openAIBatchLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		json.Unmarshal(l.Body, &body)
		if l.Method != "POST" || l.URL != "/v1/chat/completions" || body["model"] != inference.DemoModelName || body["max_tokens"] != 8.0 ||
			!strings.Contains(string(l.Body), `"url":"data:image/png;base64,`) {
			t.Fatalf("request line %s %s: body %.300s", l.Method, l.URL, l.Body)
		}
		resp, err := http.Post(srv.URL+l.URL, "application/json", bytes.NewReader(l.Body))
		if err != nil {
			t.Fatal(err)
		}
		rb, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Fprintf(&res, `{"id":"vllm-%d","custom_id":%q,"response":{"status_code":%d,"request_id":"r","body":%s},"error":null}`+"\n",
			len(ids), l.CustomID, resp.StatusCode, bytes.TrimSpace(rb))
		ids = append(ids, l.CustomID)
	}
	f.Close()
	if len(ids) != total {
		t.Fatalf("%d requests, want %d", len(ids), total)
	}
	os.WriteFile(results, res.Bytes(), 0o600)

	// A malformed line: refused, naming the file and line; nothing written.
	bad := filepath.Join(m, "bad.jsonl")
	ls := strings.SplitAfter(res.String(), "\n")
	os.WriteFile(bad, []byte(ls[0]+"{not json\n"), 0o600)
	if err := run("--import-results", bad, "--out", out); ExitCode(err) != 2 || !strings.Contains(err.Error(), bad+":2:") {
		t.Fatalf("malformed line: exit %d, %v; want exit 2 naming %s:2", ExitCode(err), err, bad)
	}

	if err := run("--import-results", results, "--out", out); err != nil {
		t.Fatal(err)
	}
	rows := consistentRows(t, out)
	var keys []string
	for _, r := range rows {
		keys = append(keys, r.Key)
		if r.Endpoint != "import:results.jsonl" || r.Backend != "openai" || r.Output == "" || len(r.ImageSHA256) != 1 {
			t.Errorf("row %s: backend %s endpoint %s output %q images %v", r.Key, r.Backend, r.Endpoint, r.Output, r.ImageSHA256)
		}
	}
	slices.Sort(keys)
	slices.Sort(ids)
	if !slices.Equal(keys, ids) {
		t.Errorf("row keys %v, want the custom_ids %v", keys, ids)
	}
	// Imported again: nothing new (each key once).
	if err := run("--import-results", results, "--out", out); err != nil {
		t.Fatal(err)
	}
	if n := len(consistentRows(t, out)); n != total {
		t.Errorf("%d rows after importing twice, want %d", n, total)
	}
	h := openHistory(t, data)
	runs, err := h.Runs(t.Context(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != total {
		t.Errorf("%d runs in history, want %d", len(runs), total)
	}
	byID := map[int64]batch.Row{}
	for _, r := range rows {
		byID[r.RunID] = r
	}
	for _, hr := range runs {
		r, ok := byID[hr.ID]
		if !ok || !slices.Equal(hr.ImageSHA256, r.ImageSHA256) || hr.Output != r.Output || hr.Model != inference.DemoModelName {
			t.Errorf("history run %d: images %v output %q; row %+v", hr.ID, hr.ImageSHA256, hr.Output, r.ImageSHA256)
		}
	}

	// What a direct run against the same server records.
	direct := filepath.Join(m, "direct.jsonl")
	if err := run("--endpoint", srv.URL+"/v1", "--out", direct); err != nil {
		t.Fatal(err)
	}
	want := map[string]batch.Row{}
	for _, r := range consistentRows(t, direct) {
		want[fmt.Sprintf("%s/%s/%d", r.ItemID, r.PromptName, r.Repetition)] = r
	}
	for _, r := range rows {
		d := want[fmt.Sprintf("%s/%s/%d", r.ItemID, r.PromptName, r.Repetition)]
		if !slices.Equal(r.ImageSHA256, d.ImageSHA256) || !slices.Equal(r.InputSHA256, d.InputSHA256) || r.PromptVersion != d.PromptVersion ||
			r.Prompt != d.Prompt || r.System != d.System || r.Model != d.Model || r.Output != d.Output {
			t.Errorf("imported row %s/%s differs from the direct run:\n%+v\n%+v", r.ItemID, r.PromptName, r, d)
		}
	}
}
