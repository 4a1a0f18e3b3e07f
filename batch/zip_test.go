package batch

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// zipEntry is one entry of a test ZIP. claim, when not 0, is the
// uncompressed size the archive states, whatever the data is.
type zipEntry struct {
	name  string
	data  []byte
	claim uint64
}

func makeZip(t *testing.T, entries ...zipEntry) string {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		if e.claim == 0 {
			w, err := zw.Create(e.name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(e.data)
			continue
		}
		var comp bytes.Buffer
		fw, _ := flate.NewWriter(&comp, flate.BestCompression)
		fw.Write(e.data)
		fw.Close()
		w, err := zw.CreateRaw(&zip.FileHeader{Name: e.name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(e.data),
			CompressedSize64: uint64(comp.Len()), UncompressedSize64: e.claim})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(comp.Bytes())
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "study.zip")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func pngBytes(n int) []byte { return append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, n-8)...) }

// TestExtractZipLimits checks that ExtractZip refuses archives over the
// size and count limits (counting the bytes it decompresses, not the sizes
// the archive states), entries outside the folder and entries named twice,
// with a message naming the ZIP, the entry and the limit.
func TestExtractZipLimits(t *testing.T) {
	lim := ZipLimits{EntryBytes: 1024, TotalBytes: 2048, Entries: 3}
	for _, tc := range []struct {
		name    string
		entries []zipEntry
		want    []string // in the error; none: no error
	}{
		{"at the limits", []zipEntry{{name: "a.png", data: pngBytes(1024)}, {name: "b/c.png", data: pngBytes(1024)}}, nil},
		{"entry too big", []zipEntry{{name: "big.png", data: pngBytes(1025)}}, []string{"study.zip", "entry big.png", "limit of 1 KiB per file"}},
		{"bomb that lies", []zipEntry{{name: "bomb.png", data: pngBytes(1 << 20), claim: 100}}, []string{"study.zip", "entry bomb.png"}},
		{"lie under the limit", []zipEntry{{name: "lie.png", data: pngBytes(4096), claim: 1000}}, []string{"study.zip", "entry lie.png"}},
		{"total too big", []zipEntry{{name: "a.png", data: pngBytes(1000)}, {name: "b.png", data: pngBytes(1000)}, {name: "c.png", data: pngBytes(1000)}},
			[]string{"study.zip", "entry c.png", "limit of 2 KiB per ZIP in all"}},
		{"too many entries", []zipEntry{{name: "a.png", data: pngBytes(9)}, {name: "b.png", data: pngBytes(9)}, {name: "c/", data: nil}, {name: "d.png", data: pngBytes(9)}},
			[]string{"study.zip", "4 entries", "limit of 3 entries"}},
		{"parent folder", []zipEntry{{name: "../escape.png", data: pngBytes(9)}}, []string{"study.zip", `"../escape.png"`, "outside"}},
		{"deep parent", []zipEntry{{name: "a/../../escape.png", data: pngBytes(9)}}, []string{"outside"}},
		{"absolute", []zipEntry{{name: "/etc/escape.png", data: pngBytes(9)}}, []string{"outside"}},
		{"named twice", []zipEntry{{name: "a.png", data: pngBytes(9)}, {name: "a.png", data: pngBytes(9)}}, []string{"entry a.png", "twice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			zpath := makeZip(t, tc.entries...)
			parent := t.TempDir()
			dir := filepath.Join(parent, "x")
			os.Mkdir(dir, 0o700)
			items, err := ExtractZip(zpath, dir, lim)
			if tc.want == nil {
				if err != nil || len(items) != len(tc.entries) {
					t.Fatalf("ExtractZip = %d items, %v", len(items), err)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("ExtractZip error %v, want an *InputError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if _, err := os.Stat(filepath.Join(parent, "escape.png")); err == nil {
				t.Error("an entry was written outside the folder")
			}
			var size int64
			filepath.Walk(dir, func(_ string, info os.FileInfo, _ error) error {
				if info != nil && !info.IsDir() {
					size += info.Size()
				}
				return nil
			})
			if size > lim.TotalBytes+1 {
				t.Errorf("%d bytes written, over the limit", size)
			}
		})
	}
}

// TestCleanTemp checks that a batch-* folder left by a killed run (its
// lock not held) is removed at the next start, and a running batch's is
// not.
func TestCleanTemp(t *testing.T) {
	root := t.TempDir()
	live, remove, err := TempDir(root)
	if err != nil {
		t.Fatal(err)
	}
	defer remove()
	stale := filepath.Join(root, "tmp", "batch-killed")
	os.MkdirAll(filepath.Join(stale, "x"), 0o700)
	os.WriteFile(filepath.Join(stale, tempLockName), nil, 0o600)
	os.WriteFile(filepath.Join(stale, "x", "1.dcm"), []byte("pixels"), 0o600)
	other := filepath.Join(root, "tmp", "not-ours")
	os.MkdirAll(other, 0o700)

	n, err := CleanTemp(root)
	if err != nil || n != 1 {
		t.Errorf("CleanTemp = %d, %v; want 1 removed", n, err)
	}
	for _, tc := range []struct {
		dir  string
		kept bool
	}{{live, true}, {stale, false}, {other, true}} {
		if _, err := os.Stat(tc.dir); (err == nil) != tc.kept {
			t.Errorf("%s: kept %v, want %v", tc.dir, err == nil, tc.kept)
		}
	}
	remove()
	if _, err := os.Stat(live); err == nil {
		t.Error("remove left the folder")
	}
}
