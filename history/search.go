package history

import (
	"context"
	"encoding/json"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"strings"
)

// Search returns the runs that match f, newest first by start time.
func (s *Store) Search(ctx context.Context, f core.Filter) ([]core.Run, error) {
	runs, err := s.search(ctx, f)
	if err != nil {
		return nil, s.errorf("search runs: %w", err)
	}
	return runs, nil
}

func (s *Store) search(ctx context.Context, f core.Filter) ([]core.Run, error) {
	q := ftsQuery(f.Text)
	if q == "" && strings.TrimSpace(f.Text) != "" {
		return nil, nil // only punctuation: nothing can match
	}
	where, args := conditions(f)
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	from := `runs r`
	if q != "" {
		// A search for common words looks at the newest runs first and
		// stops at the limit; one for rarer words reads the matches from
		// the index and sorts them.
		many, err := s.manyMatches(ctx, q, f.Limit)
		if err != nil {
			return nil, err
		}
		if many && f.Limit > 0 {
			ids, err := s.recentMatches(ctx, q, where, args, f.Limit)
			if err != nil {
				return nil, err
			}
			if len(ids) == f.Limit {
				return s.runsByID(ctx, ids)
			}
		}
		if many {
			from = `runs r INDEXED BY runs_started_at`
		}
		where = append(where, `r.id IN (SELECT rowid FROM runs_fts WHERE runs_fts MATCH ?)`)
		args = append(args, q)
	}
	// The ids are chosen first, so that the per-run subqueries of
	// selectRuns run for the page of runs returned, not for every match.
	query := `SELECT r.id FROM ` + from
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += ` ORDER BY r.started_at DESC, r.id DESC LIMIT ?`
	ids, err := s.ids(ctx, query, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	return s.runsByID(ctx, ids)
}

// conditions are the SQL conditions on runs r for f's filters other than
// its text, with their arguments.
func conditions(f core.Filter) (where []string, args []any) {
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
	if f.Recipe != "" {
		where = append(where, `r.recipe = ?`)
		args = append(args, f.Recipe)
	}
	if f.PromptVersion != "" {
		// Versions are hex digits: a prefix needs no escaping.
		where = append(where, `r.prompt_version LIKE ?`)
		args = append(args, strings.Trim(f.PromptVersion, "%_")+"%")
	}
	return where, args
}

// recentMatches returns the ids of the newest runs, up to limit, among the
// 100×limit newest runs that match the FTS query q and the conditions.
// When it finds limit of them they are exactly the newest matches of all
// runs: every older run is older than the window. It reads the index only
// for the window's ids, which is what makes a common word fast.
func (s *Store) recentMatches(ctx context.Context, q string, where []string, args []any, limit int) ([]int64, error) {
	window := 100 * limit
	var minID int64
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(min(id), 0) FROM (SELECT id FROM runs INDEXED BY runs_started_at
		ORDER BY started_at DESC, id DESC LIMIT ?)`, window).Scan(&minID); err != nil {
		return nil, err
	}
	query := `SELECT r.id FROM (SELECT id, started_at, model, rating, study_key, status FROM runs INDEXED BY runs_started_at
		ORDER BY started_at DESC, id DESC LIMIT ?) r
	WHERE r.id IN (SELECT rowid FROM runs_fts WHERE runs_fts MATCH ? AND rowid >= ?)`
	for _, w := range where {
		query += " AND " + w
	}
	query += ` ORDER BY r.started_at DESC, r.id DESC LIMIT ?`
	all := append([]any{window, q, minID}, args...)
	return s.ids(ctx, query, append(all, limit)...)
}

// ids runs a query that returns run ids.
func (s *Store) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	return queryAll(ctx, s.db, scanID, query, args...)
}

// runsByID reads the runs with the given ids, newest first.
func (s *Store) runsByID(ctx context.Context, ids []int64) ([]core.Run, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	return queryAll(ctx, s.db, scanRun, selectRuns+` WHERE r.id IN (SELECT value FROM json_each(?))
		ORDER BY r.started_at DESC, r.id DESC`, string(list))
}

// manyMatches reports whether an FTS query matches so many runs that
// walking the runs newest first finds a page of limit matches sooner than
// sorting all the matches: more than 100 per run asked for, or 5,000 when
// all are asked for (the walk then reads every run, which costs about as
// much as sorting that many matches).
func (s *Store) manyMatches(ctx context.Context, q string, limit int) (bool, error) {
	threshold := 5000
	if limit > 0 {
		threshold = min(threshold, 100*limit)
	}
	var n int
	err := s.db.QueryRowContext(ctx,
		`SELECT count(*) FROM (SELECT 1 FROM runs_fts WHERE runs_fts MATCH ? LIMIT ?)`, q, threshold+1).Scan(&n)
	return n > threshold, err
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
