package evalchart

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata")

var (
	forestRows = []ForestRow{
		{Label: "direct / medgemma:4b vs stepwise / medgemma:4b", Diff: 0.125, Low: -0.05, High: 0.3, PAdjusted: 0.21},
		{Label: "direct / medgemma:4b vs direct / medgemma:27b", Diff: -0.25, Low: -0.42, High: -0.08, PAdjusted: 0.012},
		{Label: "stepwise / medgemma:4b vs direct / medgemma:27b", Diff: -0.375, Low: -0.55, High: -0.2, PAdjusted: 0.0004},
	}
	reliabilitySeries = []ReliabilitySeries{
		{Label: "direct / medgemma:4b / mcq (ECE 0.081)", Bins: []ReliabilityBin{
			{Low: 0.3, High: 0.4, Count: 2, Confidence: 0.36, Accuracy: 0.5},
			{Low: 0.5, High: 0.6, Count: 6, Confidence: 0.58, Accuracy: 0.5},
			{Low: 0.7, High: 0.8, Count: 12, Confidence: 0.76, Accuracy: 0.83},
			{Low: 0.9, High: 1, Count: 20, Confidence: 0.95, Accuracy: 0.9},
		}},
		{Label: "stepwise / medgemma:4b / mcq (ECE 0.190)", Bins: []ReliabilityBin{
			{Low: 0.4, High: 0.5, Count: 5, Confidence: 0.45, Accuracy: 0.2},
			{Low: 0.6, High: 0.7, Count: 0},
			{Low: 0.8, High: 0.9, Count: 15, Confidence: 0.86, Accuracy: 0.6},
			{Low: 0.9, High: 1, Count: 10, Confidence: 0.97, Accuracy: 0.8},
		}},
	}
)

func TestPlotsMatchGolden(t *testing.T) {
	tests := []struct {
		name string
		draw func() *image.RGBA
	}{
		{"forest", func() *image.RGBA { return Forest("Paired differences, 95% CI", forestRows) }},
		{"reliability", func() *image.RGBA { return Reliability("Reliability diagram", reliabilitySeries) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var a, b bytes.Buffer
			if err := png.Encode(&a, tc.draw()); err != nil {
				t.Fatal(err)
			}
			png.Encode(&b, tc.draw())
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatal("two drawings of the same input differ")
			}
			golden := filepath.Join("testdata", tc.name+".png")
			if *update {
				if err := os.WriteFile(golden, a.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test -update writes it)", err)
			}
			// Pixels, not bytes: another Go's zlib may compress the same
			// image differently.
			if !samePixels(t, a.Bytes(), want) {
				t.Errorf("%s differs from %s; look at it and rewrite with -update", tc.name, golden)
			}
		})
	}
}

func samePixels(t *testing.T, got, want []byte) bool {
	t.Helper()
	g, err := png.Decode(bytes.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	w, err := png.Decode(bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	if g.Bounds() != w.Bounds() {
		return false
	}
	b := g.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, a1 := g.At(x, y).RGBA()
			r2, g2, b2, a2 := w.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}

func TestForestPlacesIntervals(t *testing.T) {
	img := Forest("t", forestRows)
	// The axis spans ±0.6 (the largest bound 0.55 rounded up to 0.1);
	// each row's square is centred on its difference.
	span := forestRange(forestRows)
	if span != 0.6 {
		t.Fatalf("axis ±%v, want ±0.6", span)
	}
	labelW := len([]rune(forestRows[2].Label)) * charW // the longest
	x0 := 16 + labelW + 12
	for i, r := range forestRows {
		y := 48 + i*26 + 13
		first, last := -1, -1
		for x := range img.Bounds().Max.X {
			if img.RGBAAt(x, y-3) == palette[0] {
				if first < 0 {
					first = x
				}
				last = x
			}
		}
		want := x0 + int(math.Round((r.Diff+span)/(2*span)*360))
		if first < 0 || (first+last)/2 != want {
			t.Errorf("row %d: square at %d..%d, want centred on %d", i, first, last, want)
		}
	}
}
