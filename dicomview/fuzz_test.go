package dicomview

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// FuzzLoad checks that no input makes decoding, rendering or a thumbnail
// (of the image loaded, and of its file opened lazily) panic or hang.
// (ModelInput works on any rendered image; its edge cases are unit
// tests.) It is seeded with the small sample files, every compressed
// transfer syntax made from 3.dcm, and tiny synthetic files (tinySeeds)
// that the mutator can change usefully; 4.dcm and 5.dcm are too large to
// mutate usefully.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"1.dcm", "2.dcm", "3.dcm"} {
		data, err := os.ReadFile(dicomtest.File(f, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	if data, err := os.ReadFile(filepath.Join("testdata", "3_explicit_big_endian.dcm")); err == nil {
		f.Add(data)
	}
	// Every compressed transfer syntax, made from 3.dcm by dcmtk and GDCM.
	for _, v := range conformanceVariants {
		if v.encode == nil {
			continue
		}
		out := filepath.Join(f.TempDir(), v.name+".dcm")
		run(f, append(v.encode, dicomtest.File(f, "3.dcm"), out)...)
		data, err := os.ReadFile(out)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	le := binary.LittleEndian
	f.Add(dicomFile{ts: tsImplicitLittle, order: le, implicit: true, elems: append(imageElems(le, 2, 2, 1, 16, 12, 11, 1, "MONOCHROME1"),
		elem{group: 0x0040, element: 0x0275, vr: "SQ", undefined: true, children: [][]elem{{str(0x0008, 0x0060, "CS", "CT")}}},
		pixelData16(le, 1, 2, 3, 4))}.bytes())
	f.Add(dicomFile{ts: tsExplicitLittle, order: le, elems: append(imageElems(le, 1, 2, 3, 8, 8, 7, 0, "RGB"),
		elem{group: 0x7FE0, element: 0x0010, vr: "OB", value: []byte{1, 2, 3, 4, 5, 6}})}.bytes())
	for _, data := range tinySeeds(f) {
		f.Add(data)
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewGray(image.Rect(0, 0, 3, 2)))
	f.Add(buf.Bytes())
	f.Add([]byte("plain text"))

	// Limits far below the defaults keep each iteration short: a mutated
	// bomb whose size cannot be read before inflating stops at 16 MiB.
	lim := Limits{DecodedBytes: 16 << 20, Frames: 1000, FramePixels: 1 << 22, Elements: 100000}.withDefaults()
	f.Fuzz(func(t *testing.T, data []byte) {
		im, err := decodeWithin("fuzz.dcm", data, newBudget(lim, nil))
		if err != nil {
			return
		}
		if im.Width < 1 || im.Height < 1 || im.Frames < 1 {
			t.Fatalf("decoded a %d×%d image with %d frames", im.Width, im.Height, im.Frames)
		}
		for _, frame := range []int{1, im.Frames} {
			if _, err := im.Render(frame, im.DefaultWindow(frame)); err != nil {
				t.Fatalf("Render(%d) of a loaded image: %v", frame, err)
			}
			if _, err := im.Thumbnail(frame, 16); err != nil {
				t.Fatalf("Thumbnail(%d) of a loaded image: %v", frame, err)
			}
		}
		// The same file opened lazily, as a folder's: its thumbnails read
		// the rows they need from it.
		p := filepath.Join(t.TempDir(), "fuzz.dcm")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		lazy, err := loadHeader(p, newBudget(lim, nil))
		if err != nil {
			return // a PNG or JPEG, which a folder skips
		}
		lazy.makeLazy(fileSource(p))
		for _, frame := range []int{1, lazy.Frames} {
			if _, err := lazy.Thumbnail(frame, 16); err != nil {
				t.Fatalf("Thumbnail(%d) of a lazy image: %v", frame, err)
			}
		}
	})
}

// tinySeeds returns files of a few hundred bytes for each way pixel data
// is stored: implicit and explicit VR little endian, explicit VR big
// endian, deflated, RLE (one and two frames, with a Basic Offset Table),
// data sets without meta information in the three encodings, 1-bit
// pixels, and the decompression bombs of dicomtest.
func tinySeeds(f testing.TB) [][]byte {
	le, be := binary.LittleEndian, binary.BigEndian
	grey := func(bo byteOrder) []elem {
		return append(imageElems(bo, 2, 3, 1, 16, 12, 11, 1, "MONOCHROME2"), pixelData16(bo, 1, 2, 3, 0xFFF, 5, 6))
	}
	rle := rleFrame([]byte{1, 2, 3, 4, 5, 6}, 1, 1)
	seeds := [][]byte{
		dicomFile{ts: tsImplicitLittle, order: le, implicit: true, elems: grey(le)}.bytes(),
		dicomFile{ts: tsExplicitLittle, order: le, elems: grey(le)}.bytes(),
		dicomFile{ts: tsExplicitBig, order: be, elems: grey(be)}.bytes(),
		dicomFile{noMeta: true, order: le, implicit: true, elems: grey(le)}.bytes(),
		dicomFile{noMeta: true, order: le, elems: grey(le)}.bytes(),
		dicomFile{noMeta: true, order: be, elems: grey(be)}.bytes(),
		dicomFile{ts: tsRLE, order: le, elems: append(imageElems(le, 2, 3, 1, 8, 8, 7, 0, "MONOCHROME2"), encapsulated(nil, rle))}.bytes(),
		dicomFile{ts: tsRLE, order: le, elems: append(imageElems(le, 2, 3, 1, 8, 8, 7, 0, "MONOCHROME2"),
			str(0x0028, 0x0008, "IS", "2"), encapsulated([]uint32{0, uint32(8 + len(rle))}, rle, rle))}.bytes(),
		bitsFile(le, 3, 3, 2),
		bitsFile(be, 3, 5, 2),
		deflatedFile(f, 2, 3, 2),
	}
	for _, b := range dicomtest.Bombs {
		data, err := b.Bytes()
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, data)
	}
	return seeds
}
