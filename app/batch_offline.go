package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// This file is a batch run elsewhere, offline: batch --emit-openai-batch
// writes the runs' requests as an OpenAI batch input file (what `vllm
// run-batch -i` reads), and batch --import-results reads the output file
// that comes back into the result file and history, as if the runs had
// been answered here. custom_id is each run's key.

// offlineBackendName is the backend in the keys of runs emitted and
// imported: the same whichever cluster ran them and whatever the results
// file is called, so that the import finds the runs the emit wrote.
const offlineBackendName = "openai-batch"

// ImportEndpointPrefix starts the endpoint of rows read back with batch
// --import-results: "import:" and the results file's name.
const ImportEndpointPrefix = "import:"

// openAIBatchLine is a line of an OpenAI batch input file.
type openAIBatchLine struct {
	CustomID string          `json:"custom_id"`
	Method   string          `json:"method"`
	URL      string          `json:"url"`
	Body     json.RawMessage `json:"body"`
}

// openAIBatchResult is a line of an OpenAI batch output file (vllm
// run-batch -o): the answer to the input line with the same custom_id.
type openAIBatchResult struct {
	ID       string `json:"id"`
	CustomID string `json:"custom_id"`
	Response *struct {
		StatusCode int             `json:"status_code"`
		Body       json.RawMessage `json:"body"`
	} `json:"response"`
	Error json.RawMessage `json:"error"`
}

// importedAnswer is one answer of a results file, read as a chat
// function would have returned it.
type importedAnswer struct {
	line int
	res  inference.Result
	err  error
}

// offlineBackend sets the runner and the spec's server for a batch that
// is emitted or imported: nothing is sent anywhere. For an import it
// reads the results file (bad lines are *batchInputError naming file and
// line) and answers the runs from it.
func (s *Services) offlineBackend(r *batch.Runner, spec BatchSpec, js *batch.Spec) error {
	r.BackendName = batch.KindOpenAI.String()
	js.Backend, js.Endpoint, js.Digests = offlineBackendName, "", nil
	r.Backoff.Retries = 0
	if spec.ImportResults == "" {
		// The file goes to another machine: images that may carry
		// burned-in annotations are warned of as for an endpoint.
		r.Endpoint = "the batch file " + filepath.Base(spec.EmitOpenAIBatch) + " (for a cluster)"
		return nil
	}
	answers, err := readBatchResults(spec.ImportResults)
	if err != nil {
		return &batchInputError{field: fieldImport, err: err}
	}
	r.Endpoint = ImportEndpointPrefix + filepath.Base(spec.ImportResults)
	r.Backend = &importBackend{s: s, answers: answers}
	return nil
}

// readBatchResults reads an OpenAI batch output file: each line's
// answer by custom_id. A line that is not JSON, has no custom_id, or
// repeats one is an error naming the file and line.
func readBatchResults(path string) (map[string]importedAnswer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 256<<20)
	answers := map[string]importedAnswer{}
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		bad := func(format string, a ...any) error {
			return &batch.InputError{File: path, Line: n, Err: fmt.Errorf(format, a...)}
		}
		var l openAIBatchResult
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, bad("not an OpenAI batch output line (want {id, custom_id, response: {status_code, body}, error}): %v", err)
		}
		if l.CustomID == "" {
			return nil, bad("no custom_id")
		}
		if prev, ok := answers[l.CustomID]; ok {
			return nil, bad("custom_id %s is on line %d too", l.CustomID, prev.line)
		}
		a := importedAnswer{line: n}
		switch {
		case len(l.Error) > 0 && string(l.Error) != "null":
			a.err = fmt.Errorf("%s line %d: the batch job failed this request: %s", filepath.Base(path), n, bytes.TrimSpace(l.Error))
		case l.Response == nil:
			return nil, bad("no response and no error")
		case l.Response.StatusCode/100 != 2:
			a.err = fmt.Errorf("%s line %d: %w", filepath.Base(path), n, &inference.HTTPError{StatusCode: l.Response.StatusCode, Message: string(l.Response.Body)})
		default:
			res, err := inference.ParseOpenAIResponse("", l.Response.Body)
			if err != nil {
				return nil, bad("response body: %v", err)
			}
			a.res = res
		}
		if a.err != nil {
			a.res = inference.Result{Status: inference.StatusError, Error: a.err.Error()}
		}
		answers[l.CustomID] = a
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return answers, nil
}

// importBackend answers each run with its answer from a results file,
// logging it to history as a run answered here would be.
type importBackend struct {
	s       *Services
	answers map[string]importedAnswer
}

func (b *importBackend) AskJob(ctx context.Context, j batch.Job, req inference.Request) (int64, inference.Result, error) {
	a, ok := b.answers[j.Key]
	if !ok {
		err := fmt.Errorf("run %s has no answer in the results", j.Key)
		return 0, inference.Result{Status: inference.StatusError, Error: err.Error()}, err
	}
	return b.s.AskWith(ctx, req, nil, func(context.Context, inference.Request, func(string)) (inference.Result, error) {
		res := a.res
		res.Model = req.Model
		return res, a.err
	})
}

// Ask is never called: the runner asks a JobBackend with the job.
func (b *importBackend) Ask(context.Context, inference.Request) (int64, inference.Result, error) {
	err := errors.New("an imported answer needs its run")
	return 0, inference.Result{Status: inference.StatusError, Error: err.Error()}, err
}

// has reports whether the results hold run key's answer.
func (b *importBackend) has(key string) bool { _, ok := b.answers[key]; return ok }

// emitOpenAIBatch writes the requests of jobs to path as an OpenAI batch
// input file, one line per run, custom_id its key. The file is written
// beside path and renamed into place when complete.
func emitOpenAIBatch(ctx context.Context, r *batch.Runner, jobs []batch.Job, path string) (int, error) {
	tmp := path + ".partial"
	f, err := os.Create(tmp)
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp)
	w := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(w)
	n := 0
	err = r.Requests(ctx, jobs, func(j batch.Job, req inference.Request) error {
		body, err := inference.OpenAIBody(req)
		if err != nil {
			return err
		}
		n++
		return enc.Encode(openAIBatchLine{CustomID: j.Key, Method: "POST", URL: "/v1/chat/completions", Body: body})
	})
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	return n, nil
}
