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

// FuzzLoad checks that no input makes decoding or rendering panic or hang.
// (ModelInput works on any rendered image; its edge cases are unit tests.) It is seeded with the small sample files and synthetic
// ones; 4.dcm and 5.dcm are too large to mutate usefully.
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
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewGray(image.Rect(0, 0, 3, 2)))
	f.Add(buf.Bytes())
	f.Add([]byte("plain text"))

	f.Fuzz(func(t *testing.T, data []byte) {
		im, err := decode("fuzz.dcm", data)
		if err != nil {
			return
		}
		if im.Width < 1 || im.Height < 1 || im.Frames < 1 {
			t.Fatalf("decoded a %d×%d image with %d frames", im.Width, im.Height, im.Frames)
		}
		if im.Width*im.Height > 1<<22 {
			return // keep iterations fast
		}
		for _, frame := range []int{1, im.Frames} {
			if _, err := im.Render(frame, im.DefaultWindow(frame)); err != nil {
				t.Fatalf("Render(%d) of a loaded image: %v", frame, err)
			}
		}
	})
}
