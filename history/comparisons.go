package history

import (
	"context"
	"database/sql"
	"errors"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"time"
)

// SaveComparison records a comparison of the given runs, in order, and
// returns its id, which it also sets in c.ID.
func (s *Store) SaveComparison(ctx context.Context, c *core.Comparison) (int64, error) {
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
func (s *Store) Comparison(ctx context.Context, id int64) (*core.Comparison, error) {
	c := &core.Comparison{ID: id}
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

// SaveTemplate creates or replaces the template with t.Name and keeps
// what it holds as a version of the template (Templates, TemplateVersions);
// saving the same text again makes no new version. Version is set from the
// texts, whatever t holds.
func (s *Store) SaveTemplate(ctx context.Context, t core.PromptTemplate) error {
	if t.Name == "" {
		return s.errorf("save prompt template: empty name")
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = time.Now()
	}
	t = t.Versioned()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.errorf("save prompt template %q: %w", t.Name, err)
	}
	defer tx.Rollback()
	at := formatTime(t.UpdatedAt)
	if _, err := tx.ExecContext(ctx, `
INSERT INTO prompt_templates (name, system, prompt, schema, recipe, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET system = excluded.system, prompt = excluded.prompt, schema = excluded.schema,
	recipe = excluded.recipe, version = excluded.version, updated_at = excluded.updated_at`,
		t.Name, t.System, t.Prompt, t.Schema, t.Recipe, t.Version, at); err != nil {
		return s.errorf("save prompt template %q: %w", t.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `
INSERT INTO prompt_template_versions (name, version, system, prompt, schema, recipe, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (name, version) DO NOTHING`,
		t.Name, t.Version, t.System, t.Prompt, t.Schema, t.Recipe, at); err != nil {
		return s.errorf("save prompt template %q: version: %w", t.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return s.errorf("save prompt template %q: %w", t.Name, err)
	}
	return nil
}

// Templates returns the saved prompt templates by name, each as last saved.
func (s *Store) Templates(ctx context.Context) ([]core.PromptTemplate, error) {
	out, err := queryAll(ctx, s.db, scanTemplate, `SELECT name, system, prompt, schema, recipe, updated_at FROM prompt_templates ORDER BY name`)
	if err != nil {
		return nil, s.errorf("list prompt templates: %w", err)
	}
	return out, nil
}

// TemplateVersions returns every saved version of the template called
// name, oldest first; the last is the template as it is now. A template
// saved before versions were kept is its own only version. None for a
// name never saved.
func (s *Store) TemplateVersions(ctx context.Context, name string) ([]core.PromptTemplate, error) {
	out, err := queryAll(ctx, s.db, scanTemplate, `
SELECT name, system, prompt, schema, recipe, created_at FROM prompt_template_versions WHERE name = ?
ORDER BY created_at, version`, name)
	if err != nil {
		return nil, s.errorf("prompt template %q: versions: %w", name, err)
	}
	if len(out) == 0 {
		out, err = queryAll(ctx, s.db, scanTemplate, `SELECT name, system, prompt, schema, recipe, updated_at FROM prompt_templates WHERE name = ?`, name)
		if err != nil {
			return nil, s.errorf("prompt template %q: versions: %w", name, err)
		}
	}
	return out, nil
}

// scanTemplate reads one row of the templates' queries and names its
// version.
func scanTemplate(rows *sql.Rows) (core.PromptTemplate, error) {
	var t core.PromptTemplate
	var updated string
	err := rows.Scan(&t.Name, &t.System, &t.Prompt, &t.Schema, &t.Recipe, &updated)
	if err == nil {
		t.UpdatedAt, err = parseTime(updated)
	}
	return t.Versioned(), err
}

// DeleteTemplate removes the template called name, if there is one, and
// its versions; the runs made with it keep their texts and version names.
func (s *Store) DeleteTemplate(ctx context.Context, name string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.errorf("delete prompt template %q: %w", name, err)
	}
	defer tx.Rollback()
	for _, q := range []string{`DELETE FROM prompt_templates WHERE name = ?`, `DELETE FROM prompt_template_versions WHERE name = ?`} {
		if _, err := tx.ExecContext(ctx, q, name); err != nil {
			return s.errorf("delete prompt template %q: %w", name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.errorf("delete prompt template %q: %w", name, err)
	}
	return nil
}
