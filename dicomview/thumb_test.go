package dicomview

import (
	"archive/zip"
	"container/list"
	"encoding/binary"
	"errors"
	"image"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// countingFile counts the bytes read through it.
type countingFile struct {
	*os.File
	n *atomic.Int64
}

func (f countingFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.File.ReadAt(p, off)
	f.n.Add(int64(n))
	return n, err
}

// countReads makes the thumbnails' file reads count into the returned
// counter until the test ends.
func countReads(t *testing.T) *atomic.Int64 {
	var n atomic.Int64
	old := openPixelFile
	openPixelFile = func(path string) (pixelFile, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		return countingFile{File: f, n: &n}, nil
	}
	t.Cleanup(func() { openPixelFile = old })
	return &n
}

// openLazy copies the file at src alone into a folder and opens it as a
// series, its image in a pixel cache of its own, which it returns.
func openLazy(t *testing.T, src string) (*Image, *pixelCache) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(src)), data, 0o644); err != nil {
		t.Fatal(err)
	}
	series, skipped, err := OpenSeries(dir)
	if err != nil || len(skipped) > 0 || len(series) != 1 {
		t.Fatalf("OpenSeries of %s: %v, skipped %v, %d series", filepath.Base(src), err, skipped, len(series))
	}
	im := series[0].Slices[0].Image
	c := &pixelCache{by: map[*Image]*list.Element{}}
	im.cache = c
	return im, c
}

// boxDown averages g down to w×h, each output pixel the mean of the
// input pixels whose centres fall in it.
func boxDown(g *image.Gray, w, h int) *image.Gray {
	out := image.NewGray(image.Rect(0, 0, w, h))
	sum := make([]float64, w*h)
	cnt := make([]float64, w*h)
	gw, gh := g.Rect.Dx(), g.Rect.Dy()
	for y := range gh {
		for x := range gw {
			i := (y*h/gh)*w + x*w/gw
			sum[i] += float64(g.Pix[y*g.Stride+x])
			cnt[i]++
		}
	}
	for i := range sum {
		out.Pix[i] = uint8(math.Round(sum[i] / cnt[i]))
	}
	return out
}

// TestThumbnailShowsTheRender checks that the series browser's thumbnail
// of each sample file (CR, CT, MR; little and big endian, implicit and
// explicit VR, both frames of a two-frame file), read from its file by a
// lazy series, shows what the viewer shows: at most 64 pixels on a side
// with the frame's aspect ratio, each pixel the full render's pixel at its
// centre (same window, same grey), and on average within 10 grey levels
// of the full render averaged down to its size (the noisy CT of 5.dcm,
// in its narrow window, is 9 off; the Preview that made thumbnails
// before, windowed after resampling, was 18).
func TestThumbnailShowsTheRender(t *testing.T) {
	files := []string{filepath.Join("testdata", "3_explicit_big_endian.dcm")}
	for _, name := range []string{"1.dcm", "2.dcm", "3.dcm", "4.dcm", "5.dcm"} {
		files = append(files, dicomtest.File(t, name))
	}
	reads := countReads(t)
	for _, p := range files {
		t.Run(filepath.Base(p), func(t *testing.T) {
			want, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			lazy, _ := openLazy(t, p)
			for frame := 1; frame <= want.Frames; frame++ {
				before := reads.Load()
				img, err := lazy.Thumbnail(frame, 64)
				if err != nil {
					t.Fatal(err)
				}
				if reads.Load() == before {
					t.Errorf("frame %d: the thumbnail read nothing from the file", frame)
				}
				g, ok := img.(*image.Gray)
				if !ok {
					t.Fatalf("frame %d: thumbnail is %T, want *image.Gray", frame, img)
				}
				tw, th := g.Rect.Dx(), g.Rect.Dy()
				long, short := max(want.Width, want.Height), min(want.Width, want.Height)
				if max(tw, th) != min(64, long) || math.Abs(float64(min(tw, th))-float64(short)*float64(max(tw, th))/float64(long)) > 1 {
					t.Fatalf("frame %d: thumbnail %d×%d of a %d×%d frame", frame, tw, th, want.Width, want.Height)
				}
				full, err := want.Render(frame, want.DefaultWindow(frame))
				if err != nil {
					t.Fatal(err)
				}
				fg := full.(*image.Gray)
				for j := range th {
					y := (2*j + 1) * want.Height / (2 * th)
					for i := range tw {
						x := (2*i + 1) * want.Width / (2 * tw)
						if a, b := g.GrayAt(i, j).Y, fg.GrayAt(x, y).Y; a != b {
							t.Fatalf("frame %d: thumbnail (%d,%d) is %d, the render at (%d,%d) %d", frame, i, j, a, x, y, b)
						}
					}
				}
				box := boxDown(fg, tw, th)
				diff := 0.0
				for i := range box.Pix {
					diff += math.Abs(float64(box.Pix[i]) - float64(g.Pix[i]))
				}
				if mean := diff / float64(len(box.Pix)); mean > 10 {
					t.Errorf("frame %d: thumbnail differs from the averaged render by %.1f grey levels on average, want ≤ 10", frame, mean)
				}
			}
		})
	}
}

