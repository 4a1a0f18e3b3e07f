package batch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/medgemma-workbench/medgemma-workbench/internal/atomicfile"
	"github.com/medgemma-workbench/medgemma-workbench/internal/filelock"
)

// ReadRows reads a result file. A last line cut off by a crash (one that
// starts as a row does, {"key":, and does not end) is skipped (truncated
// is true); any other line that is not a row, with at least "key" and
// "status", is an [*InputError] naming the file and line.
func ReadRows(path string) (rows []Row, truncated bool, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, &InputError{File: path, Err: cause(err)}
	}
	return parseRows(path, data)
}

// rowStart is how every row the batch writes begins: Row's first field.
var rowStart = []byte(`{"key":`)

func parseRows(path string, data []byte) (rows []Row, truncated bool, err error) {
	lines := bytes.Split(data, []byte("\n"))
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var r Row
		err := json.Unmarshal(line, &r)
		switch {
		case err != nil:
			// Only the last line, without its newline, can be a crash's
			// half-written row, and only if it began as one.
			if i == len(lines)-1 && bytes.HasPrefix(line, rowStart) {
				return rows, true, nil
			}
		case r.Key == "" || r.Status == "":
			err = errors.New(`a JSON object without the result fields "key" and "status"`)
		}
		if err != nil {
			return nil, false, inputErr(path, i+1, "not a batch result row: %v", err)
		}
		rows = append(rows, r)
	}
	return rows, false, nil
}

// Output is a batch's result file, open for appending rows as runs finish.
type Output struct {
	path string

	lock *filelock.Lock

	mu    sync.Mutex
	f     *os.File
	rows  map[string]Row
	order []string // keys in the order they were written
}

// LockPath is the lock file of the result file at path: .NAME.lock next
// to it.
func LockPath(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock")
}

// OpenOutput opens the result file at path, creating it if needed, and
// holds its lock ([LockPath]) until Close or Finish: a second batch on the
// same file gets an error wrapping [ErrLocked]. The rows already there
// with status ok are kept, and their runs count as done; error rows (to be
// run again), duplicates and a last line cut off by a crash are dropped,
// by rewriting the file atomically. A file that is not a batch result is
// an [*InputError] and is left as it is.
func OpenOutput(path string) (*Output, error) {
	lock, err := filelock.TryLock(LockPath(path))
	if err != nil {
		if errors.Is(err, ErrLocked) {
			return nil, &InputError{File: path, Err: fmt.Errorf("another batch is writing this result file (%w: %s); wait for it to finish", ErrLocked, LockPath(path))}
		}
		return nil, err
	}
	o, err := openOutput(path)
	if err != nil {
		lock.Unlock()
		return nil, err
	}
	o.lock = lock
	return o, nil
}

func openOutput(path string) (*Output, error) {
	o := &Output{path: path, rows: map[string]Row{}}
	old, truncated, err := ReadRows(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	dropped := truncated
	for _, r := range old {
		if r.Status != "ok" {
			dropped = true
			continue
		}
		if _, dup := o.rows[r.Key]; dup {
			dropped = true
		} else {
			o.order = append(o.order, r.Key)
		}
		o.rows[r.Key] = r
	}
	if dropped {
		if err := o.rewrite(o.sorted(nil)); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// Rows hold answers about patients' images: the user's only, also
	// when an earlier version made the file 0644.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	o.f = f
	return o, nil
}

// Done reports whether the run with this key finished ok in an earlier
// batch.
func (o *Output) Done(key string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	r, ok := o.rows[key]
	return ok && r.Status == "ok"
}

// Append writes one row as a line and syncs the file, so that a crash
// keeps every row appended before it.
func (o *Output) Append(r Row) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return err
	}
	b := buf.Bytes()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.f == nil {
		return fmt.Errorf("write %s: closed", o.path)
	}
	if _, err := o.f.Write(b); err != nil {
		return fmt.Errorf("write %s: %w", o.path, err)
	}
	if err := o.f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", o.path, err)
	}
	if _, ok := o.rows[r.Key]; !ok {
		o.order = append(o.order, r.Key)
	}
	o.rows[r.Key] = r
	return nil
}

// Rows returns the rows written so far, in the order of jobs (rows of
// other runs, such as those of an earlier manifest, follow in file order).
func (o *Output) Rows(jobs []Job) []Row {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.sorted(jobs)
}

func (o *Output) sorted(jobs []Job) []Row {
	rank := make(map[string]int, len(jobs))
	for _, j := range jobs {
		rank[j.Key] = j.Index
	}
	pos := make(map[string]int, len(o.order))
	for i, k := range o.order {
		pos[k] = i
	}
	rows := make([]Row, 0, len(o.order))
	for _, k := range o.order {
		rows = append(rows, o.rows[k])
	}
	sort.SliceStable(rows, func(a, b int) bool {
		ra, oka := rank[rows[a].Key]
		rb, okb := rank[rows[b].Key]
		switch {
		case oka && okb:
			return ra < rb
		case oka != okb:
			return oka
		}
		return pos[rows[a].Key] < pos[rows[b].Key]
	})
	return rows
}

// Finish closes the file after rewriting it in the order of jobs, and
// writes the same rows as CSV to csvPath ("" for none). Both are written
// to a temporary file first and renamed, so they are whole or unchanged.
func (o *Output) Finish(jobs []Job, csvPath string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.f != nil {
		o.f.Close()
		o.f = nil
	}
	defer o.unlock()
	rows := o.sorted(jobs)
	if err := o.rewrite(rows); err != nil {
		return err
	}
	if csvPath == "" {
		return nil
	}
	return writeAtomic(csvPath, func(w io.Writer) error { return WriteCSV(w, rows) })
}

func (o *Output) unlock() {
	o.lock.Unlock()
	o.lock = nil
}

// Close closes the file as it is.
func (o *Output) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	defer o.unlock()
	if o.f == nil {
		return nil
	}
	err := o.f.Close()
	o.f = nil
	return err
}

func (o *Output) rewrite(rows []Row) error {
	return writeAtomic(o.path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeAtomic writes a file through internal/atomicfile, readable by the
// user only (0600): result rows and their CSV hold patient data.
func writeAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, 0o600, write)
}

// ErrLocked is returned, wrapped, when another process holds a result
// file's lock (or its extraction folder's).
var ErrLocked = filelock.ErrLocked
