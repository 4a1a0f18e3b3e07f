// Package logfile is an append-only log file with a size cap: when the
// file would grow past the cap it is renamed to NAME.1 (NAME.1 to NAME.2,
// and so on, the oldest dropped) and a new one is started. Several
// processes may append to the same log: each notices that another rotated
// it and follows to the new file.
package logfile

import (
	"fmt"
	"os"
	"strconv"
	"sync"
)

// Defaults for the workbench's logs: 10 MB a file, three old files kept.
const (
	DefaultMaxSize = 10 << 20
	DefaultKeep    = 3
)

// Writer appends to a size-capped log file. It is safe for concurrent use.
type Writer struct {
	path    string
	maxSize int64
	keep    int

	mu sync.Mutex
	f  *os.File
}

// Open opens (creating it, mode 0600) the log at path for appending. A
// file already at or over maxSize is rotated first. maxSize ≤ 0 means
// [DefaultMaxSize]; keep is how many rotated files are kept (NAME.1 …
// NAME.keep), < 0 means [DefaultKeep].
func Open(path string, maxSize int64, keep int) (*Writer, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if keep < 0 {
		keep = DefaultKeep
	}
	w := &Writer{path: path, maxSize: maxSize, keep: keep}
	if fi, err := os.Stat(path); err == nil && fi.Size() >= maxSize {
		if err := w.rotate(); err != nil {
			return nil, err
		}
	}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

// Path is the log file's path.
func (w *Writer) Path() string { return w.path }

func (w *Writer) open() error {
	f, err := os.OpenFile(w.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	w.f = f
	return nil
}

// rotate shifts NAME.(keep-1) … NAME to NAME.keep … NAME.1; with keep 0
// the current file is removed.
func (w *Writer) rotate() error {
	if w.keep == 0 {
		if err := os.Remove(w.path); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("rotate log: %w", err)
		}
		return nil
	}
	for i := w.keep - 1; i >= 1; i-- {
		if err := os.Rename(w.name(i), w.name(i+1)); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("rotate log: %w", err)
		}
	}
	if err := os.Rename(w.path, w.name(1)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("rotate log: %w", err)
	}
	return nil
}

func (w *Writer) name(i int) string { return w.path + "." + strconv.Itoa(i) }

// Write appends p (one write: a line is never split between files). When
// the file, as any process has grown it, would pass the cap, it is rotated
// first; a file that another process rotated away is left for the new one.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return 0, os.ErrClosed
	}
	cur, err := w.f.Stat()
	if err != nil {
		return 0, err
	}
	if now, err := os.Stat(w.path); err != nil || !os.SameFile(cur, now) {
		// Rotated (or removed) by another process: follow.
		w.f.Close()
		if err := w.open(); err != nil {
			w.f = nil
			return 0, err
		}
		if cur, err = w.f.Stat(); err != nil {
			return 0, err
		}
	}
	if size := cur.Size(); size > 0 && size+int64(len(p)) > w.maxSize {
		w.f.Close()
		rerr := w.rotate()
		if err := w.open(); err != nil {
			w.f = nil
			return 0, err
		}
		if rerr != nil {
			return 0, rerr
		}
	}
	return w.f.Write(p)
}

// Size is the current file's size.
func (w *Writer) Size() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return 0
	}
	fi, err := w.f.Stat()
	if err != nil {
		return 0
	}
	return fi.Size()
}

// Close closes the file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}