// TestThumbnailReadsAFraction checks that the thumbnail of a lazy
// radiograph (4.dcm, 1760×2140, 7.5 MB of pixels) reads and allocates a
// small fraction of its frame and leaves the series' pixel cache empty:
// opening a folder of large images does not decode each to show its
// thumbnail.
func TestThumbnailReadsAFraction(t *testing.T) {
	reads := countReads(t)
	im, c := openLazy(t, dicomtest.File(t, "4.dcm"))
	frame := int64(im.layout.frameBytes())
	if _, err := im.Thumbnail(1, 64); err != nil {
		t.Fatal(err)
	}
	if n := reads.Load(); n > frame/20 {
		t.Errorf("thumbnail read %d bytes of a %d-byte frame, want at most 5%%", n, frame)
	}
	const runs = 5
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	for range runs {
		if _, err := im.Thumbnail(1, 64); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&m1)
	if per := int64(m1.TotalAlloc-m0.TotalAlloc) / runs; per > frame/20 {
		t.Errorf("thumbnail allocated %d bytes of a %d-byte frame, want at most 5%%", per, frame)
	}
	if used, _, images := c.stats(); used != 0 || images != 0 {
		t.Errorf("thumbnails left %d bytes of %d images in the pixel cache, want none", used, images)
	}
}

// TestThumbnailFallsBack checks the thumbnails of what cannot be read
// row by row from a file, decoded whole instead: an RLE-compressed
// image in a folder, and an entry of a ZIP archive, each equal to the
// thumbnail of the same pixels loaded with Load.
func TestThumbnailFallsBack(t *testing.T) {
	le := binary.LittleEndian
	const rows, cols = 90, 120
	samples := make([]byte, rows*cols)
	for i := range samples {
		samples[i] = byte(i%cols + 2*(i/cols))
	}
	rle := dicomFile{ts: tsRLE, order: le, elems: append(imageElems(le, rows, cols, 1, 8, 8, 7, 0, "MONOCHROME2"),
		encapsulated(nil, rleFrame(samples, 1, 1)))}.bytes()
	p := writeTemp(t, "rle.dcm", rle)
	want, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	wantThumb, err := want.Thumbnail(1, 64)
	if err != nil {
		t.Fatal(err)
	}
	lazy, _ := openLazy(t, p)
	got, err := lazy.Thumbnail(1, 64)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := got.(*image.Gray), wantThumb.(*image.Gray); g.Rect != w.Rect || string(g.Pix) != string(w.Pix) {
		t.Errorf("lazy RLE thumbnail %v differs from Load's %v", g.Rect, w.Rect)
	}
	if g := got.(*image.Gray); g.Rect.Dx() != 64 || g.Rect.Dy() != 48 {
		t.Errorf("thumbnail of %d×%d is %v, want 64×48", cols, rows, g.Rect)
	}

	reads := countReads(t)
	src := dicomtest.File(t, "3.dcm")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	zpath := filepath.Join(t.TempDir(), "study.zip")
	zf, err := os.Create(zpath)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	if w, err := zw.Create("a/3.dcm"); err != nil {
		t.Fatal(err)
	} else if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zf.Close()
	series, _, err := OpenSeries(zpath)
	if err != nil {
		t.Fatal(err)
	}
	entry := series[0].Slices[0].Image
	entry.cache = &pixelCache{by: map[*Image]*list.Element{}}
	got, err = entry.Thumbnail(1, 64)
	if err != nil {
		t.Fatal(err)
	}
	if want, err = Load(src); err != nil {
		t.Fatal(err)
	}
	if wantThumb, err = want.Thumbnail(1, 64); err != nil {
		t.Fatal(err)
	}
	if g, w := got.(*image.Gray), wantThumb.(*image.Gray); g.Rect != w.Rect || string(g.Pix) != string(w.Pix) || reads.Load() != 0 {
		t.Errorf("ZIP entry's thumbnail %v (%d bytes read from files) differs from Load's %v", g.Rect, reads.Load(), w.Rect)
	}
}

// TestThumbnailErrors checks that a thumbnail that cannot be made says
// so, naming the file, and never panics: the file cut short or removed
// after the series was opened, a frame that does not exist, size 0.
func TestThumbnailErrors(t *testing.T) {
	src := dicomtest.File(t, "5.dcm")
	cases := []struct {
		name   string
		damage func(path string) error
		frame  int
		size   int
		want   string
		is     error
	}{
		{name: "truncated", damage: func(p string) error {
			fi, err := os.Stat(p)
			if err != nil {
				return err
			}
			return os.Truncate(p, fi.Size()-1000)
		}, frame: 2, size: 64, want: "truncated", is: ErrMalformed},
		{name: "removed", damage: os.Remove, frame: 1, size: 64, is: fs.ErrNotExist},
		{name: "frame 3", frame: 3, size: 64, want: "frame 3 out of range"},
		{name: "size 0", frame: 1, size: 0, want: "size 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			im, _ := openLazy(t, src)
			if tc.damage != nil {
				if err := tc.damage(im.Path); err != nil {
					t.Fatal(err)
				}
			}
			img, err := im.Thumbnail(tc.frame, tc.size)
			if err == nil {
				t.Fatalf("Thumbnail made a %v image, want an error", img.Bounds())
			}
			if !strings.Contains(err.Error(), im.Path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want one naming %s and saying %q", err, im.Path, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not match %v", err, tc.is)
			}
		})
	}
}
