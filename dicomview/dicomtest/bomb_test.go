package dicomtest_test

import (
	"bytes"
	"compress/flate"
	"io"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// TestBombs checks that each bomb is a small deflated file that inflates to
// the pixel data it declares.
func TestBombs(t *testing.T) {
	for _, b := range dicomtest.Bombs {
		t.Run(b.Name, func(t *testing.T) {
			data, err := b.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if len(data) > 1<<20 || string(data[128:132]) != "DICM" {
				t.Fatalf("%d bytes, marker %q; want a DICOM file under 1 MiB", len(data), data[128:132])
			}
			meta := bytes.Index(data, []byte("1.2.840.10008.1.2.1.99"))
			if meta < 0 {
				t.Fatal("no deflated transfer syntax")
			}
			end := meta + len("1.2.840.10008.1.2.1.99") // even: no padding
			n, err := io.Copy(io.Discard, flate.NewReader(bytes.NewReader(data[end:])))
			want := int64(b.Rows) * int64(b.Columns) * int64(b.Frames) * int64(b.BitsAllocated/8)
			if err != nil || n < want {
				t.Errorf("inflates to %d bytes (%v), want at least %d", n, err, want)
			}
		})
	}
	if _, err := (dicomtest.Bomb{Rows: 0, Columns: 1, Frames: 1, BitsAllocated: 8}).Bytes(); err == nil {
		t.Error("a bomb of 0 rows encoded without error")
	}
}
