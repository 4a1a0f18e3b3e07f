package dicomview

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// bitPattern is pixel i of the 1-bit test images: set on every third.
func bitPattern(i int) bool { return i%3 == 0 }

// bitsFile returns an explicit VR file of frames frames of rows×cols
// pixels of BitsAllocated 1, packed LSB first with no padding between
// frames (PS3.5 8.1.1), holding bitPattern. In big endian the packed
// bytes are stored in OW words, whose bytes are swapped.
func bitsFile(bo byteOrder, rows, cols, frames int) []byte {
	n := rows * cols * frames
	packed := make([]byte, (n+7)/8+((n+7)/8)%2)
	for i := 0; i < n; i++ {
		if bitPattern(i) {
			packed[i/8] |= 1 << uint(i%8)
		}
	}
	ts, vr := tsExplicitLittle, "OB"
	if bo == binary.BigEndian {
		ts, vr = tsExplicitBig, "OW"
		for i := 0; i+1 < len(packed); i += 2 {
			packed[i], packed[i+1] = packed[i+1], packed[i]
		}
	}
	elems := append(imageElems(bo, rows, cols, 1, 1, 1, 0, 0, "MONOCHROME2"), str(0x0028, 0x0008, "IS", itoaFrames(frames)))
	return dicomFile{ts: ts, order: bo, elems: append(elems, elem{group: 0x7FE0, element: 0x0010, vr: vr, value: packed})}.bytes()
}

func itoaFrames(n int) string {
	s := ""
	for {
		s = string(rune('0'+n%10)) + s
		if n /= 10; n == 0 {
			return s
		}
	}
}

// TestOneBitPixels loads 1-bit images (segmentations, overlays: bits
// packed LSB first, frames not byte-aligned) and wants pixels that are
// set white and the others black, in every frame, in both byte orders;
// dcm2pnm must render the same.
func TestOneBitPixels(t *testing.T) {
	for _, tt := range []struct {
		name              string
		bo                byteOrder
		rows, cols, frame int
	}{
		{"little endian 3×3, 2 frames", binary.LittleEndian, 3, 3, 2},
		{"little endian 5×7, 3 frames", binary.LittleEndian, 5, 7, 3},
		{"big endian 3×5, 2 frames", binary.BigEndian, 3, 5, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := writeTemp(t, "seg.dcm", bitsFile(tt.bo, tt.rows, tt.cols, tt.frame))
			im, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			if im.Width != tt.cols || im.Height != tt.rows || im.Frames != tt.frame {
				t.Fatalf("got %d×%d, %d frames", im.Width, im.Height, im.Frames)
			}
			for f := 1; f <= im.Frames; f++ {
				out, err := im.Render(f, im.DefaultWindow(f))
				if err != nil {
					t.Fatal(err)
				}
				g := out.(*image.Gray)
				for i, v := range g.Pix {
					want := uint8(0)
					if bitPattern((f-1)*tt.rows*tt.cols + i) {
						want = 255
					}
					if v != want {
						t.Fatalf("frame %d pixel %d = %d, want %d", f, i, v, want)
					}
				}
				compareDcmtk(t, im, p, f, false)
			}
		})
	}
}

