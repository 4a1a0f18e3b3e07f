package dicomview

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// refRender runs dcm2pnm with args on path and returns its PNG.
func refRender(t *testing.T, path string, args ...string) image.Image {
	t.Helper()
	out := filepath.Join(t.TempDir(), "ref.png")
	run(t, append(append([]string{"dcm2pnm", "--write-png"}, args...), path, out)...)
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// agree compares two images channel by channel and fails unless ≥ 99.9%
// of samples are within 1 grey level.
func agree(t *testing.T, got, ref image.Image) {
	t.Helper()
	if got.Bounds() != ref.Bounds() {
		t.Fatalf("ours %v, dcmtk %v", got.Bounds(), ref.Bounds())
	}
	b := got.Bounds()
	off, n, maxd := 0, 0, 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, _ := got.At(x, y).RGBA()
			r2, g2, b2, _ := ref.At(x, y).RGBA()
			for _, p := range [][2]uint32{{r1, r2}, {g1, g2}, {b1, b2}} {
				d := diff(uint8(p[0]>>8), uint8(p[1]>>8))
				maxd = max(maxd, d)
				if d > 1 {
					off++
				}
				n++
			}
		}
	}
	frac := 1 - float64(off)/float64(n)
	t.Logf("%.4f%% of samples within 1 grey level of dcm2pnm, max difference %d", 100*frac, maxd)
	if frac < 0.999 {
		t.Errorf("only %.4f%% of samples within 1 grey level of dcm2pnm (max difference %d), want ≥ 99.9%%", 100*frac, maxd)
	}
}

