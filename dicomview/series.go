package dicomview

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Limits on what OpenSeries reads from a folder or archive.
const (
	// maxSeriesFiles bounds the files read from one folder or archive.
	maxSeriesFiles = 10000
	// maxArchiveBytes bounds the bytes inflated from one ZIP archive.
	maxArchiveBytes = 8 << 30
)

// Series is the images of one DICOM series (or one PNG/JPEG file), in
// order: along the normal of the image plane (ImagePositionPatient ·
// the normal of ImageOrientationPatient), then by InstanceNumber, then by
// source name. Each frame of a multi-frame image is a slice.
type Series struct {
	// UID is the SeriesInstanceUID ("" for PNG and JPEG).
	UID         string
	Modality    string
	Description string
	Slices      []Slice
}

// Slice is one frame of one image of a series.
type Slice struct {
	Image *Image
	Frame int // from 1
	// Label names the slice for a prompt or a viewer: "slice K of N".
	Label string
}

// OpenSeries opens path: a DICOM, PNG or JPEG file, a folder (searched
// recursively; files that are not DICOM are skipped), a ZIP archive of
// DICOM files, or a DICOMDIR (the folder it indexes). It returns the
// series found, ordered by modality and description. Files that fail to
// load are skipped and reported in skipped; if none loads, the first
// error is returned.
func OpenSeries(path string) (series []*Series, skipped []error, err error) {
	return OpenSeriesContext(context.Background(), path, nil)
}

// OpenSeriesContext is OpenSeries that stops, returning ctx's error, when
// ctx is done, and calls progress (if not nil) with the number of files
// or archive entries read so far after each one.
func OpenSeriesContext(ctx context.Context, path string, progress func(files int)) (series []*Series, skipped []error, err error) {
	if progress == nil {
		progress = func(int) {}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	var images []*Image
	switch {
	case fi.IsDir():
		images, skipped, err = loadFolder(ctx, path, progress)
	case strings.EqualFold(filepath.Base(path), "DICOMDIR"):
		images, skipped, err = loadFolder(ctx, filepath.Dir(path), progress)
	case isZip(path):
		images, skipped, err = loadZip(ctx, path, progress)
	default:
		var im *Image
		im, err = Load(path)
		images = []*Image{im}
	}
	if err != nil {
		return nil, skipped, err
	}
	if len(images) == 0 {
		if len(skipped) > 0 {
			return nil, skipped, fmt.Errorf("open %s: no image loaded: %w", path, skipped[0])
		}
		return nil, nil, fmt.Errorf("open %s: %w", path, malformed("no DICOM, PNG or JPEG image found"))
	}
	return groupSeries(images), skipped, nil
}

// isZip reports whether the file at path starts with a ZIP signature.
func isZip(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [4]byte
	_, err = io.ReadFull(f, b[:])
	return err == nil && string(b[:]) == "PK\x03\x04"
}

// loadFolder loads every DICOM file under dir (by its DICM marker; a
// DICOMDIR itself is skipped).
func loadFolder(ctx context.Context, dir string, progress func(int)) ([]*Image, []error, error) {
	var images []*Image
	var skipped []error
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			skipped = append(skipped, err)
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("open %s: %w", dir, err)
		}
		if d.IsDir() || strings.EqualFold(d.Name(), "DICOMDIR") || !d.Type().IsRegular() {
			return nil
		}
		if n++; n > maxSeriesFiles {
			return fmt.Errorf("open %s: %w", dir, unsupported("more than %d files", maxSeriesFiles))
		}
		progress(n)
		if !hasDICM(p) {
			return nil
		}
		im, err := Load(p)
		if err != nil {
			skipped = append(skipped, err)
			return nil
		}
		images = append(images, im)
		return nil
	})
	return images, skipped, err
}

// hasDICM reports whether the file at p has the DICM marker at 128.
func hasDICM(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [dicomPreamble + 4]byte
	_, err = io.ReadFull(f, b[:])
	return err == nil && isDICOM(b[:])
}

