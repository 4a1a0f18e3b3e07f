package dicomview

import (
	"archive/zip"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
// load are skipped and reported in skipped, each error naming its file;
// if none loads, the first error is returned.
//
// A folder is searched as find -L sees it: symbolic links to files and
// folders are followed, and a link to a folder above it (a loop) is
// skipped and reported. The files of one folder or archive share the
// TotalBytes and Files limits of CurrentLimits; going over either stops
// the whole open with a *LimitError.
//
// The images of a folder, archive or DICOMDIR are lazy: each file is
// checked and parsed when it is opened (from its header when its pixel
// data are native), and its pixels are read again, as Load reads them,
// when a slice is rendered, into a cache shared by the process that holds
// at most Limits.CacheBytes (see CacheStats). A file changed or removed
// after opening makes that render fail, naming the file.
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
	lim := CurrentLimits()
	var images []*Image
	switch {
	case fi.IsDir():
		images, skipped, err = loadFolder(ctx, path, progress, lim)
	case strings.EqualFold(filepath.Base(path), "DICOMDIR"):
		images, skipped, err = loadFolder(ctx, filepath.Dir(path), progress, lim)
	case isZip(path):
		images, skipped, err = loadZip(ctx, path, progress, lim)
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

// folderLoad is the state of loading the files under one folder.
type folderLoad struct {
	ctx      context.Context
	root     string
	lim      Limits
	progress func(int)
	files    int64 // regular files seen
	total    int64 // bytes left of lim.TotalBytes
	images   []*Image
	skipped  []error
}

// loadFolder loads every DICOM file under dir (by its DICM marker, or a
// data set without meta information that guessSyntax recognises; a
// DICOMDIR itself is skipped), following symbolic links.
func loadFolder(ctx context.Context, dir string, progress func(int), lim Limits) ([]*Image, []error, error) {
	f := &folderLoad{ctx: ctx, root: dir, lim: lim, progress: progress, total: lim.TotalBytes}
	err := f.walk(dir, nil)
	return f.images, f.skipped, err
}

// walk loads the files under dir. ancestors are the folders above dir on
// this path, by which a symbolic link loop is found as find -L finds it.
func (f *folderLoad) walk(dir string, ancestors []fs.FileInfo) error {
	fi, err := os.Stat(dir)
	if err != nil {
		f.skipped = append(f.skipped, fmt.Errorf("open %s: %w", dir, err))
		return nil
	}
	for _, a := range ancestors {
		if os.SameFile(a, fi) {
			f.skipped = append(f.skipped, fmt.Errorf("open %s: %w", dir, malformed("symbolic link loop: the folder is inside itself")))
			return nil
		}
	}
	ancestors = append(ancestors, fi)
	entries, err := os.ReadDir(dir)
	if err != nil {
		f.skipped = append(f.skipped, fmt.Errorf("open %s: %w", dir, err))
		// ReadDir returns the entries it read before the error.
	}
	for _, e := range entries {
		if err := f.ctx.Err(); err != nil {
			return fmt.Errorf("open %s: %w", f.root, err)
		}
		p := filepath.Join(dir, e.Name())
		typ := e.Type()
		if typ&fs.ModeSymlink != 0 {
			target, err := os.Stat(p)
			if err != nil {
				f.skipped = append(f.skipped, fmt.Errorf("open %s: broken symbolic link: %w", p, err))
				continue
			}
			typ = target.Mode().Type()
		}
		switch {
		case typ.IsDir():
			if err := f.walk(p, ancestors); err != nil {
				return err
			}
		case typ.IsRegular() && !strings.EqualFold(e.Name(), "DICOMDIR"):
			if err := f.file(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// file loads one regular file if it is a DICOM file. An error that stops
// the whole folder (a limit of the folder, cancellation) is returned; any
// other is kept in f.skipped.
func (f *folderLoad) file(p string) error {
	if f.files++; f.files > f.lim.Files {
		return fmt.Errorf("open %s: %w", f.root, &LimitError{What: "the folder", Limit: "files", Need: f.files, Max: f.lim.Files, AtLeast: true})
	}
	f.progress(int(f.files))
	if !hasDICM(p) {
		return nil
	}
	im, err := loadHeader(p, newBudget(f.lim, &f.total))
	var le *LimitError
	switch {
	case errors.As(err, &le) && le.Limit == "total":
		return fmt.Errorf("open %s: %w", f.root, err)
	case err != nil:
		f.skipped = append(f.skipped, err)
	default:
		im.makeLazy(fileSource(p))
		f.images = append(f.images, im)
	}
	return nil
}

// hasDICM reports whether the file at p looks like a DICOM file: the DICM
// marker at 128, or a data set without meta information (looksLikeDICOM).
func hasDICM(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [dicomPreamble + 4]byte
	n, _ := io.ReadFull(f, b[:])
	return looksLikeDICOM(b[:n])
}

// loadZip loads every DICOM entry of a ZIP archive; an image's Path is
// "ARCHIVE!ENTRY".
func loadZip(ctx context.Context, path string, progress func(int), lim Limits) ([]*Image, []error, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", path, malformedCause(err, "malformed ZIP archive"))
	}
	defer zr.Close()
	var images []*Image
	var skipped []error
	total := lim.TotalBytes
	for i, f := range zr.File {
		if int64(i) >= lim.Files {
			return nil, skipped, fmt.Errorf("open %s: %w", path, &LimitError{What: "the archive", Limit: "files", Need: int64(i) + 1, Max: lim.Files, AtLeast: true})
		}
		if err := ctx.Err(); err != nil {
			return nil, skipped, fmt.Errorf("open %s: %w", path, err)
		}
		progress(i + 1)
		if f.FileInfo().IsDir() || strings.EqualFold(filepath.Base(f.Name), "DICOMDIR") {
			continue
		}
		name := path + "!" + f.Name
		b := newBudget(lim, &total)
		data, err := readEntry(f, b)
		if err == nil && looksLikeDICOM(data) {
			var im *Image
			if im, err = decodeWithin(name, data, b); err == nil {
				im.makeLazy(zipSource(path, f.Name, name))
				images = append(images, im)
			}
		}
		var le *LimitError
		switch {
		case errors.As(err, &le) && le.Limit == "total":
			return nil, skipped, fmt.Errorf("open %s: load %s: %w", path, name, err)
		case err != nil:
			skipped = append(skipped, fmt.Errorf("load %s: %w", name, err))
		}
	}
	return images, skipped, nil
}

// readEntry reads a ZIP entry within b (FileBytes, and the archive's
// total), stopping one byte past what b allows.
func readEntry(f *zip.File, b *budget) ([]byte, error) {
	limit := min(b.lim.FileBytes, *b.total)
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
	}
	if err := b.chargeFile(n); err != nil {
		var le *LimitError
		if errors.As(err, &le) && n > limit {
			le.AtLeast = true
		}
		return nil, err
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

// InstanceOrder returns the series' slices in the order Google's CT
// notebook sorts its instances, sorted(…, key=lambda i:
// int(i.InstanceNumber)): by InstanceNumber (0020,0013). Where the notebook
// would fail or leave it to chance, it goes on: slices without an
// InstanceNumber come after those with one, and ties (the frames of one
// file, duplicate numbers) are ordered by position along the slice normal,
// then by file name and frame. The series itself keeps the viewer's
// geometric order.
func (s *Series) InstanceOrder() []Slice {
	out := slices.Clone(s.Slices)
	pos := make(map[*Image]int, len(out))
	for i, sl := range s.Slices {
		if _, ok := pos[sl.Image]; !ok {
			pos[sl.Image] = i // the geometric order's rank
		}
	}
	slices.SortStableFunc(out, func(a, b Slice) int {
		ga, gb := a.Image.geometry, b.Image.geometry
		if ga.numbered != gb.numbered {
			if ga.numbered {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(ga.instance, gb.instance), cmp.Compare(pos[a.Image], pos[b.Image]),
			cmp.Compare(filepath.Base(a.Image.Path), filepath.Base(b.Image.Path)), cmp.Compare(a.Image.Path, b.Image.Path),
			cmp.Compare(a.Frame, b.Frame))
	})
	return out
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
