package dicomview

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestRasterDecodedBudget (issue 26, item 13): a PNG is charged what its
// decoding costs against the decoded-bytes budget, as a DICOM file is: a
// small file of 16-bit RGBA pixels over the budget is refused before it is
// decoded, with the limit to raise; an 8-bit grey one of as many pixels
// within it opens.
func TestRasterDecodedBudget(t *testing.T) {
	old := CurrentLimits()
	defer SetLimits(old)
	l := old
	l.DecodedBytes = 64 << 20
	SetLimits(l)
	dir := t.TempDir()
	write := func(name string, img image.Image) string {
		var buf bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		os.WriteFile(p, buf.Bytes(), 0o600)
		return p
	}
	r := image.Rect(0, 0, 2000, 2000)
	big := write("rgba64.png", image.NewNRGBA64(r))
	_, err := Load(big)
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != "decoded" || !errors.Is(err, ErrTooLarge) {
		t.Errorf("a 2000×2000 16-bit RGBA PNG over a 64 MiB budget: %v", err)
	}
	if _, err := Load(write("grey.png", image.NewGray(r))); err != nil {
		t.Errorf("a 2000×2000 grey PNG within it: %v", err)
	}
}
