package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.jsonl")
	if err := os.WriteFile(path, []byte("old contents\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk full")
	tests := []struct {
		name    string
		write   func(io.Writer) error
		perm    os.FileMode
		want    string
		wantErr bool
	}{
		{"failed write keeps the old file", func(w io.Writer) error {
			io.WriteString(w, "half a ne")
			return boom
		}, 0o644, "old contents\n", true},
		{"whole write replaces it", func(w io.Writer) error {
			_, err := io.WriteString(w, "new contents\n")
			return err
		}, 0o600, "new contents\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Write(path, tt.perm, tt.write)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Write error = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr && !errors.Is(err, boom) {
				t.Errorf("error %v does not wrap the writer's", err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != tt.want {
				t.Errorf("file = %q, want %q", got, tt.want)
			}
			if !tt.wantErr {
				fi, _ := os.Stat(path)
				if fi.Mode().Perm() != tt.perm {
					t.Errorf("mode %v, want %v", fi.Mode().Perm(), tt.perm)
				}
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 1 {
				t.Errorf("folder holds %d entries, want only the target (a temporary file was left)", len(ents))
			}
		})
	}
}

func TestWriteFileMissingFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "out.png")
	err := WriteFile(path, []byte("x"), 0o644)
	if err == nil {
		t.Fatal("WriteFile into a missing folder succeeded")
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v is not ErrNotExist", err)
	}
}

// TestWriteOSReadsBack: a writer that needs the file may seek and read what
// it wrote before the file is renamed into place.
func TestWriteOSReadsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.gguf")
	var back []byte
	err := WriteOS(path, 0o600, func(f *os.File) error {
		if _, err := f.WriteString("GGUF body"); err != nil {
			return err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		var err error
		back, err = io.ReadAll(f)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "GGUF body" || string(back) != "GGUF body" {
		t.Errorf("file %q, read back %q", got, back)
	}
}
