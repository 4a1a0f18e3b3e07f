package history

import (
	"context"
	"strings"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// Filter selects runs. Zero fields do not filter.
type Filter struct {
	// Text is searched in system prompts, prompts, answers and notes with
	// SQLite FTS5: every word must occur (case and accents ignored), and a
	// word ending in * matches as a prefix. It is not FTS5 query syntax:
	// quotes and operators are taken as words.
	Text string
	// Model is the exact model name.
	Model string
	// From and To bound the start time: From <= started < To.
	From, To time.Time
	// MinRating keeps runs rated at least this.
	MinRating int
	// StudyKey keeps the runs of one study.
	StudyKey string
	// Status keeps the runs that ended so.
	Status inference.Status
	// Limit is the most runs returned, newest first; 0 or less means all.
	Limit int
}

// Search returns the runs that match f, newest first by start time.
func (s *Store) Search(ctx context.Context, f Filter) ([]Run, error) {
	var where []string
	var args []any
	if q := ftsQuery(f.Text); q != "" {
		where = append(where, `r.id IN (SELECT rowid FROM runs_fts WHERE runs_fts MATCH ?)`)
		args = append(args, q)
	} else if strings.TrimSpace(f.Text) != "" {
		return nil, nil // only punctuation: nothing can match
	}
	if f.Model != "" {
		where = append(where, `r.model = ?`)
		args = append(args, f.Model)
	}
	if !f.From.IsZero() {
		where = append(where, `r.started_at >= ?`)
		args = append(args, formatTime(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, `r.started_at < ?`)
		args = append(args, formatTime(f.To))
	}
	if f.MinRating > 0 {
		where = append(where, `r.rating >= ?`)
		args = append(args, f.MinRating)
	}
	if f.StudyKey != "" {
		where = append(where, `r.study_key = ?`)
		args = append(args, f.StudyKey)
	}
	if f.Status != "" {
		where = append(where, `r.status = ?`)
		args = append(args, string(f.Status))
	}
	q := selectRuns
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	q += ` ORDER BY r.started_at DESC, r.id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.errorf("search runs: %w", err)
	}
	runs, err := scanRuns(rows)
	if err != nil {
		return nil, s.errorf("search runs: %w", err)
	}
	return runs, nil
}

// ftsQuery turns what a researcher typed into an FTS5 query: each word
// quoted (so that FTS5 operators and punctuation are plain text), all
// required, and a trailing * kept as a prefix match. It returns "" when
// nothing searchable is left.
func ftsQuery(text string) string {
	var terms []string
	for _, w := range strings.Fields(text) {
		prefix := strings.HasSuffix(w, "*")
		w = strings.TrimRight(w, "*")
		if !strings.ContainsFunc(w, isWordRune) {
			continue
		}
		t := `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
		if prefix {
			t += "*"
		}
		terms = append(terms, t)
	}
	return strings.Join(terms, " ")
}

func isWordRune(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80
}
