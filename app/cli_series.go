package app

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

// target is the frame of an image that prepare or render works on, and
// the series it was chosen from.
type target struct {
	im     *dicomview.Image
	frame  int
	series *dicomview.Series
	skip   []error // files of the folder or archive that did not load
}

// openSeries opens path (a file, folder, ZIP or DICOMDIR) and chooses one
// of its series with sel: "" when there is only one, else its
// SeriesInstanceUID or its number (from 1) in the order listed.
func openSeries(path, sel string) (*dicomview.Series, []error, error) {
	series, skipped, err := dicomview.OpenSeries(path)
	if err != nil {
		return nil, skipped, err
	}
	s, err := chooseSeries(path, series, sel)
	return s, skipped, err
}

// chooseSeries picks a series as openSeries describes.
func chooseSeries(path string, series []*dicomview.Series, sel string) (*dicomview.Series, error) {
	if sel == "" {
		if len(series) == 1 {
			return series[0], nil
		}
		return nil, usagef("%s holds %d series; choose one with --series N or --series UID: %s", path, len(series), seriesList(series))
	}
	for _, s := range series {
		if s.UID != "" && s.UID == sel {
			return s, nil
		}
	}
	if n, err := strconv.Atoi(sel); err == nil && n >= 1 && n <= len(series) {
		return series[n-1], nil
	}
	return nil, usagef("--series %q: %s holds no such series; it holds %s", sel, path, seriesList(series))
}

// seriesList describes series on one line: "1 = UID (CT, description,
// 20 slices); 2 = …".
func seriesList(series []*dicomview.Series) string {
	parts := make([]string, len(series))
	for i, s := range series {
		facts := []string{}
		if s.Modality != "" {
			facts = append(facts, s.Modality)
		}
		if s.Description != "" {
			facts = append(facts, s.Description)
		}
		facts = append(facts, plural(len(s.Slices), "slice"))
		uid := s.UID
		if uid == "" {
			uid = "(no UID)"
		}
		parts[i] = fmt.Sprintf("%d = %s (%s)", i+1, uid, strings.Join(facts, ", "))
	}
	return strings.Join(parts, "; ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// singleImage reports whether every slice of s is a frame of one image.
func singleImage(s *dicomview.Series) bool {
	for _, sl := range s.Slices {
		if sl.Image != s.Slices[0].Image {
			return false
		}
	}
	return true
}

// resolveTarget opens path and picks the frame that --series, --slice
// and --frame name (slice and frame 0: not given). A single file's frames
// are its slices; in a series of several images --frame is refused in
// favour of --slice, and without either the first slice is used.
func resolveTarget(path, sel string, slice, frame int) (target, error) {
	s, skipped, err := openSeries(path, sel)
	if err != nil {
		return target{}, err
	}
	t := target{series: s, skip: skipped}
	switch {
	case slice != 0 && frame != 0:
		return target{}, usagef("give --slice or --frame, not both")
	case slice != 0:
		if slice < 1 || slice > len(s.Slices) {
			return target{}, usagef("--slice %d out of range: %s has slices 1 to %d", slice, path, len(s.Slices))
		}
		sl := s.Slices[slice-1]
		t.im, t.frame = sl.Image, sl.Frame
	case singleImage(s):
		t.im, t.frame = s.Slices[0].Image, max(frame, 1)
	case frame != 0:
		return target{}, usagef("--frame: %s is a series of %d slices from several files; choose one with --slice N", path, len(s.Slices))
	default:
		t.im, t.frame = s.Slices[0].Image, s.Slices[0].Frame
	}
	return t, nil
}