// modified copies a sample file and sets attributes with dcmodify.
func modified(t *testing.T, name string, sets ...string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	data, err := os.ReadFile(dicomtest.File(t, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"dcmodify", "-nb"}
	for _, s := range sets {
		args = append(args, "-i", s)
	}
	run(t, append(args, p)...)
	return p
}

// ramp returns w×h little-endian 16-bit samples rising from lo to hi.
func ramp(w, h int, lo, hi int) []byte {
	var b []byte
	n := w * h
	for i := 0; i < n; i++ {
		b = binary.LittleEndian.AppendUint16(b, uint16(lo+(hi-lo)*i/(n-1)))
	}
	return b
}

// lutSeq returns a LUT sequence element (Modality or VOI) with one LUT.
func lutSeq(group, element uint16, first, bits int, entries []uint16, explanation string) elem {
	le := binary.LittleEndian
	desc := le.AppendUint16(nil, uint16(len(entries)))
	desc = le.AppendUint16(desc, uint16(first))
	desc = le.AppendUint16(desc, uint16(bits))
	var data []byte
	for _, e := range entries {
		data = le.AppendUint16(data, e)
	}
	return elem{group: group, element: element, vr: "SQ", children: [][]elem{{
		{group: 0x0028, element: 0x3002, vr: "US", value: desc},
		str(0x0028, 0x3003, "LO", explanation),
		{group: 0x0028, element: 0x3006, vr: "OW", value: data},
	}}}
}

// TestPipelineMatchesDcmtk checks each step of the pixel pipeline that the
// sample files do not exercise against dcm2pnm, on sample files modified
// with dcmodify or on synthetic files.
func TestPipelineMatchesDcmtk(t *testing.T) {
	le := binary.LittleEndian
	const w, h = 64, 48
	grey16 := func(extra ...elem) string {
		elems := append(imageElems(le, h, w, 1, 16, 12, 11, 0, "MONOCHROME2"), extra...)
		elems = append(elems, elem{group: 0x7FE0, element: 0x0010, vr: "OW", value: ramp(w, h, 0, 4095)})
		return writeTemp(t, "grey.dcm", dicomFile{ts: tsExplicitLittle, order: le, elems: elems}.bytes())
	}
	// A non-linear modality LUT over stored values 0…4095 (first 0).
	mod := make([]uint16, 4096)
	for i := range mod {
		mod[i] = uint16(math.Sqrt(float64(i)) * 1000)
	}
	// A VOI LUT over modality values 1000…3047, 16-bit output.
	voi := make([]uint16, 2048)
	for i := range voi {
		voi[i] = uint16(i * i * 65535 / (2047 * 2047))
	}
	rgbPixels := func(planar bool) []byte {
		var b []byte
		for c := 0; c < 3; c++ {
			for p := 0; p < w*h; p++ {
				b = append(b, uint8((p*(c+1)*7)%256))
			}
		}
		if planar {
			return b
		}
		out := make([]byte, len(b))
		for p := 0; p < w*h; p++ {
			for c := 0; c < 3; c++ {
				out[3*p+c] = b[c*w*h+p]
			}
		}
		return out
	}
	colour := func(photometric string, planar bool, extra ...elem) string {
		// With SOP and study/series UIDs, which gdcmconv's lossy mode
		// needs to derive an image.
		img := imageElems(le, h, w, 3, 8, 8, 7, 0, photometric)
		elems := []elem{str(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7"), str(0x0008, 0x0018, "UI", "1.2.3.4.1"), img[0],
			str(0x0020, 0x000D, "UI", "1.2.3.4.2"), str(0x0020, 0x000E, "UI", "1.2.3.4.3")}
		elems = append(elems, img[1:]...)
		elems = append(elems, us(le, 0x0028, 0x0006, uint16(b2i(planar))))
		elems = append(elems, extra...)
		elems = append(elems, elem{group: 0x7FE0, element: 0x0010, vr: "OB", value: rgbPixels(planar)})
		return writeTemp(t, "colour.dcm", dicomFile{ts: tsExplicitLittle, order: le, elems: elems}.bytes())
	}
	palette := func() string {
		elems := imageElems(le, h, w, 1, 8, 8, 7, 0, "PALETTE COLOR")
		for c := 0; c < 3; c++ {
			desc := le.AppendUint16(le.AppendUint16(le.AppendUint16(nil, 256), 0), 16)
			elems = append(elems, elem{group: 0x0028, element: uint16(0x1101 + c), vr: "US", value: desc})
		}
		for c := 0; c < 3; c++ {
			var data []byte
			for i := 0; i < 256; i++ {
				data = le.AppendUint16(data, uint16(((i*(c+2))%256)*257))
			}
			elems = append(elems, elem{group: 0x0028, element: uint16(0x1201 + c), vr: "OW", value: data})
		}
		var px []byte
		for p := 0; p < w*h; p++ {
			px = append(px, uint8(p%256))
		}
		elems = append(elems, elem{group: 0x7FE0, element: 0x0010, vr: "OB", value: px})
		return writeTemp(t, "palette.dcm", dicomFile{ts: tsExplicitLittle, order: le, elems: elems}.bytes())
	}

	tests := []struct {
		name   string
		path   func(t *testing.T) string
		args   []string
		render func(im *Image) (image.Image, error)
	}{
		{"3.dcm SIGMOID", func(t *testing.T) string { return modified(t, "3.dcm", "(0028,1056)=SIGMOID") },
			[]string{"--use-window", "1"}, func(im *Image) (image.Image, error) {
				if im.VOIFunction != VOISigmoid {
					t.Errorf("VOIFunction %q, want SIGMOID", im.VOIFunction)
				}
				return im.Render(1, im.Windows[0])
			}},
		{"3.dcm Presentation LUT Shape INVERSE", func(t *testing.T) string { return modified(t, "3.dcm", "(2050,0020)=INVERSE") },
			[]string{"--use-window", "1"}, func(im *Image) (image.Image, error) { return im.Render(1, im.Windows[0]) }},
		{"4.dcm Presentation LUT Shape IDENTITY", func(t *testing.T) string { return modified(t, "4.dcm", "(2050,0020)=IDENTITY") },
			[]string{"--use-window", "1"}, func(im *Image) (image.Image, error) { return im.Render(1, im.Windows[0]) }},
		{"Modality LUT Sequence", func(t *testing.T) string { return grey16(lutSeq(0x0028, 0x3000, 0, 16, mod, "sqrt")) },
			[]string{"--min-max-window"}, func(im *Image) (image.Image, error) {
				return im.Render(1, minMaxWindow(minMax(im.mustModality(1))))
			}},
		{"VOI LUT Sequence", func(t *testing.T) string {
			return grey16(str(0x0028, 0x1052, "DS", "0"), str(0x0028, 0x1053, "DS", "1"), lutSeq(0x0028, 0x3010, 1000, 16, voi, "square"))
		}, []string{"--use-voi-lut", "1"}, func(im *Image) (image.Image, error) {
			if len(im.VOILUTs) != 1 || im.VOILUTs[0] != "square" {
				t.Errorf("VOILUTs %q, want [square]", im.VOILUTs)
			}
			return im.RenderVOILUT(1, 1)
		}},
		{"RGB colour by pixel", func(t *testing.T) string { return colour("RGB", false) }, nil, nil},
		{"RGB colour by plane", func(t *testing.T) string { return colour("RGB", true) }, nil, nil},
		{"YBR_FULL", func(t *testing.T) string { return colour("YBR_FULL", false) }, nil, nil},
		{"PALETTE COLOR", func(t *testing.T) string { return palette() }, nil, nil},
	}
	// Colour in every transfer syntax: lossy JPEG turns RGB into
	// YBR_FULL_422, which the codec converts back.
	for _, v := range conformanceVariants {
		if v.encode == nil {
			continue
		}
		tests = append(tests, struct {
			name   string
			path   func(t *testing.T) string
			args   []string
			render func(im *Image) (image.Image, error)
		}{"RGB " + v.name, func(t *testing.T) string {
			src := colour("RGB", false)
			enc := filepath.Join(t.TempDir(), "enc.dcm")
			run(t, append(v.encode, src, enc)...)
			return enc
		}, nil, nil})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path(t)
			im, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			render := tt.render
			if render == nil {
				render = func(im *Image) (image.Image, error) { return im.Render(1, im.DefaultWindow(1)) }
			}
			got, err := render(im)
			if err != nil {
				t.Fatal(err)
			}
			ref := path
			if im.TransferSyntax != tsExplicitLittle && im.TransferSyntax != tsDeflated {
				// The toolkit's own decode, for lossy syntaxes.
				for _, v := range conformanceVariants {
					if v.ts == im.TransferSyntax && v.decode != nil {
						ref = filepath.Join(t.TempDir(), "ref.dcm")
						run(t, append(v.decode, path, ref)...)
						break
					}
				}
			}
			agree(t, got, refRender(t, ref, tt.args...))
		})
	}
}

