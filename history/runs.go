package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// Run is one model run as recorded: what was sent, to which model and
// runtime, what came back and how it ended.
type Run struct {
	// ID is assigned by SaveRun. SessionID is the session the run belongs
	// to, or 0 for none.
	ID, SessionID int64
	// StartedAt is when the request was sent and is required. FinishedAt is
	// when the run ended; the zero time means unknown.
	StartedAt, FinishedAt time.Time
	// Source is the base name of the image file(s), comma-separated.
	Source string
	// ImageSHA256 are the hashes of the images sent, in the order sent. Each
	// must have been stored with PutImage before SaveRun.
	ImageSHA256 []string
	// System and Prompt are the system and user prompts as sent.
	System, Prompt string
	// Model is the model name, ModelDigest its digest, and RuntimeVersion
	// the version of the Ollama runtime that served it.
	Model, ModelDigest, RuntimeVersion string
	// Options are the generation options, stored as JSON.
	Options inference.Options
	// Output is the generated text, as far as the run got.
	Output string
	// PromptEvalCount and EvalCount are the runtime's token counts.
	PromptEvalCount, EvalCount int
	// The durations are the runtime's own accounting; FirstToken is the time
	// from sending the request to the first chunk.
	TotalDuration, LoadDuration, PromptEvalDuration, EvalDuration, FirstToken time.Duration
	// DoneReason is why the runtime stopped generating, such as "stop".
	DoneReason string
	// Status says how the run ended.
	Status inference.Status
	// Error is the error message of a run that failed.
	Error string
}

// SaveRun inserts a finished run (any status) with its images, in one
// transaction, and returns its id, which it also sets in r.ID. The r.ID it is
// given is ignored.
func (s *Store) SaveRun(ctx context.Context, r *Run) (int64, error) {
	if r.StartedAt.IsZero() {
		return 0, s.errorf("save run: start time is zero")
	}
	opts, err := json.Marshal(r.Options)
	if err != nil {
		return 0, s.errorf("save run: options: %w", err)
	}
	var session, finished any // NULL unless set
	if r.SessionID != 0 {
		session = r.SessionID
	}
	if !r.FinishedAt.IsZero() {
		finished = formatTime(r.FinishedAt)
	}

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.errorf("save run: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `
INSERT INTO runs (
	session_id, started_at, finished_at, source, system, prompt,
	model, model_digest, runtime_version, options, output,
	prompt_eval_count, eval_count,
	total_duration_ns, load_duration_ns, prompt_eval_duration_ns, eval_duration_ns, first_token_ns,
	done_reason, status, error
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		session, formatTime(r.StartedAt), finished, r.Source, r.System, r.Prompt,
		r.Model, r.ModelDigest, r.RuntimeVersion, string(opts), r.Output,
		r.PromptEvalCount, r.EvalCount,
		int64(r.TotalDuration), int64(r.LoadDuration), int64(r.PromptEvalDuration), int64(r.EvalDuration), int64(r.FirstToken),
		r.DoneReason, string(r.Status), r.Error)
	if err != nil {
		return 0, s.errorf("save run: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, s.errorf("save run: %w", err)
	}
	for i, sha := range r.ImageSHA256 {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO run_images (run_id, position, image_sha256) VALUES (?, ?, ?)`,
			id, i, sha); err != nil {
			return 0, s.errorf("save run: image %d (%s), stored with PutImage?: %w", i, sha, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, s.errorf("save run: %w", err)
	}
	r.ID = id
	return id, nil
}

// Run returns the run with the given id, or an error wrapping ErrNotFound.
func (s *Store) Run(ctx context.Context, id int64) (*Run, error) {
	rows, err := s.db.QueryContext(ctx, selectRuns+` WHERE r.id = ?`, id)
	if err != nil {
		return nil, s.errorf("run %d: %w", id, err)
	}
	runs, err := scanRuns(rows)
	if err != nil {
		return nil, s.errorf("run %d: %w", id, err)
	}
	if len(runs) == 0 {
		return nil, s.errorf("run %d: %w", id, ErrNotFound)
	}
	return &runs[0], nil
}

// Runs returns up to limit runs, newest first by start time (then by id). A
// limit of 0 or less means all runs.
func (s *Store) Runs(ctx context.Context, limit int) ([]Run, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.db.QueryContext(ctx, selectRuns+` ORDER BY r.started_at DESC, r.id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, s.errorf("list runs: %w", err)
	}
	runs, err := scanRuns(rows)
	if err != nil {
		return nil, s.errorf("list runs: %w", err)
	}
	return runs, nil
}

// selectRuns reads runs with their image hashes in order, in one statement so
// that a run and its images come from the same snapshot. The hashes are hex,
// so a comma separates them safely.
const selectRuns = `
SELECT r.id, coalesce(r.session_id, 0), r.started_at, coalesce(r.finished_at, ''),
	r.source, r.system, r.prompt, r.model, r.model_digest, r.runtime_version,
	r.options, r.output, r.prompt_eval_count, r.eval_count,
	r.total_duration_ns, r.load_duration_ns, r.prompt_eval_duration_ns, r.eval_duration_ns, r.first_token_ns,
	r.done_reason, r.status, r.error,
	coalesce((SELECT group_concat(ri.image_sha256, ',' ORDER BY ri.position)
		FROM run_images ri WHERE ri.run_id = r.id), '')
FROM runs r`

func scanRuns(rows *sql.Rows) ([]Run, error) {
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		var (
			r                   Run
			started, finished   string
			opts, status, shas  string
			total, load, pe, ev int64
			first               int64
		)
		if err := rows.Scan(&r.ID, &r.SessionID, &started, &finished,
			&r.Source, &r.System, &r.Prompt, &r.Model, &r.ModelDigest, &r.RuntimeVersion,
			&opts, &r.Output, &r.PromptEvalCount, &r.EvalCount,
			&total, &load, &pe, &ev, &first,
			&r.DoneReason, &status, &r.Error, &shas); err != nil {
			return nil, err
		}
		var err error
		if r.StartedAt, err = parseTime(started); err != nil {
			return nil, fmt.Errorf("run %d: started_at: %w", r.ID, err)
		}
		if finished != "" {
			if r.FinishedAt, err = parseTime(finished); err != nil {
				return nil, fmt.Errorf("run %d: finished_at: %w", r.ID, err)
			}
		}
		if err := json.Unmarshal([]byte(opts), &r.Options); err != nil {
			return nil, fmt.Errorf("run %d: options: %w", r.ID, err)
		}
		if shas != "" {
			r.ImageSHA256 = strings.Split(shas, ",")
		}
		r.TotalDuration = time.Duration(total)
		r.LoadDuration = time.Duration(load)
		r.PromptEvalDuration = time.Duration(pe)
		r.EvalDuration = time.Duration(ev)
		r.FirstToken = time.Duration(first)
		r.Status = inference.Status(status)
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return runs, nil
}
