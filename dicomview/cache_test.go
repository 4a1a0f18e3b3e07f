package dicomview

import (
	"bytes"
	"container/list"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// lazyVolume writes an n-slice 64×64 CT and opens it, its images kept in
// a cache of their own holding at most capacity bytes.
func lazyVolume(t *testing.T, n int, capacity int64) (*Series, *pixelCache, []string) {
	t.Helper()
	dir := t.TempDir()
	v := dicomtest.Volume{Modality: "CT", Slices: n, Rows: 64, Cols: 64, StudyUID: "2.25.1", SeriesUID: "2.25.2",
		Intercept: -1024, WindowCenter: 40, WindowWidth: 400,
		Value: func(x, y, z int) int16 { return int16(x*7 + y*3 + z*11) }}
	paths, err := v.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	series, skipped, err := OpenSeries(dir)
	if err != nil || len(skipped) > 0 || len(series) != 1 {
		t.Fatalf("OpenSeries: %v, skipped %v, %d series", err, skipped, len(series))
	}
	c := &pixelCache{by: map[*Image]*list.Element{}, capacity: capacity}
	for _, sl := range series[0].Slices {
		sl.Image.cache = c
	}
	return series[0], c, paths
}

// TestLazySeriesStaysWithinCache walks every slice of a series the way
// the viewer and a recipe do (default window, render, preview, CT3
// encoding) and checks, by the cache's own accounting, that what is
// resident never exceeds the cache's capacity, and that no image holds
// pixel data of its own: memory is bounded by the cache, not by the
// length of the series (the eager loader held every slice).
func TestLazySeriesStaysWithinCache(t *testing.T) {
	const slices = 200
	const perSlice = 64*64*2 + 64*64*4 // the samples and one frame's modality values
	capacity := int64(10 * perSlice)
	s, c, _ := lazyVolume(t, slices, capacity)
	for i, sl := range s.Slices {
		if sl.Image.raw != nil {
			t.Fatalf("slice %d holds its pixel data after opening", i+1)
		}
		w := sl.Image.DefaultWindow(sl.Frame)
		if _, err := sl.Image.Render(sl.Frame, w); err != nil {
			t.Fatal(err)
		}
		if _, err := sl.Image.Preview(sl.Frame, 32); err != nil {
			t.Fatal(err)
		}
		if i%25 == 0 { // the model input is slow to make; a few suffice
			if _, err := sl.Image.Prepare(PrepareOptions{Frame: sl.Frame, Encoding: EncodingCT3}); err != nil {
				t.Fatal(err)
			}
		}
		used, _, images := c.stats()
		if used > capacity {
			t.Fatalf("after slice %d: %d bytes resident in %d images, over the cache's %d", i+1, used, images, capacity)
		}
	}
	used, peak, images := c.stats()
	if peak > capacity || images > 10 || images < 2 {
		t.Errorf("after %d slices: %d bytes in %d images resident, peak %d; want at most %d bytes and at least 2 images", slices, used, images, peak, capacity)
	}
	for i, sl := range s.Slices {
		if sl.Image.raw != nil || sl.Image.cachedVals != nil {
			t.Fatalf("slice %d holds pixels of its own", i+1)
		}
	}
}

// TestLazySameAsLoad checks that a lazy image renders and prepares the
// same bytes as the eager Load of its file, from the cache and after
// eviction, and from many goroutines at once (prefetching neighbours while
// rendering).
func TestLazySameAsLoad(t *testing.T) {
	s, c, _ := lazyVolume(t, 8, 3*(64*64*6))
	want := make([][]byte, len(s.Slices))
	for i, sl := range s.Slices {
		im, err := Load(sl.Image.Path)
		if err != nil {
			t.Fatal(err)
		}
		p, err := im.Prepare(PrepareOptions{Frame: 1})
		if err != nil {
			t.Fatal(err)
		}
		want[i] = p.PNG
	}
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 2 {
				for k := range s.Slices {
					i := (k*5 + g + round) % len(s.Slices)
					sl := s.Slices[i]
					if i+1 < len(s.Slices) {
						_ = s.Slices[i+1].Image.Prefetch(1)
					}
					p, err := sl.Image.Prepare(PrepareOptions{Frame: sl.Frame})
					if err != nil {
						t.Error(err)
						return
					}
					if !bytes.Equal(p.PNG, want[i]) {
						t.Errorf("slice %d: lazy PNG differs from Load's", i+1)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if _, peak, _ := c.stats(); peak > 3*(64*64*6) {
		t.Errorf("peak %d bytes resident, over the capacity", peak)
	}
}

// TestLazyFileChanged checks that a file replaced by a different image
// after opening is reported, not rendered as something else, and that a
// file removed after opening fails with its name.
func TestLazyFileChanged(t *testing.T) {
	s, _, paths := lazyVolume(t, 3, 1)
	other := dicomtest.Volume{Modality: "CT", Slices: 1, Rows: 32, Cols: 64, StudyUID: "2.25.1", SeriesUID: "2.25.2",
		Value: func(x, y, z int) int16 { return 0 }}
	dir := t.TempDir()
	p, err := other.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(paths[1], data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(paths[2]); err != nil {
		t.Fatal(err)
	}
	for i, sl := range s.Slices {
		_, err := sl.Image.Render(1, Window{Center: 40, Width: 400})
		switch {
		case i == 0 && err != nil:
			t.Errorf("slice 1: %v", err)
		case i == 1 && (err == nil || !errors.Is(err, ErrMalformed)):
			t.Errorf("slice 2 changed: got %v, want a malformed error", err)
		case i == 2 && (err == nil || !errors.Is(err, os.ErrNotExist)):
			t.Errorf("slice 3 removed: got %v, want not-exist", err)
		}
		if i > 0 && err != nil && !bytes.Contains([]byte(err.Error()), []byte(filepath.Base(paths[i]))) {
			t.Errorf("slice %d: error %q does not name the file", i+1, err)
		}
	}
}

// TestLazyKeepsPerFileLimits checks that reading a lazy image again
// applies the limits in force then, as Load does.
func TestLazyKeepsPerFileLimits(t *testing.T) {
	s, _, _ := lazyVolume(t, 2, 1<<20)
	defer SetLimits(CurrentLimits())
	SetLimits(Limits{FramePixels: 32 * 32})
	_, err := s.Slices[0].Image.Render(1, Window{Center: 40, Width: 400})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("render under a 32×32 pixel limit: %v, want ErrTooLarge", err)
	}
}

// TestHeaderOnlySameAsLoad checks that opening a file from its header
// (loadHeader, which reads no native pixel data) gives the image Load
// gives, and that a damaged file fails with Load's error: for the test
// files of several transfer syntaxes, a file with elements after its pixel
// data, files whose header is longer than the first read of it or than
// all it reads, and files cut short in their pixel data or after it.
func TestHeaderOnlySameAsLoad(t *testing.T) {
	dir := t.TempDir()
	v := dicomtest.Volume{Modality: "CT", Slices: 1, Rows: 256, Cols: 256, StudyUID: "2.25.1", SeriesUID: "2.25.2",
		Intercept: -1024, Value: func(x, y, z int) int16 { return int16(x + y) }}
	ps, err := v.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(ps[0])
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Data Set Trailing Padding (FFFC,FFFC) OB after the pixel data.
	trailer := append(bytes.Clone(whole), 0xFC, 0xFF, 0xFC, 0xFF, 'O', 'B', 0, 0, 4, 0, 0, 0, 1, 2, 3, 4)
	// A header of n bytes more: a Text Value (0040,A160) UT before the
	// pixel data, past the first read of a header (headerFirst) or past
	// all of it (headerPrefix).
	longHeader := func(n int) []byte {
		at := len(whole) - 256*256*2 - 12 // the Pixel Data element
		ut := []byte{0x40, 0x00, 0x60, 0xA1, 'U', 'T', 0, 0}
		ut = binary.LittleEndian.AppendUint32(ut, uint32(n))
		ut = append(ut, bytes.Repeat([]byte("ab"), n/2)...)
		return slices.Concat(whole[:at], ut, whole[at:])
	}
	files := []string{ps[0], write("trailer.dcm", trailer),
		write("long-header.dcm", longHeader(20<<10)), write("huge-header.dcm", longHeader(70<<10)),
		write("short-pixels.dcm", whole[:len(whole)-100]),
		write("bad-trailer.dcm", append(bytes.Clone(whole), 0xFC, 0xFF, 0xFC, 0xFF, 'O', 'B', 0, 0, 40, 0, 0, 0, 1)),
		filepath.Join("testdata", "3_explicit_big_endian.dcm")}
	for _, name := range []string{"1.dcm", "2.dcm", "3.dcm", "4.dcm", "5.dcm"} {
		files = append(files, dicomtest.File(t, name))
	}
	for _, p := range files {
		t.Run(filepath.Base(p), func(t *testing.T) {
			want, werr := load(p, newBudget(CurrentLimits(), nil))
			got, gerr := loadHeader(p, newBudget(CurrentLimits(), nil))
			if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
				t.Fatalf("loadHeader error %v, Load error %v", gerr, werr)
			}
			if werr != nil {
				return
			}
			if got.Width != want.Width || got.Height != want.Height || got.Frames != want.Frames ||
				got.Photometric != want.Photometric || got.TransferSyntax != want.TransferSyntax ||
				got.Info != want.Info || got.layout != want.layout || len(got.frames) != len(want.frames) {
				t.Fatalf("loadHeader image %+v, Load image %+v", got, want)
			}
			if b := filepath.Base(p); (b == "trailer.dcm" || b == "slice-0001.dcm" || b == "long-header.dcm") && got.raw != nil {
				t.Errorf("loadHeader read the pixel data of %s", b)
			}
			got.makeLazy(fileSource(p))
			a, err := got.Prepare(PrepareOptions{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := want.Prepare(PrepareOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if a.SHA256 != b.SHA256 {
				t.Errorf("lazy image prepares %s, Load's %s", a.SHA256, b.SHA256)
			}
		})
	}
}