// TestVOIFunctions checks LINEAR_EXACT and SIGMOID against their formulas
// in PS3.3 C.11.2.1.3.
func TestVOIFunctions(t *testing.T) {
	w := Window{Center: 100, Width: 50}
	tests := []struct {
		f    func(float64, Window) uint8
		x    float64
		want uint8
	}{
		{voiExact, 75, 0},    // c - w/2
		{voiExact, 75.01, 0}, // just above
		{voiExact, 100, 128}, // centre: 127.5 rounds up
		{voiExact, 125, 255}, // c + w/2
		{voiExact, 125.1, 255},
		{voiExact, 87.5, 64},   // a quarter: 63.75
		{voiSigmoid, 100, 128}, // 127.5
		{voiSigmoid, 125, 225}, // 255/(1+e^-2) = 224.60
		{voiSigmoid, 75, 30},   // 255/(1+e^2) = 30.40
		{voiSigmoid, -1e9, 0},
		{voiSigmoid, 1e9, 255},
	}
	for _, tt := range tests {
		if got := tt.f(tt.x, w); got != tt.want {
			t.Errorf("%p(%v) = %d, want %d", tt.f, tt.x, got, tt.want)
		}
	}
	if got := fmt.Sprint(voiFunc(VOILinearExact)(100, w)); got != "128" {
		t.Errorf("voiFunc(LINEAR_EXACT) at the centre = %s", got)
	}
}

// TestCT3 checks the ct3 encoding at native resolution: each channel is
// its Hounsfield window, and a non-CT image is refused.
func TestCT3(t *testing.T) {
	im, err := Load(dicomtest.File(t, "5.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := im.renderCT3(2)
	if err != nil {
		t.Fatal(err)
	}
	vals := im.mustModality(2)
	ranges := [3][2]float64{{-1024, 1024}, {-135, 215}, {0, 80}}
	seen := map[[3]uint8]bool{}
	for i, v := range vals {
		for c, r := range ranges {
			want := math.Round(math.Max(0, math.Min(255, (float64(v)-r[0])/(r[1]-r[0])*255)))
			if got := out.Pix[4*i+c]; math.Abs(float64(got)-want) > 0.5 {
				t.Fatalf("pixel %d (%v HU) channel %d = %d, want %v", i, v, c, got, want)
			}
		}
		seen[[3]uint8(out.Pix[4*i:4*i+3])] = true
	}
	if len(seen) < 100 {
		t.Errorf("only %d distinct colours", len(seen))
	}
	p, err := im.Prepare(PrepareOptions{Frame: 2, Encoding: EncodingCT3})
	if err != nil {
		t.Fatal(err)
	}
	if p.Encoding != EncodingCT3 || p.Window != CT3Windows[0] {
		t.Errorf("Encoding %q Window %v", p.Encoding, p.Window)
	}
	cr, err := Load(dicomtest.File(t, "4.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cr.Prepare(PrepareOptions{Encoding: EncodingCT3}); err == nil || !errors.Is(err, ErrUnsupported) {
		t.Errorf("ct3 of a CR: %v, want ErrUnsupported", err)
	}
}
