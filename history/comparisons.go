package history

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// SaveComparison records a comparison of the given runs, in order, and
// returns its id, which it also sets in c.ID.
func (s *Store) SaveComparison(ctx context.Context, c *Comparison) (int64, error) {
	if len(c.RunIDs) == 0 {
		return 0, s.errorf("save comparison: no runs")
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.errorf("save comparison: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO comparisons (created_at, title, notes) VALUES (?, ?, ?)`,
		formatTime(c.CreatedAt), c.Title, c.Notes)
	if err != nil {
		return 0, s.errorf("save comparison: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, s.errorf("save comparison: %w", err)
	}
	for i, run := range c.RunIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO comparison_runs (comparison_id, position, run_id) VALUES (?, ?, ?)`,
			id, i, run); err != nil {
			return 0, s.errorf("save comparison: run %d: %w", run, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, s.errorf("save comparison: %w", err)
	}
	c.ID = id
	return id, nil
}

// Comparison returns the comparison with the given id, or an error
// wrapping ErrNotFound.
func (s *Store) Comparison(ctx context.Context, id int64) (*Comparison, error) {
	c := &Comparison{ID: id}
	var created string
	err := s.db.QueryRowContext(ctx, `SELECT created_at, title, notes FROM comparisons WHERE id = ?`, id).
		Scan(&created, &c.Title, &c.Notes)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.errorf("comparison %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, s.errorf("comparison %d: %w", id, err)
	}
	if c.CreatedAt, err = parseTime(created); err != nil {
		return nil, s.errorf("comparison %d: %w", id, err)
	}
	if c.RunIDs, err = queryAll(ctx, s.db, scanID, `SELECT run_id FROM comparison_runs WHERE comparison_id = ? ORDER BY position`, id); err != nil {
		return nil, s.errorf("comparison %d: %w", id, err)
	}
	return c, nil
}

// SaveTemplate creates or replaces the template with t.Name.
func (s *Store) SaveTemplate(ctx context.Context, t PromptTemplate) error {
	if t.Name == "" {
		return s.errorf("save prompt template: empty name")
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = time.Now()
	}
	if _, err := s.db.ExecContext(ctx, `
INSERT INTO prompt_templates (name, system, prompt, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET system = excluded.system, prompt = excluded.prompt, updated_at = excluded.updated_at`,
		t.Name, t.System, t.Prompt, formatTime(t.UpdatedAt)); err != nil {
		return s.errorf("save prompt template %q: %w", t.Name, err)
	}
	return nil
}

// Templates returns the saved prompt templates by name.
func (s *Store) Templates(ctx context.Context) ([]PromptTemplate, error) {
	out, err := queryAll(ctx, s.db, scanTemplate, `SELECT name, system, prompt, updated_at FROM prompt_templates ORDER BY name`)
	if err != nil {
		return nil, s.errorf("list prompt templates: %w", err)
	}
	return out, nil
}

// scanTemplate reads one row of Templates' query.
func scanTemplate(rows *sql.Rows) (PromptTemplate, error) {
	var t PromptTemplate
	var updated string
	err := rows.Scan(&t.Name, &t.System, &t.Prompt, &updated)
	if err == nil {
		t.UpdatedAt, err = parseTime(updated)
	}
	return t, err
}

// DeleteTemplate removes the template called name, if there is one.
func (s *Store) DeleteTemplate(ctx context.Context, name string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM prompt_templates WHERE name = ?`, name); err != nil {
		return s.errorf("delete prompt template %q: %w", name, err)
	}
	return nil
}
