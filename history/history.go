// Package history is the workbench's run log: one SQLite file that records
// every launch (session), every model-input image (stored once, keyed by the
// SHA-256 of its PNG bytes) and every run with full provenance — prompts,
// model and digest, runtime version, options, output, the runtime's timings
// and how the run ended.
//
// The file is opened in WAL mode with foreign keys on and a busy timeout, so
// the GUI and a CLI command may use it at the same time. Its schema is
// versioned with PRAGMA user_version and brought up to date by numbered
// migrations when it is opened.
//
// Storage conventions: times are UTC text in a fixed-width RFC 3339 form with
// nanoseconds (see timeLayout), so they sort as strings; durations are
// integer nanoseconds in columns whose names end in _ns.
package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

// timeLayout is how times are stored: always UTC, always nine fractional
// digits, so that string order is time order. time.RFC3339Nano parses it.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// Store is an open history database. Its methods are safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string

	saltMu sync.Mutex // guards salt
	salt   string
}

// Open opens (creating if needed) the database file at path and migrates it
// to the current schema.
func Open(path string) (*Store, error) {
	dsn, err := dsn(path)
	if err != nil {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	if err := private(path); err != nil {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	err = retryBusy(func() error {
		if err := migrate(context.Background(), db, migrations, len(migrations)); err != nil {
			return err
		}
		_, err := s.MarkInterrupted(context.Background())
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open history %s: %w", path, err)
	}
	return s, nil
}

// private makes the database file, and its WAL and shared-memory files
// where they exist, readable by the user only (0600), creating an empty
// database file so that SQLite, which gives the -wal and -shm files the
// database's own mode, never makes them 0644: the run log holds patient
// data.
func private(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// retryBusy runs f again while it fails with SQLITE_BUSY, for up to 10 s.
// The busy timeout covers waiting for another writer, but not the first
// use of a new file, where SQLite reports busy at once when several
// processes switch it to WAL mode together.
func retryBusy(f func() error) error {
	deadline := time.Now().Add(10 * time.Second)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := f()
		var se sqlite3.Error
		if err == nil || !errors.As(err, &se) || (se.Code != sqlite3.ErrBusy && se.Code != sqlite3.ErrLocked) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(wait)
	}
}

// dsn returns the go-sqlite3 data source name for the file at path. The path
// is made absolute and escaped as a file: URI so that names containing '?',
// '#' or '%' open the file they name. Every connection in the pool gets the
// same settings:
//
//   - _journal_mode=WAL: readers do not block the writer and vice versa;
//   - _foreign_keys=on: REFERENCES clauses are enforced;
//   - _busy_timeout=5000: wait up to 5 s for another writer, then fail;
//   - _synchronous=NORMAL: the usual setting with WAL, durable but for the
//     last transactions on power loss;
//   - _txlock=immediate: transactions take the write lock at BEGIN, so two
//     writers queue on the busy timeout instead of one failing at once when
//     it upgrades a read lock.
func dsn(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: file:///C:/dir/history.db
	}
	u := url.URL{Scheme: "file", Path: p}
	return u.String() + "?_journal_mode=WAL&_foreign_keys=on&_busy_timeout=5000&_synchronous=NORMAL&_txlock=immediate", nil
}

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close history %s: %w", s.path, err)
	}
	return nil
}

// StartSession records one launch of the workbench or one CLI command and
// returns its id, to be set as Run.SessionID. kind says what was started, for
// example "gui" or "cli ask"; appVersion is the workbench's version. The
// operating system and architecture are recorded with it, and the process,
// so that MarkInterrupted can tell whether the session is still alive.
func (s *Store) StartSession(ctx context.Context, kind, appVersion string) (int64, error) {
	pid := os.Getpid()
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO sessions (started_at, kind, app_version, platform, pid, proc_start) VALUES (?, ?, ?, ?, ?, ?)`,
		formatTime(time.Now()), kind, appVersion, runtime.GOOS+"/"+runtime.GOARCH, pid, procStart(pid))
	if err != nil {
		return 0, s.errorf("start session: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, s.errorf("start session: %w", err)
	}
	return id, nil
}

// errorf wraps an error with the operation and the database file it was on.
func (s *Store) errorf(format string, args ...any) error {
	return fmt.Errorf("history %s: "+format, append([]any{s.path}, args...)...)
}

// queryAll runs query and returns its rows, each read by scan.
func queryAll[T any](ctx context.Context, db *sql.DB, scan func(*sql.Rows) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return readAll(rows, scan)
}

// readAll reads every row of rows with scan, and closes rows.
func readAll[T any](rows *sql.Rows, scan func(*sql.Rows) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// scanID reads a row of one integer, a run's or another record's id.
func scanID(rows *sql.Rows) (int64, error) {
	var id int64
	err := rows.Scan(&id)
	return id, err
}

func formatTime(t time.Time) string {
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}