// TestNoMetaDataSets loads data sets without preamble, DICM marker and
// file meta information in the three encodings dcmtk guesses (implicit VR
// little endian, explicit VR little endian, explicit VR big endian): ones
// written by dcmtk's dcmconv -F from 3.dcm, which must decode to the same
// modality values as 3.dcm and render as dcm2pnm renders them, and small
// synthetic ones, also found in a folder.
func TestNoMetaDataSets(t *testing.T) {
	orig, err := Load(dicomtest.File(t, "3.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, flag, ts string
	}{
		{"implicit little endian", "+ti", tsImplicitLittle},
		{"explicit little endian", "+te", tsExplicitLittle},
		{"explicit big endian", "+tb", tsExplicitBig},
	} {
		t.Run("dcmconv "+tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "3.nometa")
			run(t, "dcmconv", "-F", tt.flag, dicomtest.File(t, "3.dcm"), p)
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if isDICOM(data) {
				t.Fatal("dcmconv -F wrote a DICM marker")
			}
			im, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			if im.TransferSyntax != tt.ts || im.Width != orig.Width || im.Modality != "MR" {
				t.Errorf("TransferSyntax %s, %d wide, modality %q; want %s, %d, MR", im.TransferSyntax, im.Width, im.Modality, tt.ts, orig.Width)
			}
			if a, b := im.mustModality(1), orig.mustModality(1); !equalFloats(a, b) {
				t.Error("modality values differ from 3.dcm's")
			}
			compareDcmtk(t, im, p, 1, true)
			series, skipped, err := OpenSeries(dir)
			if err != nil || len(series) != 1 || len(skipped) != 0 {
				t.Errorf("OpenSeries of a folder holding it: %d series, skipped %v, %v; want 1", len(series), skipped, err)
			}
		})
	}
	le, be := binary.LittleEndian, binary.BigEndian
	for _, tt := range []struct {
		name     string
		bo       byteOrder
		implicit bool
		ts       string
	}{
		{"synthetic implicit LE", le, true, tsImplicitLittle},
		{"synthetic explicit LE", le, false, tsExplicitLittle},
		{"synthetic explicit BE", be, false, tsExplicitBig},
	} {
		t.Run(tt.name, func(t *testing.T) {
			elems := append([]elem{str(0x0008, 0x0060, "CS", "CT")}, imageElems(tt.bo, 2, 2, 1, 16, 12, 11, 1, "MONOCHROME2")[1:]...)
			data := dicomFile{noMeta: true, order: tt.bo, implicit: tt.implicit, elems: append(elems, pixelData16(tt.bo, 1, 0xFFF, 3, 4))}.bytes()
			im, err := decode("x.dcm", data)
			if err != nil {
				t.Fatal(err)
			}
			if im.TransferSyntax != tt.ts || im.Modality != "CT" {
				t.Errorf("TransferSyntax %s, modality %q; want %s, CT", im.TransferSyntax, im.Modality, tt.ts)
			}
			if got := im.mustModality(1); len(got) != 4 || got[0] != 1 || got[1] != -1 || got[3] != 4 {
				t.Errorf("modality values %v, want [1 -1 3 4]", got)
			}
		})
	}
	// Text that happens to start with 08 00 is not taken for DICOM.
	if _, err := decode("x.txt", []byte("\x08\x00 hello, not a data set")); !errors.Is(err, ErrMalformed) {
		t.Errorf("decode of text starting 08 00: %v, want ErrMalformed", err)
	}
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestFragmentsHoldingDelimiterBytes puts the bytes of a sequence
// delimiter item (FFFE,E0DD), and of an item tag, inside the codestream of
// a JPEG 2000 frame (a COM marker segment after SIZ, which decoders skip)
// and inside an RLE segment: the fragments must be split by their item
// lengths, and decode to the same pixels as before.
func TestFragmentsHoldingDelimiterBytes(t *testing.T) {
	delim := []byte{0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0x00, 0xE0, 0x10, 0, 0, 0}
	orig, err := Load(dicomtest.File(t, "3.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	j2k := filepath.Join(t.TempDir(), "j2k.dcm")
	run(t, "gdcmconv", "--j2k", dicomtest.File(t, "3.dcm"), j2k)
	data, err := os.ReadFile(j2k)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scanDICOM(data, false)
	if err != nil || sc.pixel == nil || len(sc.pixel.fragments) != 1 {
		t.Fatalf("scan of gdcmconv's J2K file: %v", err)
	}
	cs := sc.pixel.fragments[0]
	siz := 2 + 2 + int(binary.BigEndian.Uint16(cs[4:])) // SOC, then SIZ marker and segment
	com := append([]byte{0xFF, 0x64, 0, byte(4 + len(delim)), 0, 1}, delim...)
	frag := append(append(append([]byte{}, cs[:siz]...), com...), cs[siz:]...)
	if len(frag)%2 == 1 {
		frag = append(frag, 0)
	}
	start := bytes.LastIndex(data, []byte{0xE0, 0x7F, 0x10, 0x00, 'O', 'B'})
	if start < 0 {
		t.Fatal("no OB Pixel Data in gdcmconv's J2K file")
	}
	hacked := append(append([]byte{}, data[:start]...), encodeElems(binary.LittleEndian, false, []elem{encapsulated(nil, frag)})...)
	im, err := decode("j2k.dcm", hacked)
	if err != nil {
		t.Fatalf("J2K with delimiter bytes in its codestream: %v", err)
	}
	if !equalFloats(im.mustModality(1), orig.mustModality(1)) {
		t.Error("J2K with delimiter bytes: modality values differ from 3.dcm's")
	}

	// RLE: one 8-bit segment whose literal bytes are the delimiter.
	le := binary.LittleEndian
	pix := append(append([]byte{}, delim...), make([]byte, 4)...) // 4×5 pixels
	rle := dicomFile{ts: tsRLE, order: le, elems: append(imageElems(le, 4, 5, 1, 8, 8, 7, 0, "MONOCHROME2"),
		str(0x0028, 0x0008, "IS", "2"), encapsulated(nil, rleFrame(pix, 1, 1), rleFrame(pix, 1, 1)))}.bytes()
	im, err = decode("rle.dcm", rle)
	if err != nil {
		t.Fatalf("RLE with delimiter bytes in its segments: %v", err)
	}
	for f := 1; f <= 2; f++ {
		got := im.mustModality(f)
		for i, v := range pix {
			if got[i] != float32(v) {
				t.Fatalf("RLE frame %d pixel %d = %v, want %d", f, i, got[i], v)
			}
		}
	}
}

// TestSymlinkedStudy opens a study through symbolic links, as find -L
// sees it: the study folder itself a link, a linked file, a linked
// subfolder; a link back to an ancestor (a loop) and a dangling link are
// skipped with errors naming them, and the rest opens.
func TestSymlinkedStudy(t *testing.T) {
	base := t.TempDir()
	real := filepath.Join(base, "real")
	elsewhere := filepath.Join(base, "elsewhere")
	for _, d := range []string{real, elsewhere, filepath.Join(elsewhere, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dicomtest.CopyTo(t, "1.dcm", filepath.Join(real, "1.dcm"))
	dicomtest.CopyTo(t, "2.dcm", filepath.Join(elsewhere, "2.dcm"))
	dicomtest.CopyTo(t, "3.dcm", filepath.Join(elsewhere, "sub", "3.dcm"))
	links := []struct{ target, link string }{
		{filepath.Join(elsewhere, "2.dcm"), filepath.Join(real, "2-link.dcm")},
		{filepath.Join(elsewhere, "sub"), filepath.Join(real, "sub-link")},
		{real, filepath.Join(elsewhere, "sub", "loop")},
		{filepath.Join(base, "missing.dcm"), filepath.Join(real, "dangling.dcm")},
		{real, filepath.Join(base, "study")},
	}
	for _, l := range links {
		if err := os.Symlink(l.target, l.link); err != nil {
			t.Skipf("symbolic links: %v", err)
		}
	}
	series, skipped, err := OpenSeries(filepath.Join(base, "study"))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, s := range series {
		for _, sl := range s.Slices {
			paths = append(paths, filepath.Base(sl.Image.Path))
		}
	}
	if len(paths) != 3 {
		t.Errorf("opened %v, want 1.dcm, 2-link.dcm and 3.dcm", paths)
	}
	var msgs []string
	for _, e := range skipped {
		msgs = append(msgs, e.Error())
	}
	all := strings.Join(msgs, "\n")
	if len(skipped) != 2 || !strings.Contains(all, "loop") || !strings.Contains(all, filepath.Join("sub-link", "loop")) ||
		!strings.Contains(all, "dangling.dcm") {
		t.Errorf("skipped:\n%s\nwant the loop sub-link/loop and dangling.dcm", all)
	}
}
