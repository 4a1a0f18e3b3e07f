package dicomview

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

func TestUnpackBits(t *testing.T) {
	tests := []struct {
		name string
		src  []byte
		n    int
		want []byte
		err  error
	}{
		{"literal", []byte{2, 'a', 'b', 'c'}, 3, []byte("abc"), nil},
		{"run", []byte{0xFE, 'x'}, 3, []byte("xxx"), nil},                            // -2: 3 copies
		{"longest run", []byte{0x81, 'y'}, 128, bytes.Repeat([]byte("y"), 128), nil}, // -127: 128 copies
		{"no-op -128", []byte{0x80, 0, 'q'}, 1, []byte("q"), nil},
		{"padding ignored", []byte{0, 'a', 0, 0}, 1, []byte("a"), nil},
		{"literal past end", []byte{5, 'a'}, 6, nil, errTruncatedRLE},
		{"run past end", []byte{0xFE}, 3, nil, errTruncatedRLE},
		{"too short", []byte{0, 'a'}, 2, nil, errShortRLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := make([]byte, tt.n)
			err := unpackBits(dst, tt.src)
			if err != tt.err {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if err == nil && !bytes.Equal(dst, tt.want) {
				t.Errorf("got %q, want %q", dst, tt.want)
			}
		})
	}
}

// rleFrame encodes samples (interleaved, little endian, bytesPer bytes
// each) as an RLE Lossless frame, using literal runs only.
func rleFrame(samples []byte, nsamples, bytesPer int) []byte {
	pixels := len(samples) / (nsamples * bytesPer)
	var segs [][]byte
	for c := 0; c < nsamples; c++ {
		for b := bytesPer - 1; b >= 0; b-- {
			var plane, seg []byte
			for p := 0; p < pixels; p++ {
				plane = append(plane, samples[(p*nsamples+c)*bytesPer+b])
			}
			for len(plane) > 0 {
				n := min(len(plane), 128)
				seg = append(seg, byte(n-1))
				seg = append(seg, plane[:n]...)
				plane = plane[n:]
			}
			if len(seg)%2 == 1 {
				seg = append(seg, 0)
			}
			segs = append(segs, seg)
		}
	}
	head := make([]byte, rleHeaderSize)
	binary.LittleEndian.PutUint32(head, uint32(len(segs)))
	off := rleHeaderSize
	for i, s := range segs {
		binary.LittleEndian.PutUint32(head[4+4*i:], uint32(off))
		off += len(s)
	}
	return append(head, bytes.Join(segs, nil)...)
}

// encapsulated returns a Pixel Data element of undefined length holding a
// Basic Offset Table (bot) and the fragments.
func encapsulated(bot []uint32, frags ...[]byte) elem {
	le := binary.LittleEndian
	var b []byte
	item := func(v []byte) {
		b = le.AppendUint16(b, 0xFFFE)
		b = le.AppendUint16(b, 0xE000)
		b = le.AppendUint32(b, uint32(len(v)))
		b = append(b, v...)
	}
	var table []byte
	for _, o := range bot {
		table = le.AppendUint32(table, o)
	}
	item(table)
	for _, f := range frags {
		item(f)
	}
	return elem{group: 0x7FE0, element: 0x0010, vr: "OB", value: b, undefined: true}
}

// TestRLEColourAndFrames decodes synthetic RLE files: 16-bit grey in two
// frames (with and without a Basic Offset Table), and 8-bit RGB.
func TestRLEColourAndFrames(t *testing.T) {
	le := binary.LittleEndian
	grey := func(vals ...uint16) []byte {
		var b []byte
		for _, v := range vals {
			b = le.AppendUint16(b, v)
		}
		return b
	}
	f1, f2 := rleFrame(grey(1, 2, 300, 4000), 1, 2), rleFrame(grey(5, 6, 7, 65535), 1, 2)
	frames := []elem{str(0x0028, 0x0008, "IS", "2")}
	for _, tt := range []struct {
		name string
		px   elem
	}{
		{"no offset table", encapsulated(nil, f1, f2)},
		{"offset table", encapsulated([]uint32{0, uint32(8 + len(f1))}, f1, f2)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			elems := append(imageElems(le, 2, 2, 1, 16, 16, 15, 0, "MONOCHROME2"), frames...)
			im, err := decode("rle.dcm", dicomFile{ts: tsRLE, order: le, elems: append(elems, tt.px)}.bytes())
			if err != nil {
				t.Fatal(err)
			}
			want := [][]float32{{1, 2, 300, 4000}, {5, 6, 7, 65535}}
			for f := 1; f <= 2; f++ {
				got := im.mustModality(f)
				for i := range got {
					if got[i] != want[f-1][i] {
						t.Fatalf("frame %d: %v, want %v", f, got, want[f-1])
					}
				}
			}
		})
	}
	t.Run("rgb", func(t *testing.T) {
		rgb := []byte{255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30}
		elems := append(imageElems(le, 2, 2, 3, 8, 8, 7, 0, "RGB"), encapsulated(nil, rleFrame(rgb, 3, 1)))
		im, err := decode("rgb.dcm", dicomFile{ts: tsRLE, order: le, elems: elems}.bytes())
		if err != nil {
			t.Fatal(err)
		}
		out, err := im.Render(1, Window{})
		if err != nil {
			t.Fatal(err)
		}
		px := out.(*image.RGBA).RGBAAt(1, 1)
		if px.R != 10 || px.G != 20 || px.B != 30 {
			t.Errorf("pixel (1,1) = %v, want 10,20,30", px)
		}
	})
}

