package dicomview

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

func TestStoredValue(t *testing.T) {
	tests := []struct {
		name                string
		container           uint32
		bitsStored, highBit int
		signed              bool
		want                int64
	}{
		{"16 of 16 unsigned", 0xFFFF, 16, 15, false, 65535},
		{"16 of 16 signed -1", 0xFFFF, 16, 15, true, -1},
		{"16 of 16 signed min", 0x8000, 16, 15, true, -32768},
		{"12 of 16 masks overlay bits", 0xF123, 12, 11, false, 0x123},
		{"12 of 16 signed -1", 0x0FFF, 12, 11, true, -1},
		{"12 of 16 signed min", 0x0800, 12, 11, true, -2048},
		{"12 of 16 signed max", 0x07FF, 12, 11, true, 2047},
		{"12 of 16 signed ignores high garbage", 0xAFFF, 12, 11, true, -1},
		{"12 at high bit 15", 0xFFF0, 12, 15, false, 0xFFF},
		{"12 at high bit 15 signed", 0x8000, 12, 15, true, -2048},
		{"10 of 16 (CR)", 0x03FF, 10, 9, false, 1023},
		{"8 of 8", 0xAB, 8, 7, false, 0xAB},
		{"8 of 8 signed", 0x80, 8, 7, true, -128},
		{"32 of 32 unsigned", 0xFFFFFFFF, 32, 31, false, 4294967295},
		{"32 of 32 signed", 0xFFFFFFFE, 32, 31, true, -2},
		{"1 bit", 0x1, 1, 0, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := storedValue(tt.container, tt.bitsStored, tt.highBit, tt.signed); got != tt.want {
				t.Errorf("storedValue(%#x, %d, %d, %v) = %d, want %d", tt.container, tt.bitsStored, tt.highBit, tt.signed, got, tt.want)
			}
		})
	}
}

