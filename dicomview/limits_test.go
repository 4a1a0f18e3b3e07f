package dicomview

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// allocated returns the bytes allocated while f runs and how long it took.
func allocated(f func()) (uint64, time.Duration) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, took
}

// bombFile writes the dicomtest bomb called name into dir.
func bombFile(t *testing.T, dir, name string) string {
	t.Helper()
	for _, b := range dicomtest.Bombs {
		if b.Name == name {
			data, err := b.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	t.Fatalf("no bomb %s in dicomtest.Bombs", name)
	return ""
}

// TestBombsRejectedCheaply loads the two decompression bombs of dicomtest
// (5,000,000 1×1 frames; one 20000×20000 frame, both deflated) and wants
// each rejected with an ErrTooLarge naming the file and the limit, having
// allocated under 64 MiB in under 5 s.
func TestBombsRejectedCheaply(t *testing.T) {
	tests := []struct {
		bomb, limit string
	}{
		{"frames-bomb.dcm", "frames limit of 20000"},
		{"size-bomb.dcm", "pixels limit of 67108864"},
	}
	for _, tt := range tests {
		t.Run(tt.bomb, func(t *testing.T) {
			p := bombFile(t, t.TempDir(), tt.bomb)
			var err error
			bytes, took := allocated(func() { _, err = Load(p) })
			t.Logf("%v; %d bytes allocated in %v", err, bytes, took)
			if !errors.Is(err, ErrTooLarge) || !errors.Is(err, ErrUnsupported) {
				t.Fatalf("Load(%s) = %v, want an error matching ErrTooLarge and ErrUnsupported", tt.bomb, err)
			}
			var le *LimitError
			if !errors.As(err, &le) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tt.limit) {
				t.Errorf("error %q is not a *LimitError naming %s and the %s", err, p, tt.limit)
			}
			if bytes > 64<<20 || took > 5*time.Second {
				t.Errorf("rejecting %s allocated %d bytes in %v, want < 64 MiB and < 5 s", tt.bomb, bytes, took)
			}
		})
	}
}

// deflatedFile returns a deflated explicit VR little endian file of
// frames 8-bit frames of rows×cols zero pixels.
func deflatedFile(t testing.TB, rows, cols, frames int) []byte {
	t.Helper()
	b := dicomtest.Bomb{Rows: rows, Columns: cols, Frames: frames, BitsAllocated: 8}
	data, err := b.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestLimitsEveryTransferSyntax checks each limit on each way pixel data is
// stored: a file just under it loads, one over it fails with a *LimitError
// of that limit, before the memory is allocated (inflation stops at the
// budget, not at the end of the data).
func TestLimitsEveryTransferSyntax(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	native := func(ts string, bo byteOrder, implicit bool, rows, cols, frames int) []byte {
		elems := append(imageElems(bo, rows, cols, 1, 8, 8, 7, 0, "MONOCHROME2"), str(0x0028, 0x0008, "IS", strconv.Itoa(frames)))
		px := make([]byte, rows*cols*frames+rows*cols*frames%2)
		return dicomFile{ts: ts, order: bo, implicit: implicit, elems: append(elems, elem{group: 0x7FE0, element: 0x0010, vr: "OB", value: px})}.bytes()
	}
	rle := func(frames int) []byte {
		elems := append(imageElems(le, 64, 64, 1, 8, 8, 7, 0, "MONOCHROME2"), str(0x0028, 0x0008, "IS", strconv.Itoa(frames)))
		var frags [][]byte
		for i := 0; i < frames; i++ {
			frags = append(frags, rleFrame(make([]byte, 64*64), 1, 1))
		}
		return dicomFile{ts: tsRLE, order: le, elems: append(elems, encapsulated(nil, frags...))}.bytes()
	}
	// A frame of 64×64 pixels costs 5×4096 bytes to render, and each frame
	// decoded 4096 more.
	small := Limits{Frames: 4, FramePixels: 64 * 64, DecodedBytes: 8 * 64 * 64, Elements: 200}.withDefaults()
	tests := []struct {
		name  string
		data  []byte
		limit string // "" when it must load
	}{
		{"implicit LE, 4 frames", native(tsImplicitLittle, le, true, 64, 64, 4), ""},
		{"implicit LE, 5 frames", native(tsImplicitLittle, le, true, 64, 64, 5), "frames"},
		{"explicit LE, 64×65", native(tsExplicitLittle, le, false, 64, 65, 1), "pixels"},
		{"explicit BE, 5 frames", native(tsExplicitBig, be, false, 64, 64, 5), "frames"},
		{"explicit BE, 65×64", native(tsExplicitBig, be, false, 65, 64, 1), "pixels"},
		{"no meta, 5 frames", dicomFile{noMeta: true, order: le, implicit: true, elems: append(imageElems(le, 1, 1, 1, 8, 8, 7, 0, "MONOCHROME2"),
			str(0x0028, 0x0008, "IS", "5"), elem{group: 0x7FE0, element: 0x0010, vr: "OB", value: make([]byte, 6)})}.bytes(), "frames"},
		{"RLE, 3 frames", rle(3), ""},
		{"RLE, 4 frames decode past the budget", rle(4), "decoded"},
		{"RLE, 5 frames", rle(5), "frames"},
		{"deflated, inflates within the budget", deflatedFile(t, 64, 64, 2), ""},
		{"deflated, inflates past the budget", deflatedFile(t, 64, 64, 3), "decoded"},
		{"deflated, 5 frames", deflatedFile(t, 64, 64, 5), "frames"},
		{"deflated, 65×64", deflatedFile(t, 65, 64, 1), "pixels"},
		{"1 bit, 4 frames", bitsFile(le, 64, 64, 4), "decoded"},
		{"1 bit, 2 frames", bitsFile(le, 64, 64, 2), ""},
		{"100 elements in a sequence", manyElements(100), ""},
		{"1000 elements in a sequence", manyElements(1000), "elements"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeWithin("x.dcm", tt.data, newBudget(small, nil))
			var lerr *LimitError
			switch {
			case tt.limit == "" && err != nil:
				t.Fatalf("decode: %v, want it to load", err)
			case tt.limit == "":
			case !errors.As(err, &lerr) || lerr.Limit != tt.limit || !errors.Is(err, ErrTooLarge):
				t.Fatalf("decode: %v, want a *LimitError of limit %q", err, tt.limit)
			default:
				t.Log(err)
			}
		})
	}
}

// manyElements returns a small image whose data set holds a sequence of n
// empty elements; the parser spends about 300 bytes on each.
func manyElements(n int) []byte {
	le := binary.LittleEndian
	item := make([]elem, n)
	for i := range item {
		item[i] = elem{group: 0x0008, element: 0x0070, vr: "LO"}
	}
	return dicomFile{ts: tsExplicitLittle, order: le, elems: append(imageElems(le, 2, 2, 1, 8, 8, 7, 0, "MONOCHROME2"),
		elem{group: 0x0040, element: 0x0275, vr: "SQ", children: [][]elem{item}},
		elem{group: 0x7FE0, element: 0x0010, vr: "OB", value: []byte{1, 2, 3, 4}})}.bytes()
}

// TestInflateStopsAtBudget inflates a 256 MiB data set (about 250 KB
// deflated) with 16 MiB of budget, once declaring its size in the Pixel
// Data element and once hiding it: it must stop having allocated about
// the budget (nothing, when declared), not the whole data set, and say
// which limit was reached.
func TestInflateStopsAtBudget(t *testing.T) {
	declared := deflatedFile(t, 4096, 4096, 16)
	// The same zeros in a private sequence of undefined length: their size
	// cannot be known before they are inflated.
	hidden, err := dicomtest.Bomb{Rows: 4096, Columns: 4096, Frames: 16, BitsAllocated: 8, Hidden: true}.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	lim := Limits{DecodedBytes: 16 << 20}.withDefaults()
	for _, tt := range []struct {
		name, data, want string
	}{
		{"declared", string(declared), "inflated pixel data needs 268435640 bytes, over the decoded limit of 16777216 bytes"},
		{"hidden", string(hidden), "inflated data set before its Pixel Data needs more than the decoded limit of 2097152 bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			n, took := allocated(func() { _, err = decodeWithin("bomb.dcm", []byte(tt.data), newBudget(lim, nil)) })
			t.Logf("%v; %d bytes allocated in %v", err, n, took)
			var le *LimitError
			if !errors.As(err, &le) || le.Limit != "decoded" || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("decode = %v, want %q", err, tt.want)
			}
			// Doubling buffers up to the budget allocate about three times it
			// in all (two at a time live), far below the 256 MiB data set.
			if n > 80<<20 {
				t.Errorf("inflating allocated %d bytes, want < 80 MiB for a 16 MiB budget", n)
			}
		})
	}
}