// TestMalformedEncapsulated checks that broken encapsulated pixel data is
// reported as malformed, never a panic.
func TestMalformedEncapsulated(t *testing.T) {
	le := binary.LittleEndian
	good := rleFrame([]byte{1, 2, 3, 4}, 1, 1)
	mono := func(ts string, px elem, extra ...elem) []byte {
		elems := append(imageElems(le, 2, 2, 1, 8, 8, 7, 0, "MONOCHROME2"), extra...)
		return dicomFile{ts: ts, order: le, elems: append(elems, px)}.bytes()
	}
	withoutDelimiter := mono(tsRLE, encapsulated(nil, good))
	withoutDelimiter = withoutDelimiter[:len(withoutDelimiter)-8]
	tests := []struct {
		name     string
		data     []byte
		contains string
	}{
		{"no delimiter", withoutDelimiter, "truncated DICOM"},
		{"no fragments", mono(tsRLE, encapsulated(nil)), "no fragments"},
		{"RLE header cut", mono(tsRLE, encapsulated(nil, good[:10])), "shorter than its 64-byte header"},
		{"RLE segment count", mono(tsRLE, encapsulated(nil, append([]byte{3}, good[1:]...))), "3 segments"},
		{"RLE segment offset", mono(tsRLE, encapsulated(nil, append(good[:4:4], append([]byte{0xFF, 0, 0, 0}, good[8:]...)...))), "RLE segment 1 spans"},
		{"frames without a way to split them", mono(tsRLE, encapsulated(nil, good, good, good), str(0x0028, 0x0008, "IS", "2")), "which of 3 pixel data fragments"},
		{"JPEG without SOI", mono(tsJPEGLossless, encapsulated(nil, []byte{1, 2, 3, 4})), "SOI"},
		{"JPEG of the wrong size", mono(tsJPEGBaseline, encapsulated(nil, []byte{0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 3, 0, 3, 1, 1, 0x11, 0})), "3×3"},
		{"JPEG garbage", mono(tsJPEGBaseline, encapsulated(nil, []byte{0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 2, 0, 2, 1, 1, 0x11, 0, 0xFF, 0xDA, 0, 2, 0xFF, 0xD9})), "JPEG"},
		{"JPEG-LS garbage", mono(tsJPEGLS, encapsulated(nil, []byte{0xFF, 0xD8, 0xFF, 0xF7, 0, 3})), "JPEG-LS"},
		{"JPEG 2000 garbage", mono(tsJ2K, encapsulated(nil, []byte{0xFF, 0x4F, 0xFF, 0x51, 0, 2})), "JPEG 2000"},
		{"native pixel data in a compressed syntax", mono(tsRLE, elem{group: 0x7FE0, element: 0x0010, vr: "OB", value: []byte{1, 2, 3, 4}}), "not encapsulated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decode("x.dcm", tt.data)
			if err == nil {
				t.Fatal("decoded, want an error")
			}
			t.Log(err)
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %q does not match ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not mention %q", err, tt.contains)
			}
		})
	}
}

// TestTruncationsAndDamage cuts and damages real compressed files (made by
// dcmtk and GDCM from 3.dcm) at many offsets: every load must fail with a
// typed error or succeed, never panic, and allocate a bounded amount.
func TestTruncationsAndDamage(t *testing.T) {
	src := dicomtest.File(t, "3.dcm")
	dir := t.TempDir()
	files := map[string][]byte{}
	for _, v := range conformanceVariants {
		if v.encode == nil || v.lossy {
			continue
		}
		out := filepath.Join(dir, v.name+".dcm")
		run(t, append(v.encode, src, out)...)
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		files[v.name] = data
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			var ms runtime.MemStats
			check := func(what string, b []byte) {
				runtime.ReadMemStats(&ms)
				before := ms.TotalAlloc
				_, err := decode(name, b)
				runtime.ReadMemStats(&ms)
				if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
					t.Errorf("%s: untyped error %v", what, err)
				}
				// The file, its parse and one decoded copy; never the
				// declared sizes of damaged headers.
				if alloc := ms.TotalAlloc - before; alloc > 64<<20 {
					t.Errorf("%s: allocated %d bytes for a %d-byte file", what, alloc, len(b))
				}
			}
			step := max(1, len(data)/150)
			for n := 0; n < len(data); n += step {
				check("truncated", data[:n])
			}
			for i := 132; i < len(data); i += step {
				b := bytes.Clone(data)
				b[i] ^= 0xFF
				b[min(i+1, len(b)-1)] ^= 0x5A
				check("damaged", b)
			}
		})
	}
}
