package batch

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/csvsafe"
	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
)

// Prep says how image files are made into model input, as the prepare
// command's flags do.
type Prep struct {
	// Frame is the frame, from 1 (0 means 1).
	Frame int `json:"frame,omitempty"`
	// Window is "CENTER,WIDTH" and Preset a window preset's name, as given
	// on the command line; both empty means each file's own window.
	Window string `json:"window,omitempty"`
	Preset string `json:"preset,omitempty"`
	// Encoding is "display" (or "") or "ct3".
	Encoding string `json:"encoding,omitempty"`
	// Fit is "pad" (or "") or "stretch".
	Fit string `json:"fit,omitempty"`
}

// Row is one run of a batch: one line of the result file.
type Row struct {
	Key        string `json:"key"`
	ItemID     string `json:"item_id"`
	PromptName string `json:"prompt_name"`
	Model      string `json:"model"`
	// Repetition counts from 1.
	Repetition int `json:"repetition"`
	// RunID is the run's id in the history database.
	RunID  int64  `json:"run_id"`
	Output string `json:"output"`
	// Status is "ok" or "error" (runs cancelled by an interrupt are not
	// written: a later run of the batch does them again).
	Status string `json:"status"`
	Error  string `json:"error"`

	Question string   `json:"question"`
	Answer   string   `json:"answer"`
	Choices  []string `json:"choices"`
	// Meta is the item's metadata: the manifest's fields beyond id,
	// images, question, answer and choices (answer_type, organ, modality,
	// language, …), which eval --by splits scores by.
	Meta map[string]string `json:"meta,omitempty"`
	// Images are the item's files as the manifest names them,
	// InputSHA256 the SHA-256 of their bytes, and ImageSHA256 that of the
	// model-input PNGs sent (as history stores them).
	Images      []string `json:"images"`
	InputSHA256 []string `json:"input_sha256"`
	ImageSHA256 []string `json:"image_sha256"`

	System  string            `json:"system"`
	Prompt  string            `json:"prompt"`
	Options inference.Options `json:"options"`
	Prep    Prep              `json:"prep"`
	// PromptVersion names what the prompt asked (Prompt.Version): its
	// system prompt, template, schema and recipe.
	PromptVersion string `json:"prompt_version,omitempty"`
	// Recipe is the model-input recipe that made the images and laid out
	// Prompt, when the prompt named one.
	Recipe *core.RecipeRef `json:"recipe,omitempty"`
	// SchemaHash names the JSON Schema the answer was asked to fit;
	// SchemaValid says whether it did (an invalid answer is kept, marked),
	// SchemaError why not, and Fields are its top-level fields.
	SchemaHash  string            `json:"schema_hash,omitempty"`
	SchemaValid *bool             `json:"schema_valid,omitempty"`
	SchemaError string            `json:"schema_error,omitempty"`
	Fields      map[string]string `json:"fields,omitempty"`
	// ChoiceProbs are the choices' probabilities (keys: the option
	// letters of a multiple-choice item, or "yes" and "no"), summing to 1,
	// with --score logprob; ScoreError says why a row has none.
	ChoiceProbs map[string]float64 `json:"choice_probs,omitempty"`
	ScoreError  string             `json:"score_error,omitempty"`

	// Backend is the server's kind, [KindOllama] or [KindOpenAI];
	// Endpoint is the server's URL when it is not the managed runtime (in
	// a batch over several endpoints, the one that answered; "import:FILE"
	// for answers read back with batch --import-results), without
	// credentials.
	Backend        string `json:"backend"`
	Endpoint       string `json:"endpoint,omitempty"`
	ModelDigest    string `json:"model_digest"`
	RuntimeVersion string `json:"runtime_version"`

	PromptEvalCount      int    `json:"prompt_eval_count"`
	EvalCount            int    `json:"eval_count"`
	TotalDurationMS      int64  `json:"total_duration_ms"`
	LoadDurationMS       int64  `json:"load_duration_ms"`
	PromptEvalDurationMS int64  `json:"prompt_eval_duration_ms"`
	EvalDurationMS       int64  `json:"eval_duration_ms"`
	FirstTokenMS         int64  `json:"first_token_ms"`
	DoneReason           string `json:"done_reason"`
	Truncated            bool   `json:"truncated"`
	Thinking             string `json:"thinking,omitempty"`
	// Rating is the researcher's rating of the run, 1 to 5 (0: unrated),
	// where the rows carry one; eval measures the metric's agreement with
	// it.
	Rating int `json:"rating,omitempty"`
	// Attempts is how many times the request was sent (retries after 429
	// or 5xx answers included).
	Attempts int `json:"attempts"`
	// Moved is how often the run was moved off an endpoint that stopped
	// answering before one answered it (batches over several endpoints).
	Moved      int       `json:"moved,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
}

// Job is one run to do: an item, a prompt, a model and a repetition.
type Job struct {
	// Index orders the jobs: item, then prompt, then model, then
	// repetition.
	Index      int
	Item       *Item
	ItemIndex  int
	Prompt     Prompt
	System     string
	Text       string
	Model      string
	Repetition int
	Key        string
	// InputSHA256 are the hashes of the item's files.
	InputSHA256 []string
}

// Spec is everything that defines a batch's runs.
type Spec struct {
	Items   []Item
	Prompts *PromptSet
	Models  []string
	Repeat  int
	Options inference.Options
	Prep    Prep
	// Backend ("ollama" or "openai"), Endpoint (the server's URL, "" for
	// the managed runtime) and Digests (each model's digest, where the
	// server tells it) are part of every run's key: a batch run against
	// another server or a re-pulled model runs again.
	Backend  string
	Endpoint string
	Digests  map[string]string
	// IncludePHI keeps the ids that default to image paths; otherwise
	// such items are known by their hash id (see [Item.HashID]).
	IncludePHI bool
	// Score is how rows get choice probabilities: "" (none) or ScoreLogprob.
	Score string
}

// ScoreLogprob scores each choice of a multiple-choice or yes/no item by
// the model's log-probability of answering it (Row.ChoiceProbs).
const ScoreLogprob = "logprob"

// Jobs lists every run of the batch in order, with its key. It reads every
// input file once to hash it.
func (s Spec) Jobs() ([]Job, error) {
	rep := max(s.Repeat, 1)
	var jobs []Job
	seen := map[string]bool{}
	for i := range s.Items {
		it := &s.Items[i]
		shas := make([]string, len(it.Paths))
		for j, p := range it.Paths {
			sum, err := fileSHA256(p)
			if err != nil {
				return nil, &InputError{File: it.Source, Err: fmt.Errorf("image %s: %w", it.Images[j], cause(err))}
			}
			shas[j] = sum
		}
		if !it.Named {
			it.HashID = uniqueID(hashID(shas), seen)
			if !s.IncludePHI {
				it.ID = it.HashID
			}
		}
		for _, p := range s.Prompts.Prompts {
			system := s.Prompts.SystemFor(p)
			text := Render(p.Template, *it)
			for _, m := range s.Models {
				for r := 1; r <= rep; r++ {
					j := Job{Index: len(jobs), Item: it, ItemIndex: i, Prompt: p, System: system, Text: text,
						Model: m, Repetition: r, InputSHA256: shas}
					j.Key = Key(j, s.Options, s.Prep, Server{Backend: s.Backend, Endpoint: s.Endpoint, Digest: s.Digests[m], Score: s.Score})
					jobs = append(jobs, j)
				}
			}
		}
	}
	return jobs, nil
}

// hashID is the id of an item the manifest did not name: "item-" and the
// first 12 hex digits of the SHA-256 of its one file, or of its files'
// hashes joined with ";".
func hashID(shas []string) string {
	h := ""
	if len(shas) == 1 {
		h = shas[0]
	} else {
		sum := sha256.Sum256([]byte(strings.Join(shas, ";")))
		h = hex.EncodeToString(sum[:])
	}
	return "item-" + h[:12]
}

// uniqueID returns id, or id-2, id-3, … if seen has it (the same file
// twice in a folder), and marks it seen.
func uniqueID(id string, seen map[string]bool) string {
	out := id
	for n := 2; seen[out]; n++ {
		out = fmt.Sprintf("%s-%d", id, n)
	}
	seen[out] = true
	return out
}

// Server is where a run is sent: the backend, its endpoint and the
// model's digest there.
type Server struct {
	Backend, Endpoint, Digest string
	// Score is the batch's choice scoring ("" or ScoreLogprob).
	Score string
}

// Key identifies a run for resuming: a hash of the item's id (the hash
// id for one the manifest did not name, with or without PHI) and input
// files, the prompt's name and text as sent, the model, the options, the
// image preparation, the repetition, and the server: backend, endpoint
// (without credentials, so a rotated key or token still resumes) and model
// digest.
func Key(j Job, o inference.Options, p Prep, srv Server) string {
	b, _ := json.Marshal(struct {
		V          int               `json:"v"`
		Item       string            `json:"item"`
		Inputs     []string          `json:"inputs"`
		Prompt     string            `json:"prompt"`
		System     string            `json:"system"`
		Text       string            `json:"text"`
		Model      string            `json:"model"`
		Options    inference.Options `json:"options"`
		Prep       Prep              `json:"prep"`
		Repetition int               `json:"repetition"`
		Backend    string            `json:"backend"`
		Endpoint   string            `json:"endpoint"`
		Digest     string            `json:"digest"`
		Recipe     string            `json:"recipe,omitempty"`
		Schema     string            `json:"schema,omitempty"`
		Score      string            `json:"score,omitempty"`
	}{2, j.Item.PromptID(), j.InputSHA256, j.Prompt.Name, j.System, j.Text, j.Model, o, p, j.Repetition,
		srv.Backend, redact.URL(srv.Endpoint), srv.Digest, recipeKey(j.Prompt), schemaKey(j.Prompt), srv.Score})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// fileSHA256 returns the hex SHA-256 of the file at path; of a folder (a
// series), the SHA-256 of its files' relative names and hashes in order.
func fileSHA256(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !st.IsDir() {
		d, err := inference.FileDigest(path)
		return strings.TrimPrefix(d, "sha256:"), err
	}
	h := sha256.New()
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		sum, err := inference.FileDigest(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(path, p)
		fmt.Fprintf(h, "%s\x00%s\n", filepath.ToSlash(rel), sum)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

// csvColumns are the CSV copy's columns, in order (then one field_NAME
// column per item field): the header and every line come from this one
// table. Lists are joined with ";" (images, hashes) or "|" (choices), as
// a CSV manifest has them.
var csvColumns = []csvsafe.Column[Row]{
	csvsafe.Col("item_id", func(r Row) string { return r.ItemID }),
	csvsafe.Col("prompt_name", func(r Row) string { return r.PromptName }),
	csvsafe.Col("model", func(r Row) string { return r.Model }),
	csvsafe.Col("repetition", func(r Row) string { return strconv.Itoa(r.Repetition) }),
	csvsafe.Col("status", func(r Row) string { return r.Status }),
	csvsafe.Col("output", func(r Row) string { return r.Output }),
	csvsafe.Col("answer", func(r Row) string { return r.Answer }),
	csvsafe.Col("question", func(r Row) string { return r.Question }),
	csvsafe.Col("choices", func(r Row) string { return strings.Join(r.Choices, "|") }),
	csvsafe.Col("images", func(r Row) string { return strings.Join(r.Images, ";") }),
	csvsafe.Col("input_sha256", func(r Row) string { return strings.Join(r.InputSHA256, ";") }),
	csvsafe.Col("image_sha256", func(r Row) string { return strings.Join(r.ImageSHA256, ";") }),
	csvsafe.Col("run_id", func(r Row) string { return strconv.FormatInt(r.RunID, 10) }),
	csvsafe.Col("model_digest", func(r Row) string { return r.ModelDigest }),
	csvsafe.Col("runtime_version", func(r Row) string { return r.RuntimeVersion }),
	csvsafe.Col("backend", func(r Row) string { return r.Backend }),
	csvsafe.Col("endpoint", func(r Row) string { return r.Endpoint }),
	csvsafe.Col("system", func(r Row) string { return r.System }),
	csvsafe.Col("prompt", func(r Row) string { return r.Prompt }),
	csvsafe.Col("seed", func(r Row) string { return csvsafe.Opt(r.Options.Seed, strconv.Itoa) }),
	csvsafe.Col("temperature", func(r Row) string {
		return csvsafe.Opt(r.Options.Temperature, func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) })
	}),
	csvsafe.Col("num_predict", func(r Row) string { return countCell(r.Options.NumPredict) }),
	csvsafe.Col("num_ctx", func(r Row) string { return countCell(r.Options.NumCtx) }),
	csvsafe.Col("frame", func(r Row) string { return countCell(r.Prep.Frame) }),
	csvsafe.Col("window", func(r Row) string { return r.Prep.Window }),
	csvsafe.Col("preset", func(r Row) string { return r.Prep.Preset }),
	csvsafe.Col("encoding", func(r Row) string { return r.Prep.Encoding }),
	csvsafe.Col("fit", func(r Row) string { return r.Prep.Fit }),
	csvsafe.Col("prompt_eval_count", func(r Row) string { return strconv.Itoa(r.PromptEvalCount) }),
	csvsafe.Col("eval_count", func(r Row) string { return strconv.Itoa(r.EvalCount) }),
	csvsafe.Col("total_duration_ms", func(r Row) string { return strconv.FormatInt(r.TotalDurationMS, 10) }),
	csvsafe.Col("load_duration_ms", func(r Row) string { return strconv.FormatInt(r.LoadDurationMS, 10) }),
	csvsafe.Col("prompt_eval_duration_ms", func(r Row) string { return strconv.FormatInt(r.PromptEvalDurationMS, 10) }),
	csvsafe.Col("eval_duration_ms", func(r Row) string { return strconv.FormatInt(r.EvalDurationMS, 10) }),
	csvsafe.Col("first_token_ms", func(r Row) string { return strconv.FormatInt(r.FirstTokenMS, 10) }),
	csvsafe.Col("done_reason", func(r Row) string { return r.DoneReason }),
	csvsafe.Col("truncated", func(r Row) string { return strconv.FormatBool(r.Truncated) }),
	csvsafe.Col("error", func(r Row) string { return r.Error }),
	csvsafe.Col("attempts", func(r Row) string { return strconv.Itoa(r.Attempts) }),
	csvsafe.Col("started_at", func(r Row) string { return timeCell(r.StartedAt) }),
	csvsafe.Col("finished_at", func(r Row) string { return timeCell(r.FinishedAt) }),
	csvsafe.Col("key", func(r Row) string { return r.Key }),
	csvsafe.Col("recipe", func(r Row) string { return recipeText(r.Recipe) }),
	csvsafe.Col("schema_hash", func(r Row) string { return r.SchemaHash }),
	csvsafe.Col("schema_valid", func(r Row) string { return boolText(r.SchemaValid) }),
	csvsafe.Col("schema_error", func(r Row) string { return r.SchemaError }),
	csvsafe.Col("choice_probs", func(r Row) string { return probsText(r.ChoiceProbs) }),
	csvsafe.Col("prompt_version", func(r Row) string { return r.PromptVersion }),
}

// WriteCSV writes rows as CSV with a header: the columns of csvColumns,
// then one field_NAME column per item field any row has.
func WriteCSV(w io.Writer, rows []Row) error {
	cw := csvsafe.NewWriter(w)
	fields := fieldNames(rows)
	header := csvsafe.Header(csvColumns)
	for _, f := range fields {
		header = append(header, "field_"+f)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range rows {
		rec := csvsafe.Row(make([]string, 0, len(header)), csvColumns, r)
		for _, f := range fields {
			rec = append(rec, r.Fields[f])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// countCell is a count in a cell: "" for 0 (not set).
func countCell(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// timeCell is a time in a cell, RFC 3339 UTC: "" for none.
func timeCell(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// recipeKey is what the resume key holds of a prompt's recipe: its name
// and hash, or nothing (so keys of prompts without one are unchanged).
func recipeKey(p Prompt) string {
	if p.Recipe == "" {
		return ""
	}
	return p.Recipe + "@" + p.RecipeHash
}

func recipeText(r *core.RecipeRef) string {
	if r == nil {
		return ""
	}
	return r.String()
}

// schemaKey is the hash of a prompt's answer schema, or "".
func schemaKey(p Prompt) string {
	if p.Answer == nil {
		return ""
	}
	return p.Answer.Hash
}

// fieldNames are the structured-answer fields of any row, sorted: one CSV
// column each (field_NAME).
func fieldNames(rows []Row) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rows {
		for k := range r.Fields {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}

func boolText(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

// probsText writes choice probabilities as JSON with sorted keys, or "".
func probsText(p map[string]float64) string {
	if len(p) == 0 {
		return ""
	}
	b, _ := json.Marshal(p) // map keys are sorted
	return string(b)
}
