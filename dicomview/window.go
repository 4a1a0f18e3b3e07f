package dicomview

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Window is a linear VOI window (DICOM PS3.3 C.11.2.1.2) in modality units,
// for example Hounsfield units for CT.
type Window struct{ Center, Width float64 }

// String formats w as "CENTER,WIDTH", the form ParseWindow reads.
func (w Window) String() string {
	return strconv.FormatFloat(w.Center, 'g', -1, 64) + "," + strconv.FormatFloat(w.Width, 'g', -1, 64)
}

// ParseWindow parses "CENTER,WIDTH", for example "40,400" or "-600,1500".
// Both numbers must be finite and the width greater than zero.
func ParseWindow(s string) (Window, error) {
	c, wd, ok := strings.Cut(s, ",")
	if !ok {
		return Window{}, fmt.Errorf("window %q: want CENTER,WIDTH, e.g. 40,400", s)
	}
	center, err := strconv.ParseFloat(strings.TrimSpace(c), 64)
	if err != nil || math.IsInf(center, 0) || math.IsNaN(center) {
		return Window{}, fmt.Errorf("window %q: center %q is not a finite number", s, strings.TrimSpace(c))
	}
	width, err := strconv.ParseFloat(strings.TrimSpace(wd), 64)
	if err != nil || math.IsInf(width, 0) || math.IsNaN(width) {
		return Window{}, fmt.Errorf("window %q: width %q is not a finite number", s, strings.TrimSpace(wd))
	}
	w := Window{Center: center, Width: width}
	if err := w.check(); err != nil {
		return Window{}, fmt.Errorf("window %q: %w", s, err)
	}
	return w, nil
}

// check reports whether w can be applied.
func (w Window) check() error {
	switch {
	case math.IsNaN(w.Center) || math.IsInf(w.Center, 0):
		return fmt.Errorf("window center %v is not a finite number", w.Center)
	case math.IsNaN(w.Width) || math.IsInf(w.Width, 0):
		return fmt.Errorf("window width %v is not a finite number", w.Width)
	case w.Width <= 0:
		return fmt.Errorf("window width %v must be greater than 0", w.Width)
	}
	return nil
}
