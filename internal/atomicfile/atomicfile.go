// Package atomicfile writes files so that a crash, a full disk or a kill
// leaves either the old file or the whole new one, never half of either:
// the bytes go to a temporary file in the same folder, which is synced,
// renamed over the target, and the folder is synced so the rename itself
// survives a power cut.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write writes path with what write produces, atomically, with permission
// perm. On any error the target is left as it was and the temporary file
// is removed.
func Write(path string, perm os.FileMode, write func(io.Writer) error) error {
	return WriteOS(path, perm, func(f *os.File) error {
		bw := bufio.NewWriterSize(f, 64<<10)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// WriteOS is Write for writers that need the file itself (to seek, or to
// read back what they wrote): write gets the temporary file, open for
// reading and writing, and must leave it open.
func WriteOS(path string, perm os.FileMode, write func(*os.File) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := write(tmp); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(name, perm); err != nil {
		os.Remove(name)
		done = true
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		done = true
		return fmt.Errorf("write %s: %w", path, err)
	}
	done = true
	if err := SyncDir(dir); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// WriteFile writes data to path atomically with permission perm.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// SyncDir flushes a folder's entries (a rename or a new file in it) to
// disk. Systems that cannot sync a folder (Windows) are not an error.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !ignorableDirSyncError(err) {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}