// TestFolderAndZipBudgets opens a folder and a ZIP archive holding two
// good files and a bomb: the bomb is skipped with an error naming it and
// its limit, the good files open. With a total budget smaller than the
// three files (their bytes plus what they inflate), the open fails with
// the total limit instead.
func TestFolderAndZipBudgets(t *testing.T) {
	dir := t.TempDir()
	good := dicomFile{ts: tsExplicitLittle, order: binary.LittleEndian, elems: append(imageElems(binary.LittleEndian, 2, 2, 1, 8, 8, 7, 0, "MONOCHROME2"),
		str(0x0020, 0x000E, "UI", "1.2.3"), elem{group: 0x7FE0, element: 0x0010, vr: "OB", value: []byte{1, 2, 3, 4}})}.bytes()
	for _, n := range []string{"a.dcm", "b.dcm"} {
		if err := os.WriteFile(filepath.Join(dir, n), good, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bomb := bombFile(t, dir, "frames-bomb.dcm")
	deflated := deflatedFile(t, 1024, 1024, 1) // inflates to 1 MiB
	if err := os.WriteFile(filepath.Join(dir, "c.dcm"), deflated, 0o644); err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(t.TempDir(), "study.zip")
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for _, n := range []string{"a.dcm", "b.dcm", "c.dcm", "frames-bomb.dcm"} {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(zipPath, zbuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name, path, bombName string
	}{
		{"folder", dir, bomb},
		{"zip", zipPath, zipPath + "!frames-bomb.dcm"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			series, skipped, err := OpenSeries(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			slices := 0
			for _, s := range series {
				slices += len(s.Slices)
			}
			if slices != 3 || len(skipped) != 1 {
				t.Fatalf("opened %d slices, skipped %v; want 3 slices and the bomb skipped", slices, skipped)
			}
			if msg := skipped[0].Error(); !errors.Is(skipped[0], ErrTooLarge) || !strings.Contains(msg, tt.bombName) || !strings.Contains(msg, "frames limit") {
				t.Errorf("skipped %q, want ErrTooLarge naming %s and the frames limit", msg, tt.bombName)
			}
			defer SetLimits(CurrentLimits())
			SetLimits(Limits{TotalBytes: 1 << 20})
			_, _, err = OpenSeries(tt.path)
			var le *LimitError
			if !errors.As(err, &le) || le.Limit != "total" || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("OpenSeries with a 1 MiB total = %v, want the total limit naming %s", err, tt.path)
			}
		})
	}
}

// TestParseLimits reads limits from text as MEDGEMMA_DICOM_LIMITS holds
// them.
func TestParseLimits(t *testing.T) {
	tests := []struct {
		in      string
		want    Limits
		wantErr string
	}{
		{"", DefaultLimits, ""},
		{"decoded=2GiB, frames=50000", func() Limits { l := DefaultLimits; l.DecodedBytes, l.Frames = 2<<30, 50000; return l }(), ""},
		{"file=100M,pixels=1k,total=1KiB,files=3,elements=5", func() Limits {
			l := DefaultLimits
			l.FileBytes, l.FramePixels, l.TotalBytes, l.Files, l.Elements = 100e6, 1000, 1024, 3, 5
			return l
		}(), ""},
		{"decoded=0", DefaultLimits, "positive integer"},
		{"bogus=1", DefaultLimits, "NAME one of"},
		{"frames", DefaultLimits, "NAME=VALUE"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLimits(DefaultLimits, tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseLimits(%q) = %v, want an error mentioning %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseLimits(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
	defer SetLimits(CurrentLimits())
	SetLimits(Limits{Frames: 7})
	if got := CurrentLimits(); got.Frames != 7 || got.DecodedBytes != DefaultLimits.DecodedBytes {
		t.Errorf("after SetLimits(Frames 7): %+v, want Frames 7 and the other defaults", got)
	}
}

// zeroElements is a deflated explicit VR little endian file whose data set
// is n bytes of zeros: n/8 empty elements (0000,0000), no Pixel Data. It
// deflates about a thousandfold.
func zeroElements(t testing.TB, n int) []byte {
	t.Helper()
	var out bytes.Buffer
	out.Write(dicomtest.Meta("1.2.840.10008.1.2.1.99", "1.2.840.10008.5.1.4.1.1.7"))
	zw, err := flate.NewWriter(&out, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	zero := make([]byte, 1<<20)
	for left := n; left > 0; left -= len(zero) {
		zw.Write(zero[:min(left, len(zero))])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestTinyElementsRejectedCheaply: a small deflated file of millions of
// empty elements (found by FuzzLoad: 9 s an input under the fuzzing
// limits; 4.3 s and 226 MB allocated under the defaults, as the head was
// read again from the start, formatting every element's name, each time
// the inflated buffer grew) is refused at the elements limit after reading
// each element once (0.24 s, 19 MB).
func TestTinyElementsRejectedCheaply(t *testing.T) {
	p := filepath.Join(t.TempDir(), "zero-elements.dcm")
	if err := os.WriteFile(p, zeroElements(t, 64<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(p)
	var err error
	bytes, took := allocated(func() { _, err = Load(p) })
	t.Logf("%d-byte file: %v; %d bytes allocated in %v", fi.Size(), err, bytes, took)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "elements limit") || !strings.Contains(err.Error(), p) {
		t.Fatalf("Load = %v, want the elements limit naming %s", err, p)
	}
	if bytes > 64<<20 || took > 5*time.Second {
		t.Errorf("rejecting it allocated %d bytes in %v, want < 64 MiB and < 5 s", bytes, took)
	}
}
