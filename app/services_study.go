package app

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

// This file is the study service: opening images, series and archives
// and reading their DICOM attributes, for the viewer and for prepare.

// maxTagEntryBytes bounds the bytes read from one ZIP entry for its tags.
const maxTagEntryBytes = 2 << 30

// OpenStudy opens a DICOM, PNG or JPEG file, a folder, a ZIP archive or a
// DICOMDIR and returns its series (see dicomview.OpenSeries), and the
// files in it that did not load. The first OpenStudy of a path given to
// Preopen takes that open.
func (s *Services) OpenStudy(ctx context.Context, path string, progress func(files int)) ([]*dicomview.Series, []error, error) {
	if po := s.takePreopened(path); po != nil {
		return po.wait(ctx, progress)
	}
	return dicomview.OpenSeriesContext(ctx, path, progress)
}

// Attributes reads the DICOM attributes of an image loaded from path: a
// file, or "ARCHIVE!ENTRY" for an entry of a ZIP archive as OpenSeries
// names it.
func (s *Services) Attributes(ctx context.Context, path string) ([]dicomview.Attribute, error) {
	if _, err := os.Stat(path); err == nil {
		return dicomview.Attributes(path)
	}
	for i := strings.Index(path, "!"); i >= 0; {
		archive, entry := path[:i], path[i+1:]
		if fi, err := os.Stat(archive); err == nil && fi.Mode().IsRegular() {
			data, err := readZipEntry(archive, entry)
			if err != nil {
				return nil, fmt.Errorf("read attributes of %s: %w", path, err)
			}
			return dicomview.ParseAttributes(path, data)
		}
		j := strings.Index(path[i+1:], "!")
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return dicomview.Attributes(path) // names the missing file
}

// readZipEntry reads one entry of a ZIP archive.
func readZipEntry(archive, entry string) ([]byte, error) {
	zr, err := zip.OpenReader(archive)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != entry {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, maxTagEntryBytes+1))
		if err != nil {
			return nil, err
		}
		if len(data) > maxTagEntryBytes {
			return nil, fmt.Errorf("entry %s is larger than %d bytes", entry, maxTagEntryBytes)
		}
		return data, nil
	}
	return nil, fmt.Errorf("no entry %s in the archive", entry)
}

// PrepareImage loads a file and prepares its model input as an
// [core.Image].
func PrepareImage(path string, opts dicomview.PrepareOptions) (*dicomview.Image, *dicomview.Prepared, error) {
	im, err := dicomview.Load(path)
	if err != nil {
		return nil, nil, err
	}
	p, err := im.Prepare(opts)
	if err != nil {
		return nil, nil, err
	}
	return im, p, nil
}
