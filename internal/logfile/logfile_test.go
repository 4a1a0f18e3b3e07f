package logfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sizes(t *testing.T, path string, keep int) []int64 {
	t.Helper()
	var out []int64
	for i := 0; i <= keep+1; i++ {
		p := path
		if i > 0 {
			p = fmt.Sprintf("%s.%d", path, i)
		}
		fi, err := os.Stat(p)
		if err != nil {
			out = append(out, -1)
			continue
		}
		out = append(out, fi.Size())
	}
	return out
}

// TestRotation: the log never passes its cap, keeps at most keep old
// files, loses no line that fits, and rotates at open a file already
// over the cap.
func TestRotation(t *testing.T) {
	line := []byte(strings.Repeat("x", 99) + "\n") // 100 bytes
	for _, tc := range []struct {
		name    string
		existed int64 // bytes in the log before Open
		max     int64
		keep    int
		lines   int
		want    []int64 // sizes of NAME, NAME.1 … NAME.keep+1 (-1: absent)
	}{
		{"fits", 0, 1000, 3, 5, []int64{500, -1, -1, -1, -1}},
		{"exactly full", 0, 1000, 3, 10, []int64{1000, -1, -1, -1, -1}},
		{"one rotation", 0, 1000, 3, 11, []int64{100, 1000, -1, -1, -1}},
		{"keeps three", 0, 1000, 3, 45, []int64{500, 1000, 1000, 1000, -1}},
		{"keep one", 0, 1000, 1, 35, []int64{500, 1000, -1}},
		{"keep none", 0, 1000, 0, 15, []int64{500, -1}},
		{"over cap at open", 1500, 1000, 3, 1, []int64{100, 1500, -1, -1, -1}},
		{"under cap at open", 800, 1000, 3, 1, []int64{900, -1, -1, -1, -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.log")
			if tc.existed > 0 {
				os.WriteFile(path, bytes.Repeat([]byte("o"), int(tc.existed)), 0o600)
			}
			w, err := Open(path, tc.max, tc.keep)
			if err != nil {
				t.Fatal(err)
			}
			for range tc.lines {
				if _, err := w.Write(line); err != nil {
					t.Fatal(err)
				}
			}
			w.Close()
			if got := sizes(t, path, tc.keep); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("sizes = %v, want %v", got, tc.want)
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", fi.Mode().Perm())
			}
		})
	}
}

// TestTwoWritersShareTheCap: two writers (as two processes) on one log
// both follow a rotation the other made, so the current file stays under
// the cap and no line is lost.
func TestTwoWritersShareTheCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.log")
	a, err := Open(path, 1000, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(path, 1000, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	line := []byte(strings.Repeat("y", 49) + "\n")
	for i := range 80 { // 4000 bytes
		w := a
		if i%2 == 1 {
			w = b
		}
		if _, err := w.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	got := sizes(t, path, 5)
	total := int64(0)
	for i, s := range got {
		if s > 1000 {
			t.Errorf("file %d has %d bytes, over the cap", i, s)
		}
		if s > 0 {
			total += s
		}
	}
	if total != 4000 {
		t.Errorf("sizes %v hold %d bytes, want all 4000", got, total)
	}
}
