package dicomview

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// The sample files of github.com/suyashkumar/dicom (testdata/data_details.md):
// 1.dcm and 2.dcm PET (signed 16-bit, explicit LE, nested sequences, an icon
// image), 3.dcm MR (12-bit), 4.dcm CR (MONOCHROME1, 10-bit, implicit LE,
// 1760 columns × 2140 rows), 5.dcm enhanced CT, 2 frames, with rescale and
// window only in the shared functional groups.
func TestLoadSampleFiles(t *testing.T) {
	tests := []struct {
		file          string
		width, height int
		frames        int
		modality      string
		photometric   string
		windows       []Window
	}{
		{"1.dcm", 168, 168, 1, "PT", "MONOCHROME2", []Window{{30157, 54282}}},
		{"2.dcm", 168, 168, 1, "PT", "MONOCHROME2", []Window{{48688, 87638}}},
		{"3.dcm", 176, 176, 1, "MR", "MONOCHROME2", []Window{{378, 465}}},
		{"4.dcm", 1760, 2140, 1, "CR", "MONOCHROME1", []Window{{511, 1023}}},
		{"5.dcm", 512, 512, 2, "CT", "MONOCHROME2", []Window{{49, 102}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := dicomtest.File(t, tt.file)
			im, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if im.Format != FormatDICOM || im.Path != path {
				t.Errorf("Format, Path = %q, %q; want dicom, %q", im.Format, im.Path, path)
			}
			if im.Width != tt.width || im.Height != tt.height || im.Frames != tt.frames {
				t.Errorf("got %d×%d, %d frames; want %d×%d, %d frames", im.Width, im.Height, im.Frames, tt.width, tt.height, tt.frames)
			}
			if im.Modality != tt.modality || im.Info.Modality != tt.modality || im.Photometric != tt.photometric {
				t.Errorf("Modality, Info.Modality, Photometric = %q, %q, %q; want %q, %q",
					im.Modality, im.Info.Modality, im.Photometric, tt.modality, tt.photometric)
			}
			if len(im.Windows) != len(tt.windows) || (len(tt.windows) > 0 && im.Windows[0] != tt.windows[0]) {
				t.Errorf("Windows = %v, want %v", im.Windows, tt.windows)
			}
			if im.Info.StudyInstanceUID == "" {
				t.Error("Info.StudyInstanceUID is empty")
			}
			for f := 1; f <= im.Frames; f++ {
				if w := im.DefaultWindow(f); w != tt.windows[0] {
					t.Errorf("DefaultWindow(%d) = %v, want %v", f, w, tt.windows[0])
				}
				out, err := im.Render(f, im.DefaultWindow(f))
				if err != nil {
					t.Fatalf("Render(%d): %v", f, err)
				}
				g, ok := out.(*image.Gray)
				if !ok {
					t.Fatalf("Render(%d) returned %T, want *image.Gray", f, out)
				}
				if b := g.Bounds(); b != image.Rect(0, 0, tt.width, tt.height) {
					t.Errorf("Render(%d) bounds %v, want %d×%d", f, b, tt.width, tt.height)
				}
				// With the min-max window every frame spans black to white.
				lo, hi := minMax(im.mustModality(f))
				mm, err := im.Render(f, minMaxWindow(lo, hi))
				if err != nil {
					t.Fatal(err)
				}
				if dmin, dmax := grayRange(mm.(*image.Gray)); dmin != 0 || dmax != 255 {
					t.Errorf("frame %d with the min-max window spans %d…%d, want 0…255", f, dmin, dmax)
				}
			}
			for _, f := range []int{0, im.Frames + 1} {
				if _, err := im.Render(f, Window{40, 400}); err == nil || !strings.Contains(err.Error(), path) {
					t.Errorf("Render(%d) error = %v, want an out-of-range error naming the file", f, err)
				}
				if w := im.DefaultWindow(f); w != (Window{}) {
					t.Errorf("DefaultWindow(%d) = %v, want the zero Window", f, w)
				}
			}
		})
	}
}

