package history

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestHistoryFilesArePrivate (issue 26, item 5): a new run log and its WAL
// and shared-memory files are readable by the user only, and an existing
// one made 0644 by an earlier version is made 0600 when opened.
func TestHistoryFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "history.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartSession(context.Background(), "cli", "test"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(p), err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s is %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
	s.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		os.Chmod(p, 0o644)
	}
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm() != 0o600 {
			t.Errorf("reopened: %s is %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
}
