package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// SaveRun inserts a run (any status) with its images, in one transaction, and returns its id, which it also sets in r.ID. The r.ID it is
// given is ignored.
func (s *Store) SaveRun(ctx context.Context, r *core.Run) (int64, error) {
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
	var study any
	if r.StudyKey != "" {
		study = r.StudyKey
	}
	if len(r.SourcePaths) != 0 && len(r.SourcePaths) != len(r.ImageSHA256) {
		return 0, s.errorf("save run: %d source paths for %d images", len(r.SourcePaths), len(r.ImageSHA256))
	}
	if len(r.SourceKeys) != 0 && len(r.SourceKeys) != len(r.ImageSHA256) {
		return 0, s.errorf("save run: %d source keys for %d images", len(r.SourceKeys), len(r.ImageSHA256))
	}
	res, err := tx.ExecContext(ctx, `
INSERT INTO runs (
	session_id, started_at, finished_at, source, system, prompt,
	model, model_digest, runtime_version, options, output,
	prompt_eval_count, eval_count,
	total_duration_ns, load_duration_ns, prompt_eval_duration_ns, eval_duration_ns, first_token_ns,
	done_reason, status, error, study_key, thinking, rating, notes, burn_in_risk,
	recipe, recipe_version, recipe_hash, recipe_json, image_labels, image_geometry, boxes,
	schema_hash, schema_valid, schema_error, prompt_version, measurements
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		session, formatTime(r.StartedAt), finished, r.Source, r.System, r.Prompt,
		r.Model, r.ModelDigest, r.RuntimeVersion, string(opts), r.Output,
		r.PromptEvalCount, r.EvalCount,
		int64(r.TotalDuration), int64(r.LoadDuration), int64(r.PromptEvalDuration), int64(r.EvalDuration), int64(r.FirstToken),
		r.DoneReason, string(r.Status), r.Error, study, r.Thinking, r.Rating, r.Notes, r.BurnInRisk,
		r.Recipe.Name, r.Recipe.Version, r.Recipe.Hash, r.RecipeJSON, jsonList(r.ImageLabels), jsonList(r.ImageGeometry), jsonList(r.Boxes),
		r.SchemaHash, r.SchemaValid, r.SchemaError, r.PromptVersion, jsonList(r.Measurements))
	if err != nil {
		return 0, s.errorf("save run: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, s.errorf("save run: %w", err)
	}
	for i, sha := range r.ImageSHA256 {
		path, key := "", ""
		if len(r.SourcePaths) > 0 {
			path = r.SourcePaths[i]
		}
		if len(r.SourceKeys) > 0 {
			key = r.SourceKeys[i]
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO run_images (run_id, position, image_sha256, source_path, source_key) VALUES (?, ?, ?, ?, ?)`,
			id, i, sha, path, key); err != nil {
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
func (s *Store) Run(ctx context.Context, id int64) (*core.Run, error) {
	runs, err := queryAll(ctx, s.db, scanRun, selectRuns+` WHERE r.id = ?`, id)
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
func (s *Store) Runs(ctx context.Context, limit int) ([]core.Run, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	runs, err := queryAll(ctx, s.db, scanRun, selectRuns+` ORDER BY r.started_at DESC, r.id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, s.errorf("list runs: %w", err)
	}
	return runs, nil
}

// BeginRun saves a run as it starts, with status running, so that a crash
// leaves a trace: the next Open marks it interrupted. Finish it with
// FinishRun. It returns the run's id and sets r.ID.
func (s *Store) BeginRun(ctx context.Context, r *core.Run) (int64, error) {
	r.Status = core.StatusRunning
	r.FinishedAt = time.Time{}
	return s.SaveRun(ctx, r)
}

// FinishRun records how a run begun with BeginRun ended: its finish time,
// digest and runtime version, output, thinking, counts, durations, done
// reason, status and error, the boxes read from its answer and whether
// the answer fits its schema. The prompts, images and options stay as begun.
func (s *Store) FinishRun(ctx context.Context, r *core.Run) error {
	if r.Status == core.StatusRunning || r.Status == "" {
		return s.errorf("finish run %d: status %q is not an end state", r.ID, r.Status)
	}
	finished := r.FinishedAt
	if finished.IsZero() {
		finished = time.Now()
	}
	res, err := s.db.ExecContext(ctx, `
UPDATE runs SET finished_at = ?, model_digest = ?, runtime_version = ?, output = ?, thinking = ?,
	prompt_eval_count = ?, eval_count = ?,
	total_duration_ns = ?, load_duration_ns = ?, prompt_eval_duration_ns = ?, eval_duration_ns = ?, first_token_ns = ?,
	done_reason = ?, status = ?, error = ?, boxes = ?, schema_valid = ?, schema_error = ?
WHERE id = ?`,
		formatTime(finished), r.ModelDigest, r.RuntimeVersion, r.Output, r.Thinking,
		r.PromptEvalCount, r.EvalCount,
		int64(r.TotalDuration), int64(r.LoadDuration), int64(r.PromptEvalDuration), int64(r.EvalDuration), int64(r.FirstToken),
		r.DoneReason, string(r.Status), r.Error, jsonList(r.Boxes), r.SchemaValid, r.SchemaError, r.ID)
	if err != nil {
		return s.errorf("finish run %d: %w", r.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return s.errorf("finish run %d: %w", r.ID, ErrNotFound)
	}
	r.FinishedAt = finished
	return nil
}

// SetRating sets a run's rating: 0 for unrated, else 1 to 5.
func (s *Store) SetRating(ctx context.Context, id int64, rating int) error {
	if rating < 0 || rating > 5 {
		return s.errorf("rate run %d: rating %d is not 0 (unrated) to 5", id, rating)
	}
	return s.updateRun(ctx, id, "rate", `UPDATE runs SET rating = ? WHERE id = ?`, rating)
}

// SetNotes replaces a run's notes, which full-text search covers.
func (s *Store) SetNotes(ctx context.Context, id int64, notes string) error {
	return s.updateRun(ctx, id, "annotate", `UPDATE runs SET notes = ? WHERE id = ?`, notes)
}

func (s *Store) updateRun(ctx context.Context, id int64, op, query string, v any) error {
	res, err := s.db.ExecContext(ctx, query, v, id)
	if err != nil {
		return s.errorf("%s run %d: %w", op, id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return s.errorf("%s run %d: %w", op, id, ErrNotFound)
	}
	return nil
}

// selectRuns reads runs with their image hashes and source paths in order,
// in one statement so that a run and its images come from the same
// snapshot. The hashes are hex, so a comma separates them safely; the paths
// come as a JSON array.
const selectRuns = `
SELECT r.id, coalesce(r.session_id, 0), r.started_at, coalesce(r.finished_at, ''),
	r.source, r.system, r.prompt, r.model, r.model_digest, r.runtime_version,
	r.options, r.output, r.prompt_eval_count, r.eval_count,
	r.total_duration_ns, r.load_duration_ns, r.prompt_eval_duration_ns, r.eval_duration_ns, r.first_token_ns,
	r.done_reason, r.status, r.error,
	coalesce((SELECT group_concat(ri.image_sha256, ',' ORDER BY ri.position)
		FROM run_images ri WHERE ri.run_id = r.id), ''),
	(SELECT json_group_array(ri.source_path ORDER BY ri.position)
		FROM run_images ri WHERE ri.run_id = r.id),
	coalesce((SELECT group_concat(ri.source_key, ',' ORDER BY ri.position)
		FROM run_images ri WHERE ri.run_id = r.id), ''),
	r.thinking, coalesce(r.study_key, ''), r.rating, r.notes,
	coalesce(st.modality, ''), coalesce(st.description, ''), r.burn_in_risk,
	r.recipe, r.recipe_version, r.recipe_hash, r.recipe_json, r.image_labels, r.image_geometry, r.boxes,
	r.schema_hash, r.schema_valid, r.schema_error, r.prompt_version, r.measurements
FROM runs r LEFT JOIN studies st ON st.key = r.study_key`

// scanRun reads one row of selectRuns.
func scanRun(rows *sql.Rows) (core.Run, error) {
	var (
		r                   core.Run
		started, finished   string
		opts, status, shas  string
		paths, keys         string
		total, load, pe, ev int64
		first               int64
		labels, geom, boxes string
		measures            string
	)
	if err := rows.Scan(&r.ID, &r.SessionID, &started, &finished,
		&r.Source, &r.System, &r.Prompt, &r.Model, &r.ModelDigest, &r.RuntimeVersion,
		&opts, &r.Output, &r.PromptEvalCount, &r.EvalCount,
		&total, &load, &pe, &ev, &first,
		&r.DoneReason, &status, &r.Error, &shas, &paths, &keys,
		&r.Thinking, &r.StudyKey, &r.Rating, &r.Notes, &r.StudyModality, &r.StudyDescription, &r.BurnInRisk,
		&r.Recipe.Name, &r.Recipe.Version, &r.Recipe.Hash, &r.RecipeJSON, &labels, &geom, &boxes,
		&r.SchemaHash, &r.SchemaValid, &r.SchemaError, &r.PromptVersion, &measures); err != nil {
		return core.Run{}, err
	}
	var err error
	if r.StartedAt, err = parseTime(started); err != nil {
		return core.Run{}, fmt.Errorf("run %d: started_at: %w", r.ID, err)
	}
	if finished != "" {
		if r.FinishedAt, err = parseTime(finished); err != nil {
			return core.Run{}, fmt.Errorf("run %d: finished_at: %w", r.ID, err)
		}
	}
	if err := json.Unmarshal([]byte(opts), &r.Options); err != nil {
		return core.Run{}, fmt.Errorf("run %d: options: %w", r.ID, err)
	}
	if labels != "[]" {
		if err := json.Unmarshal([]byte(labels), &r.ImageLabels); err != nil {
			return core.Run{}, fmt.Errorf("run %d: image labels: %w", r.ID, err)
		}
	}
	if geom != "[]" {
		if err := json.Unmarshal([]byte(geom), &r.ImageGeometry); err != nil {
			return core.Run{}, fmt.Errorf("run %d: image geometry: %w", r.ID, err)
		}
	}
	if measures != "[]" {
		if err := json.Unmarshal([]byte(measures), &r.Measurements); err != nil {
			return core.Run{}, fmt.Errorf("run %d: measurements: %w", r.ID, err)
		}
	}
	if boxes != "[]" {
		if err := json.Unmarshal([]byte(boxes), &r.Boxes); err != nil {
			return core.Run{}, fmt.Errorf("run %d: boxes: %w", r.ID, err)
		}
	}
	if shas != "" {
		r.ImageSHA256 = strings.Split(shas, ",")
		var ps []string
		if err := json.Unmarshal([]byte(paths), &ps); err != nil {
			return core.Run{}, fmt.Errorf("run %d: source paths: %w", r.ID, err)
		}
		if strings.Join(ps, "") != "" {
			r.SourcePaths = ps
		}
		if strings.Trim(keys, ",") != "" {
			r.SourceKeys = strings.Split(keys, ",")
		}
	}
	r.TotalDuration = time.Duration(total)
	r.LoadDuration = time.Duration(load)
	r.PromptEvalDuration = time.Duration(pe)
	r.EvalDuration = time.Duration(ev)
	r.FirstToken = time.Duration(first)
	r.Status = core.Status(status)
	return r, nil
}

// SaveOutput records the partial answer of a run still streaming, so that a
// crash keeps what had arrived. FinishRun records the final one.
func (s *Store) SaveOutput(ctx context.Context, id int64, output string) error {
	return s.updateRun(ctx, id, "checkpoint", `UPDATE runs SET output = ? WHERE id = ?`, output)
}

// jsonList writes a list as JSON ("[]" for none).
func jsonList[T any](v []T) string {
	if len(v) == 0 {
		return "[]"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "[]"
	}
	return string(b)
}