func grayRange(g *image.Gray) (lo, hi uint8) {
	lo, hi = 255, 0
	for _, v := range g.Pix {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}

// TestCROrientationAndMonochrome1 checks that Columns is the width and that
// MONOCHROME1 is inverted: stored value 0 (the unexposed border at the top
// left) is white.
func TestCROrientationAndMonochrome1(t *testing.T) {
	im, err := Load(dicomtest.File(t, "4.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := im.Render(1, im.Windows[0])
	if err != nil {
		t.Fatal(err)
	}
	g := out.(*image.Gray)
	if g.Rect.Dx() != 1760 || g.Rect.Dy() != 2140 {
		t.Fatalf("render is %d wide, %d high; want 1760 wide (Columns), 2140 high (Rows)", g.Rect.Dx(), g.Rect.Dy())
	}
	if v := im.mustModality(1)[0]; v != 0 {
		t.Fatalf("modality value at (0,0) = %v, want 0", v)
	}
	if y := g.GrayAt(0, 0).Y; y != 255 {
		t.Errorf("MONOCHROME1 pixel (0,0) with stored value 0 = %d, want 255 (white)", y)
	}
}

// TestBigEndianMatchesLittleEndian renders 3.dcm and the same data set
// converted by dcmtk to explicit VR big endian (testdata/README.md).
func TestBigEndianMatchesLittleEndian(t *testing.T) {
	le, err := Load(dicomtest.File(t, "3.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	be, err := Load(filepath.Join("testdata", "3_explicit_big_endian.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := le.Render(1, le.DefaultWindow(1))
	b, err := be.Render(1, be.DefaultWindow(1))
	if err != nil {
		t.Fatal(err)
	}
	if string(a.(*image.Gray).Pix) != string(b.(*image.Gray).Pix) {
		t.Error("big endian render differs from little endian render")
	}
}

// TestSyntheticPixelModules loads small files built in memory, one per
// Image Pixel module case, and checks the rendered pixels.
func TestSyntheticPixelModules(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	signed12 := func(o byteOrder) []elem {
		// 12-bit signed in 16 with garbage in the top nibble: -2048, -1, 0, 2047.
		e := imageElems(o, 1, 4, 1, 16, 12, 11, 1, "MONOCHROME2")
		e = append(e, str(0x0028, 0x1052, "DS", "-10"), str(0x0028, 0x1053, "DS", "2"))
		return append(e, pixelData16(o, 0xF800, 0xAFFF, 0x5000, 0x07FF))
	}
	tests := []struct {
		name   string
		file   dicomFile
		window *Window
		frame  int
		frames int
		want   []uint8 // grey values, or RGBA bytes for colour
	}{
		{
			// Modality values 2*v-10: -4106, -12, -10, 4084. Min-max window
			// -10.5/8191: -12 → 127.47, -10 → 127.53.
			name: "signed 12-bit explicit LE",
			file: dicomFile{ts: tsExplicitLittle, order: le, elems: signed12(le)},
			want: []uint8{0, 127, 128, 255},
		},
		{
			name: "signed 12-bit explicit BE",
			file: dicomFile{ts: tsExplicitBig, order: be, elems: signed12(be)},
			want: []uint8{0, 127, 128, 255},
		},
		{
			name: "signed 12-bit implicit LE",
			file: dicomFile{ts: tsImplicitLittle, order: le, implicit: true, elems: signed12(le)},
			want: []uint8{0, 127, 128, 255},
		},
		{
			name:   "signed 12-bit with window",
			file:   dicomFile{ts: tsExplicitLittle, order: le, elems: signed12(le)},
			window: &Window{Center: -11, Width: 3}, // -12.5 … -10.5; -12 → 63.75
			want:   []uint8{0, 64, 255, 255},
		},
		{
			name: "MONOCHROME1 8-bit",
			file: dicomFile{ts: tsExplicitLittle, order: le, elems: append(imageElems(le, 2, 2, 1, 8, 8, 7, 0, "MONOCHROME1"),
				elem{group: 0x7FE0, element: 0x0010, vr: "OB", value: []byte{0, 85, 170, 255}})},
			window: &Window{128, 256},
			want:   []uint8{255, 170, 85, 0},
		},
		{
			name: "file window wins over min-max",
			file: dicomFile{ts: tsExplicitLittle, order: le, elems: append(imageElems(le, 1, 3, 1, 8, 8, 7, 0, "MONOCHROME2"),
				str(0x0028, 0x1050, "DS", `100\10`), str(0x0028, 0x1051, "DS", `2\20`),
				elem{group: 0x7FE0, element: 0x0010, vr: "OB", value: []byte{10, 99, 100}})},
			want: []uint8{0, 0, 255},
		},
		{
			name: "RGB interleaved",
			file: dicomFile{ts: tsExplicitLittle, order: le, elems: append(imageElems(le, 1, 2, 3, 8, 8, 7, 0, "RGB"),
				elem{group: 0x7FE0, element: 0x0010, vr: "OB", value: []byte{10, 20, 30, 40, 50, 60}})},
			want: []uint8{10, 20, 30, 255, 40, 50, 60, 255},
		},
		{
			name: "RGB planar",
			file: dicomFile{ts: tsExplicitLittle, order: le, elems: append(imageElems(le, 1, 2, 3, 8, 8, 7, 0, "RGB"),
				us(le, 0x0028, 0x0006, 1),
				elem{group: 0x7FE0, element: 0x0010, vr: "OB", value: []byte{10, 40, 20, 50, 30, 60}})},
			want: []uint8{10, 20, 30, 255, 40, 50, 60, 255},
		},
		{
			name: "multi-frame frame 3",
			file: dicomFile{ts: tsExplicitLittle, order: le, elems: append(imageElems(le, 1, 2, 1, 8, 8, 7, 0, "MONOCHROME2"),
				str(0x0028, 0x0008, "IS", "3"),
				elem{group: 0x7FE0, element: 0x0010, vr: "OB", value: []byte{1, 2, 3, 4, 50, 60}})},
			frame:  3,
			frames: 3,
			window: &Window{128, 256},
			want:   []uint8{50, 60},
		},
		{
			name: "8-bit OW in big endian is byte-swapped",
			file: dicomFile{ts: tsExplicitBig, order: be, elems: append(imageElems(be, 1, 2, 1, 8, 8, 7, 0, "MONOCHROME2"),
				elem{group: 0x7FE0, element: 0x0010, vr: "OW", value: []byte{200, 100}})},
			window: &Window{128, 256},
			want:   []uint8{100, 200},
		},
		{
			name: "enhanced per-frame rescale over shared",
			file: dicomFile{ts: tsExplicitLittle, order: le, elems: append(imageElems(le, 1, 2, 1, 8, 8, 7, 0, "MONOCHROME2"),
				str(0x0028, 0x0008, "IS", "2"),
				elem{group: 0x5200, element: 0x9229, vr: "SQ", children: [][]elem{{
					{group: 0x0028, element: 0x9145, vr: "SQ", children: [][]elem{{
						str(0x0028, 0x1052, "DS", "-1000"), str(0x0028, 0x1053, "DS", "1"),
					}}},
				}}},
				elem{group: 0x5200, element: 0x9230, vr: "SQ", undefined: true, children: [][]elem{
					{},
					{{group: 0x0028, element: 0x9145, vr: "SQ", children: [][]elem{{
						str(0x0028, 0x1052, "DS", "0"), str(0x0028, 0x1053, "DS", "2"),
					}}}},
				}},
				elem{group: 0x7FE0, element: 0x0010, vr: "OB", value: []byte{0, 0, 5, 20}})},
			frame:  2,
			frames: 2,
			window: &Window{Center: 20.5, Width: 21}, // 10 … 30; values 10, 40
			want:   []uint8{0, 255},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "x.dcm", tt.file.bytes())
			im, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			frame, frames := max(tt.frame, 1), max(tt.frames, 1)
			if im.Frames != frames {
				t.Fatalf("Frames = %d, want %d", im.Frames, frames)
			}
			w := im.DefaultWindow(frame)
			if tt.window != nil {
				w = *tt.window
			}
			out, err := im.Render(frame, w)
			if err != nil {
				t.Fatal(err)
			}
			var got []uint8
			switch m := out.(type) {
			case *image.Gray:
				got = m.Pix
			case *image.RGBA:
				got = m.Pix
			default:
				t.Fatalf("Render returned %T", out)
			}
			if string(got) != string(tt.want) {
				t.Errorf("pixels = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLoadRaster(t *testing.T) {
	grey := image.NewGray(image.Rect(0, 0, 3, 2))
	copy(grey.Pix, []uint8{0, 1, 127, 128, 254, 255})
	colour := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	colour.SetNRGBA(0, 0, color.NRGBA{255, 0, 0, 255})
	colour.SetNRGBA(1, 0, color.NRGBA{0, 0, 255, 255})
	greyRGB := image.NewRGBA(image.Rect(0, 0, 2, 1))
	greyRGB.SetRGBA(0, 0, color.RGBA{9, 9, 9, 255})
	greyRGB.SetRGBA(1, 0, color.RGBA{200, 200, 200, 255})

	tests := []struct {
		name        string
		img         image.Image
		jpeg        bool
		photometric string
		want        []uint8
	}{
		{"grey PNG renders unchanged", grey, false, "MONOCHROME2", grey.Pix},
		{"colour PNG passes through", colour, false, "RGB", []uint8{255, 0, 0, 255, 0, 0, 255, 255}},
		{"grey stored as RGB PNG is grey", greyRGB, false, "MONOCHROME2", []uint8{9, 200}},
		{"grey JPEG", grey, true, "MONOCHROME2", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "x")
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			if tt.jpeg {
				err = jpeg.Encode(f, tt.img, nil)
			} else {
				err = png.Encode(f, tt.img)
			}
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			im, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			wantFormat := FormatPNG
			if tt.jpeg {
				wantFormat = FormatJPEG
			}
			b := tt.img.Bounds()
			if im.Format != wantFormat || im.Photometric != tt.photometric || im.Width != b.Dx() || im.Height != b.Dy() || im.Frames != 1 {
				t.Errorf("got %s %s %d×%d×%d", im.Format, im.Photometric, im.Width, im.Height, im.Frames)
			}
			if len(im.Windows) != 0 {
				t.Errorf("Windows = %v, want none", im.Windows)
			}
			out, err := im.Render(1, im.DefaultWindow(1))
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				return
			}
			var got []uint8
			switch m := out.(type) {
			case *image.Gray:
				got = m.Pix
			case *image.RGBA:
				got = m.Pix
			}
			if string(got) != string(tt.want) {
				t.Errorf("pixels = %v, want %v", got, tt.want)
			}
		})
	}
}

// truncated returns the first half of 4.dcm in a temporary file.
func truncated(t *testing.T) string {
	data, err := os.ReadFile(dicomtest.File(t, "4.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, "half.dcm", data[:len(data)/2])
}

func TestLoadErrors(t *testing.T) {
	le := binary.LittleEndian
	huge := uint32(0xFFFFFFF0)
	mono := func(extra ...elem) []byte {
		return dicomFile{ts: tsExplicitLittle, order: le, elems: append(imageElems(le, 2, 2, 1, 8, 8, 7, 0, "MONOCHROME2"), extra...)}.bytes()
	}
	pixels4 := elem{group: 0x7FE0, element: 0x0010, vr: "OB", value: []byte{1, 2, 3, 4}}
	deep := elem{group: 0x0040, element: 0x0275, vr: "SQ", undefined: true}
	for i := 0; i < 200; i++ {
		deep = elem{group: 0x0040, element: 0x0275, vr: "SQ", undefined: true, children: [][]elem{{deep}}}
	}
	head := dicomFile{ts: tsExplicitLittle, order: le}.bytes()

	tests := []struct {
		name     string
		path     func(t *testing.T) string
		kind     error  // want errors.Is(err, kind)
		contains string // want in the message
	}{
		{"text file", func(t *testing.T) string {
			return writeTemp(t, "notes.txt", []byte("This is a radiology report, not an image.\n"))
		}, ErrMalformed, "not a DICOM"},
		{"empty file", func(t *testing.T) string { return writeTemp(t, "empty.dcm", nil) }, ErrMalformed, "empty file"},
		{"truncated 4.dcm", truncated, ErrMalformed, "truncated DICOM"},
		{"short file", func(t *testing.T) string { return writeTemp(t, "short.dcm", head[:100]) }, ErrMalformed, "not a DICOM"},
		{"meta only, cut", func(t *testing.T) string { return writeTemp(t, "cut.dcm", head[:len(head)-3]) }, ErrMalformed, "truncated DICOM"},
		{"4 GB declared pixel data length", func(t *testing.T) string {
			return writeTemp(t, "px4g.dcm", mono(elem{group: 0x7FE0, element: 0x0010, vr: "OW", value: []byte{1, 2, 3, 4}, vl: &huge}))
		}, ErrMalformed, "truncated DICOM"},
		{"Rows with the wrong VR", func(t *testing.T) string {
			elems := imageElems(le, 2, 2, 1, 8, 8, 7, 0, "MONOCHROME2")
			elems[3] = str(0x0028, 0x0010, "LO", "two")
			return writeTemp(t, "vr.dcm", dicomFile{ts: tsExplicitLittle, order: le, elems: append(elems, pixels4)}.bytes())
		}, ErrMalformed, "Rows"},
		{"4 GB frames of a compressed file", func(t *testing.T) string {
			elems := append(imageElems(le, 8192, 8192, 3, 16, 16, 15, 0, "RGB"), str(0x0028, 0x0008, "IS", "10"))
			return writeTemp(t, "bomb.dcm", dicomFile{ts: tsRLE, order: le, elems: append(elems, encapsulated(nil, []byte{1, 2}))}.bytes())
		}, ErrTooLarge, "decoded pixel data needs 4563402752 bytes, over the decoded limit"},
		{"65535×65535 frame of a compressed file", func(t *testing.T) string {
			elems := imageElems(le, 0xFFFF, 0xFFFF, 3, 16, 16, 15, 0, "RGB")
			return writeTemp(t, "bomb.dcm", dicomFile{ts: tsRLE, order: le, elems: append(elems, encapsulated(nil, []byte{1, 2}))}.bytes())
		}, ErrTooLarge, "pixels limit"},
		{"huge declared length", func(t *testing.T) string {
			return writeTemp(t, "huge.dcm", mono(elem{group: 0x0008, element: 0x0119, vr: "UT", value: []byte("ab"), vl: &huge}, pixels4))
		}, ErrMalformed, "truncated DICOM"},
		{"huge undefined 16-bit length", func(t *testing.T) string {
			ffff := uint32(0xFFFF)
			return writeTemp(t, "ffff.dcm", mono(elem{group: 0x0008, element: 0x1030, vr: "LO", value: []byte("ab"), vl: &ffff}, pixels4))
		}, ErrMalformed, "undefined length"},
		{"deep nesting", func(t *testing.T) string { return writeTemp(t, "deep.dcm", mono(deep, pixels4)) }, ErrMalformed, "nested"},
		{"short pixel data", func(t *testing.T) string {
			return writeTemp(t, "px.dcm", mono(elem{group: 0x7FE0, element: 0x0010, vr: "OB", value: []byte{1, 2}}))
		}, ErrMalformed, "pixel data has 2 bytes"},
		{"missing rows", func(t *testing.T) string {
			return writeTemp(t, "rows.dcm", dicomFile{ts: tsExplicitLittle, order: le, elems: []elem{str(0x0028, 0x0004, "CS", "MONOCHROME2"), pixels4}}.bytes())
		}, ErrMalformed, "Rows"},
		{"no pixel data", func(t *testing.T) string { return writeTemp(t, "sr.dcm", mono()) }, ErrUnsupported, "no pixel data"},
		{"palette colour without LUTs", func(t *testing.T) string {
			return writeTemp(t, "pal.dcm", dicomFile{ts: tsExplicitLittle, order: le,
				elems: append(imageElems(le, 2, 2, 1, 8, 8, 7, 0, "PALETTE COLOR"), pixels4)}.bytes())
		}, ErrMalformed, "PALETTE COLOR image without its red palette colour LUT"},
		{"MPEG2 transfer syntax", func(t *testing.T) string {
			return writeTemp(t, "mpeg.dcm", dicomFile{ts: "1.2.840.10008.1.2.4.100", order: le, elems: []elem{pixels4}}.bytes())
		}, ErrUnsupportedTransferSyntax, "1.2.840.10008.1.2.4.100 (MPEG2"},
		{"private transfer syntax", func(t *testing.T) string {
			return writeTemp(t, "private.dcm", dicomFile{ts: "1.2.3.4.5.6", order: le, elems: []elem{pixels4}}.bytes())
		}, ErrUnsupportedTransferSyntax, "unsupported transfer syntax 1.2.3.4.5.6"},
		{"deflated transfer syntax, data not deflated", func(t *testing.T) string {
			return writeTemp(t, "deflate.dcm", dicomFile{ts: "1.2.840.10008.1.2.1.99", order: le, elems: []elem{pixels4}}.bytes())
		}, ErrMalformed, "deflated data set"},
		{"encapsulated pixel data under a native syntax", func(t *testing.T) string {
			return writeTemp(t, "encap.dcm", mono(elem{group: 0x7FE0, element: 0x0010, vr: "OB", undefined: true}))
		}, ErrUnsupportedTransferSyntax, "encapsulated"},
		{"parser panic is recovered", func(t *testing.T) string {
			// A transfer syntax UID encoded as US makes the parser panic.
			data := mono(pixels4)
			i := bytes.Index(data, []byte("\x02\x00\x10\x00UI"))
			copy(data[i+4:], "US")
			return writeTemp(t, "panic.dcm", data)
		}, ErrMalformed, "parser failed"},
		{"truncated PNG", func(t *testing.T) string {
			return writeTemp(t, "x.png", []byte(pngMagic+"\x00\x00\x00\x0dIHDR"))
		}, ErrMalformed, "malformed PNG"},
		{"truncated JPEG", func(t *testing.T) string { return writeTemp(t, "x.jpg", []byte(jpegMagic+"\xe0")) }, ErrMalformed, "malformed JPEG"},
		{"directory", func(t *testing.T) string { return t.TempDir() }, ErrMalformed, "directory"},
		{"missing file", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope.dcm") }, fs.ErrNotExist, "nope.dcm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path(t)
			im, err := Load(path)
			if err == nil {
				t.Fatalf("Load succeeded (%d×%d), want an error", im.Width, im.Height)
			}
			t.Log(err)
			if !errors.Is(err, tt.kind) {
				t.Errorf("error %q does not match %v", err, tt.kind)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "load "+path+": ") {
				t.Errorf("error %q does not start with \"load %s: \"", msg, path)
			}
			if !strings.Contains(msg, tt.contains) {
				t.Errorf("error %q does not mention %q", msg, tt.contains)
			}
			if errors.Is(err, ErrMalformed) && errors.Is(err, ErrUnsupported) {
				t.Errorf("error %q is both malformed and unsupported", msg)
			}
		})
	}
	if !errors.Is(ErrUnsupportedTransferSyntax, ErrUnsupported) {
		t.Error("ErrUnsupportedTransferSyntax does not match ErrUnsupported")
	}
}

// mustModality is modality for tests: the values, or a panic.
func (im *Image) mustModality(frame int) []float32 {
	v, err := im.modality(frame)
	if err != nil {
		panic(err)
	}
	return v
}
