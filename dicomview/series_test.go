package dicomview

import (
	"archive/zip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// sliceFile returns a 2×2 CT slice of series uid at z with instance number
// inst, whose pixels all hold value.
func sliceFile(uid string, z float64, inst int, value uint16) []byte {
	le := binary.LittleEndian
	img := imageElems(le, 2, 2, 1, 16, 16, 15, 0, "MONOCHROME2")
	elems := []elem{img[0], str(0x0020, 0x000E, "UI", uid), str(0x0020, 0x0013, "IS", fmt.Sprint(inst)),
		str(0x0020, 0x0032, "DS", fmt.Sprintf(`0\0\%g`, z)), str(0x0020, 0x0037, "DS", `1\0\0\0\1\0`)}
	elems = append(elems, img[1:]...)
	elems = append(elems, pixelData16(le, value, value, value, value))
	return dicomFile{ts: tsExplicitLittle, order: le, elems: elems}.bytes()
}

// seriesFiles are two series, written out of order: series A's instance
// numbers run against its positions (position wins), and junk to skip.
var seriesFiles = map[string][]byte{
	"a/3.dcm":    sliceFile("1.2.3.1", 30, 1, 30),
	"a/1.dcm":    sliceFile("1.2.3.1", 10, 3, 10),
	"a/2.dcm":    sliceFile("1.2.3.1", 20, 2, 20),
	"a/4.dcm":    sliceFile("1.2.3.1", -5, 9, 0),
	"b/x.dcm":    sliceFile("1.2.3.2", 0, 2, 200),
	"b/y.dcm":    sliceFile("1.2.3.2", 0, 1, 100),
	"notes.txt":  []byte("not an image"),
	"broken.dcm": sliceFile("1.2.3.2", 0, 3, 1)[:300],
}

func checkSeries(t *testing.T, series []*Series, skipped []error) {
	t.Helper()
	if len(series) != 2 {
		t.Fatalf("%d series, want 2", len(series))
	}
	if len(skipped) != 1 || !errors.Is(skipped[0], ErrMalformed) {
		t.Errorf("skipped %v, want the broken file", skipped)
	}
	got := func(s *Series) (vals []float32) {
		for _, sl := range s.Slices {
			vals = append(vals, sl.Image.mustModality(sl.Frame)[0])
		}
		return vals
	}
	a, b := series[0], series[1]
	if a.UID != "1.2.3.1" {
		a, b = b, a
	}
	if v := fmt.Sprint(got(a)); v != "[0 10 20 30]" {
		t.Errorf("series A in order %s, want along the normal [0 10 20 30]", v)
	}
	if v := fmt.Sprint(got(b)); v != "[100 200]" {
		t.Errorf("series B in order %s, want by instance number [100 200]", v)
	}
	if a.Slices[3].Label != "slice 4 of 4" || a.Modality != "OT" {
		t.Errorf("label %q, modality %q", a.Slices[3].Label, a.Modality)
	}
}

func TestOpenSeriesFolderZipDICOMDIR(t *testing.T) {
	dir := t.TempDir()
	zpath := filepath.Join(t.TempDir(), "study.zip")
	zf, err := os.Create(zpath)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	for name, data := range seriesFiles {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zf.Close()
	if err := os.WriteFile(filepath.Join(dir, "DICOMDIR"), []byte("index"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, zpath, filepath.Join(dir, "DICOMDIR")} {
		t.Run(filepath.Base(p), func(t *testing.T) {
			series, skipped, err := OpenSeries(p)
			if err != nil {
				t.Fatal(err)
			}
			checkSeries(t, series, skipped)

			// Progress counts the files read; a cancelled open stops with
			// the context's error and the path.
			var counts []int
			if _, _, err := OpenSeriesContext(context.Background(), p, func(n int) { counts = append(counts, n) }); err != nil {
				t.Fatal(err)
			}
			if len(counts) < len(seriesFiles) || !slices.IsSorted(counts) {
				t.Errorf("progress %v for %d files", counts, len(seriesFiles))
			}
			ctx, cancel := context.WithCancel(context.Background())
			n := 0
			_, _, err = OpenSeriesContext(ctx, p, func(int) {
				if n++; n == 2 {
					cancel()
				}
			})
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), filepath.Base(strings.TrimSuffix(p, "/DICOMDIR"))) || n != 2 {
				t.Errorf("cancelled after 2 files: %v (%d files read)", err, n)
			}
		})
	}
}

func TestOpenSeriesMultiFrameAndSample(t *testing.T) {
	series, _, err := OpenSeries(dicomtest.File(t, "5.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 1 || len(series[0].Slices) != 2 || series[0].Slices[1].Frame != 2 {
		t.Fatalf("5.dcm: %d series, want 1 of 2 frames", len(series))
	}
	s := &Series{}
	for i := 0; i < 100; i++ {
		s.Slices = append(s.Slices, Slice{Frame: i + 1})
	}
	frames := func(ss []Slice) (out []int) {
		for _, sl := range ss {
			out = append(out, sl.Frame)
		}
		return out
	}
	for _, tt := range []struct {
		n    int
		want string
	}{
		{1, "[1]"}, {2, "[1 100]"}, {4, "[1 34 67 100]"}, {5, "[1 26 51 75 100]"}, {0, "[]"},
	} {
		if got := fmt.Sprint(frames(s.Sample(tt.n))); got != tt.want {
			t.Errorf("Sample(%d) = %s, want %s", tt.n, got, tt.want)
		}
	}
	if len(s.Sample(85)) != 85 || len(s.Sample(1000)) != 100 {
		t.Error("Sample(85) or Sample(1000) has the wrong length")
	}
	empty := t.TempDir()
	if _, _, err := OpenSeries(empty); !errors.Is(err, ErrMalformed) {
		t.Errorf("empty folder: %v, want ErrMalformed", err)
	}
}