func TestModalityValues(t *testing.T) {
	tests := []struct {
		name             string
		raw              []byte
		l                layout
		slope, intercept float64
		want             []float32
	}{
		{
			name: "CT signed 16 LE with rescale",
			raw:  []byte{0x00, 0x00, 0x18, 0xFC, 0xE8, 0x03}, // 0, -1000, 1000
			l:    layout{rows: 1, cols: 3, samples: 1, bitsAllocated: 16, bitsStored: 16, highBit: 15, signed: true, order: binary.LittleEndian},
			// Hounsfield: value*1 - 1024
			slope: 1, intercept: -1024,
			want: []float32{-1024, -2024, -24},
		},
		{
			name:  "unsigned 12 BE with slope",
			raw:   []byte{0xF0, 0x01, 0x00, 0x02},
			l:     layout{rows: 1, cols: 2, samples: 1, bitsAllocated: 16, bitsStored: 12, highBit: 11, order: binary.BigEndian},
			slope: 2.5, intercept: 1,
			want: []float32{1 + 2.5, 1 + 2.5*2},
		},
		{
			name:  "8 bit",
			raw:   []byte{0, 128, 255},
			l:     layout{rows: 1, cols: 3, samples: 1, bitsAllocated: 8, bitsStored: 8, highBit: 7, order: binary.LittleEndian},
			slope: 1,
			want:  []float32{0, 128, 255},
		},
		{
			name:  "32 bit unsigned beyond int32",
			raw:   []byte{0xFF, 0xFF, 0xFF, 0xFF},
			l:     layout{rows: 1, cols: 1, samples: 1, bitsAllocated: 32, bitsStored: 32, highBit: 31, order: binary.LittleEndian},
			slope: 1,
			want:  []float32{4294967295},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := modalityValues(tt.raw, tt.l, tt.slope, tt.intercept)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d values, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("value %d = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestRGBValues(t *testing.T) {
	l := layout{rows: 1, cols: 2, samples: 3, bitsAllocated: 8, bitsStored: 8, highBit: 7, order: binary.LittleEndian}
	interleaved := []byte{1, 2, 3, 4, 5, 6}
	want := []uint8{1, 2, 3, 4, 5, 6}
	if got := rgbValues(interleaved, l, "RGB"); string(got) != string(want) {
		t.Errorf("interleaved: got %v, want %v", got, want)
	}
	l.planar = true
	planar := []byte{1, 4, 2, 5, 3, 6} // RR GG BB
	if got := rgbValues(planar, l, "RGB"); string(got) != string(want) {
		t.Errorf("planar: got %v, want %v", got, want)
	}
	l16 := layout{rows: 1, cols: 1, samples: 3, bitsAllocated: 16, bitsStored: 16, highBit: 15, order: binary.LittleEndian}
	if got := rgbValues([]byte{0xFF, 0xFF, 0, 0, 0x80, 0x80}, l16, "RGB"); got[0] != 255 || got[1] != 0 || got[2] != 128 {
		t.Errorf("16-bit: got %v, want [255 0 128]", got)
	}
}

// TestVOILinear checks the formula of DICOM PS3.3 C.11.2.1.2.1 on values
// worked out by hand.
func TestVOILinear(t *testing.T) {
	ct := Window{Center: 40, Width: 400} // soft tissue: -160 … 240 HU
	tests := []struct {
		name string
		x    float64
		w    Window
		want uint8
	}{
		// Lower border c-0.5-(w-1)/2 = 40-0.5-199.5 = -160.
		{"CT below window", -1000, ct, 0},
		{"CT at lower border", -160, ct, 0},
		{"CT just above lower border", -159, ct, 1}, // (1/399)*255 = 0.64 → 1
		{"CT centre", 39.5, ct, 128},                // 0.5*255 = 127.5 → 128
		{"CT at center", 40, ct, 128},               // (200/399)*255 = 127.8 → 128
		// Upper border c-0.5+(w-1)/2 = 239.
		{"CT at upper border", 239, ct, 255},
		{"CT above upper border", 239.01, ct, 255},
		{"CT bone", 1000, ct, 255},
		{"CT quarter", -60, ct, 64}, // (100/399)*255 = 63.9 → 64
		// 8-bit identity window.
		{"identity 0", 0, Window{128, 256}, 0},
		{"identity 1", 1, Window{128, 256}, 1},
		{"identity 127", 127, Window{128, 256}, 127},
		{"identity 200", 200, Window{128, 256}, 200},
		{"identity 255", 255, Window{128, 256}, 255},
		// Width 1: a threshold at c-0.5.
		{"threshold below", 99.5, Window{100, 1}, 0},
		{"threshold above", 99.6, Window{100, 1}, 255},
		// Negative modality values (signed data).
		{"negative window", -2048, Window{-1024, 2048}, 0},
		{"negative window mid", -1024.5, Window{-1024, 2048}, 128},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := voiLinear(tt.x, tt.w); got != tt.want {
				t.Errorf("voiLinear(%v, %v) = %d, want %d", tt.x, tt.w, got, tt.want)
			}
		})
	}
}

func TestApplyWindowMonochrome1(t *testing.T) {
	vals := []float32{-160, 39.5, 239, 1000}
	w := Window{Center: 40, Width: 400}
	got := make([]uint8, len(vals))
	applyWindow(got, vals, w, false)
	if want := []uint8{0, 128, 255, 255}; string(got) != string(want) {
		t.Errorf("MONOCHROME2: got %v, want %v", got, want)
	}
	applyWindow(got, vals, w, true)
	if want := []uint8{255, 127, 0, 0}; string(got) != string(want) {
		t.Errorf("MONOCHROME1: got %v, want %v", got, want)
	}
}

func TestMinMaxWindow(t *testing.T) {
	tests := []struct{ lo, hi float64 }{{0, 255}, {-1024, 3071}, {0.5, 12107.3}, {7, 7}}
	for _, tt := range tests {
		w := minMaxWindow(tt.lo, tt.hi)
		if got := voiLinear(tt.lo, w); got != 0 {
			t.Errorf("minMaxWindow(%v, %v) = %v maps min to %d, want 0", tt.lo, tt.hi, w, got)
		}
		if tt.hi > tt.lo {
			if got := voiLinear(tt.hi, w); got != 255 {
				t.Errorf("minMaxWindow(%v, %v) = %v maps max to %d, want 255", tt.lo, tt.hi, w, got)
			}
		}
	}
	if w := fullRangeWindow(8); w != (Window{128, 256}) {
		t.Errorf("fullRangeWindow(8) = %v, want 128,256", w)
	}
	if lo, hi := minMax([]float32{3, -2, 7}); lo != -2 || hi != 7 {
		t.Errorf("minMax = %v, %v, want -2, 7", lo, hi)
	}
}

func TestParseWindow(t *testing.T) {
	tests := []struct {
		in      string
		want    Window
		wantErr bool
	}{
		{"40,400", Window{40, 400}, false},
		{" -600 , 1500 ", Window{-600, 1500}, false},
		{"0.5,0.25", Window{0.5, 0.25}, false},
		{"40", Window{}, true},
		{"40,0", Window{}, true},
		{"40,-1", Window{}, true},
		{"a,400", Window{}, true},
		{"40,b", Window{}, true},
		{"NaN,400", Window{}, true},
		{"40,Inf", Window{}, true},
		{"40,400,1", Window{}, true},
		{"", Window{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseWindow(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseWindow(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseWindow(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// TestYBR422 checks native YBR_FULL_422 (Y1 Y2 Cb Cr per pixel pair)
// against the same samples stored as YBR_FULL.
func TestYBR422(t *testing.T) {
	l := layout{rows: 1, cols: 4, samples: 3, bitsAllocated: 8, bitsStored: 8, highBit: 7, order: binary.LittleEndian}
	full := []byte{100, 90, 200, 150, 90, 200, 30, 128, 128, 250, 128, 128}
	want := rgbValues(full, l, "YBR_FULL")
	l.ybr422 = true
	if n := l.frameBytes(); n != 8 {
		t.Fatalf("frameBytes %d, want 8", n)
	}
	got := rgbValues([]byte{100, 150, 90, 200, 30, 250, 128, 128}, l, "YBR_FULL_422")
	if !bytes.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestDisplayTableMatchesPerPixel checks that Render's stored-value table
// gives exactly the bytes of the per-pixel pipeline, for signed and
// unsigned files, every VOI function and both polarities.
func TestDisplayTableMatchesPerPixel(t *testing.T) {
	for _, name := range []string{"1.dcm", "3.dcm", "4.dcm", "5.dcm"} {
		im, err := Load(dicomtest.File(t, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"", VOILinearExact, VOISigmoid} {
			for _, w := range []Window{im.DefaultWindow(1), {Center: 100.5, Width: 1}, {Center: -3000, Width: 70000}} {
				p := im.frames[0]
				p.voiFunc = f
				table, lowest := displayTable(im.layout, p, w, im.invert)
				got := make([]uint8, im.Width*im.Height)
				applyTable(got, im.raw[:im.layout.frameBytes()], im.layout, table, lowest)
				want := make([]uint8, len(got))
				applyWindowFunc(want, im.mustModality(1), w, f, im.invert)
				if !bytes.Equal(got, want) {
					t.Errorf("%s %q window %v: table and per-pixel renders differ", name, f, w)
				}
			}
		}
	}
}

// TestTableLookupMatchesStoredValue: for every 8- and 16-bit layout
// (bits stored, high bit, signed or not), the fast table lookup of
// applyTableN finds the entry of each container's stored value, whatever
// the container's bits outside the stored ones hold, as the pixel-by-pixel
// decoding does.
func TestTableLookupMatchesStoredValue(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, alloc := range []int{8, 16} {
		for stored := 1; stored <= alloc; stored++ {
			for high := stored - 1; high < alloc; high++ {
				for _, signed := range []bool{false, true} {
					l := layout{bitsAllocated: alloc, bitsStored: stored, highBit: high, signed: signed, samples: 1, order: binary.LittleEndian}
					n := 1 << uint(stored)
					var lowest int64
					if signed {
						lowest = -int64(n / 2)
					}
					table := make([]uint8, 4*n)
					for i := range table {
						table[i] = uint8(r.IntN(256))
					}
					raw := make([]byte, 5000*alloc/8)
					for i := range raw {
						raw[i] = uint8(r.IntN(256))
					}
					pixels := len(raw) / (alloc / 8)
					at := containers(raw, l)
					for _, ch := range []int{1, 4} {
						got := make([]uint8, ch*pixels)
						applyTableN(got, ch, raw, l, table, lowest)
						for i := range pixels {
							k := int(storedValue(at(i), stored, high, signed) - lowest)
							if !bytes.Equal(got[ch*i:ch*i+ch], table[ch*k:ch*k+ch]) {
								t.Fatalf("%d bits in %d, high bit %d, signed %v, %d bytes a pixel: pixel %d (container %#x) got %v, want entry %d %v",
									stored, alloc, high, signed, ch, i, at(i), got[ch*i:ch*i+ch], k, table[ch*k:ch*k+ch])
							}
						}
					}
				}
			}
		}
	}
}