// loadZip loads every DICOM entry of a ZIP archive; an image's Path is
// "ARCHIVE!ENTRY".
func loadZip(ctx context.Context, path string, progress func(int)) ([]*Image, []error, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", path, malformedCause(err, "malformed ZIP archive"))
	}
	defer zr.Close()
	var images []*Image
	var skipped []error
	var total int64
	for i, f := range zr.File {
		if i >= maxSeriesFiles {
			return nil, skipped, fmt.Errorf("open %s: %w", path, unsupported("more than %d entries", maxSeriesFiles))
		}
		if err := ctx.Err(); err != nil {
			return nil, skipped, fmt.Errorf("open %s: %w", path, err)
		}
		progress(i + 1)
		if f.FileInfo().IsDir() || strings.EqualFold(filepath.Base(f.Name), "DICOMDIR") {
			continue
		}
		name := path + "!" + f.Name
		data, err := readEntry(f, maxFileSize)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("load %s: %w", name, err))
			continue
		}
		if total += int64(len(data)); total > maxArchiveBytes {
			return nil, skipped, fmt.Errorf("open %s: %w", path, unsupported("archive inflates to more than %d bytes", int64(maxArchiveBytes)))
		}
		if !isDICOM(data) {
			continue
		}
		im, err := decode(name, data)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("load %s: %w", name, err))
			continue
		}
		images = append(images, im)
	}
	return images, skipped, nil
}

// readEntry reads a ZIP entry of at most limit bytes.
func readEntry(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, malformedCause(err, "malformed ZIP entry")
	}
	defer rc.Close()
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(rc, limit+1))
	switch {
	case err != nil:
		return nil, malformedCause(err, "malformed ZIP entry")
	case n > limit:
		return nil, unsupported("entry is larger than %d bytes", limit)
	}
	return buf.Bytes(), nil
}

// groupSeries groups images by SeriesInstanceUID and orders each series.
func groupSeries(images []*Image) []*Series {
	by := map[string]*Series{}
	var out []*Series
	for _, im := range images {
		key := im.geometry.series
		if key == "" {
			key = "file:" + im.Path // PNG, JPEG, or a DICOM without a series
		}
		s := by[key]
		if s == nil {
			s = &Series{UID: im.geometry.series, Modality: im.Modality, Description: im.Info.SeriesDescription}
			by[key] = s
			out = append(out, s)
		}
		for f := 1; f <= im.Frames; f++ {
			s.Slices = append(s.Slices, Slice{Image: im, Frame: f})
		}
	}
	for _, s := range out {
		orderSlices(s.Slices)
		for i := range s.Slices {
			s.Slices[i].Label = fmt.Sprintf("slice %d of %d", i+1, len(s.Slices))
		}
	}
	slices.SortStableFunc(out, func(a, b *Series) int {
		return cmp.Or(cmp.Compare(a.Modality, b.Modality), cmp.Compare(a.Description, b.Description), cmp.Compare(a.UID, b.UID))
	})
	return out
}

// orderSlices sorts slices along the normal of the first oriented image,
// then by InstanceNumber, then by path and frame.
func orderSlices(ss []Slice) {
	var normal []float64
	for _, s := range ss {
		if o := s.Image.geometry.orient; o != nil {
			normal = []float64{o[1]*o[5] - o[2]*o[4], o[2]*o[3] - o[0]*o[5], o[0]*o[4] - o[1]*o[3]}
			break
		}
	}
	along := func(s Slice) (float64, bool) {
		p := s.Image.geometry.position
		if normal == nil || p == nil {
			return 0, false
		}
		return p[0]*normal[0] + p[1]*normal[1] + p[2]*normal[2], true
	}
	slices.SortStableFunc(ss, func(a, b Slice) int {
		da, oka := along(a)
		db, okb := along(b)
		if oka && okb {
			if c := cmp.Compare(da, db); c != 0 {
				return c
			}
		}
		return cmp.Or(cmp.Compare(a.Image.geometry.instance, b.Image.geometry.instance),
			cmp.Compare(a.Image.Path, b.Image.Path), cmp.Compare(a.Frame, b.Frame))
	})
}

// Sample returns n slices spread evenly over the series, first and last
// included (all of them when n ≥ the number of slices), for a
// multi-image prompt.
func (s *Series) Sample(n int) []Slice {
	if n <= 0 {
		return nil
	}
	if n >= len(s.Slices) {
		return slices.Clone(s.Slices)
	}
	out := make([]Slice, n)
	for i := range out {
		j := 0
		if n > 1 {
			j = (i*(len(s.Slices)-1) + (n-1)/2) / (n - 1)
		}
		out[i] = s.Slices[j]
	}
	return out
}
