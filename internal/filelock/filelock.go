// Package filelock takes exclusive, advisory OS locks on files (flock on
// Unix, LockFileEx on Windows), and tells whether a process is alive: what
// keeps one managed runtime per data folder and one batch per result file.
// The operating system drops a lock when its process exits, however it
// exits, so a killed process never leaves a stale lock.
package filelock

import (
	"errors"
	"fmt"
	"os"
)

// ErrLocked is returned, wrapped, when another process holds a lock.
var ErrLocked = errors.New("in use by another process")

// Lock is an exclusive, advisory OS lock on a file (flock on Unix,
// LockFileEx on Windows). The operating system drops it when the process
// exits, however it exits, so a killed process never leaves a stale lock.
type Lock struct {
	f    *os.File
	path string
}

// TryLock takes the lock on the file at path, creating the file if
// needed, without waiting: if another process (or another Lock in this
// one) holds it, the error wraps [ErrLocked].
func TryLock(path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, ErrLocked) {
			return nil, fmt.Errorf("lock %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{f: f, path: path}, nil
}

// Unlock releases the lock. The lock file stays: removing it would race
// with another process that has opened it and is about to lock it.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
