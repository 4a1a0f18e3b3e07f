package dicomview

import "slices"

// Position returns the slice's ImagePositionPatient (x, y, z in mm: the
// centre of its first pixel), or nil when the image has none.
func (s Slice) Position() []float64 {
	if s.Image == nil {
		return nil
	}
	return slices.Clone(s.Image.geometry.position)
}
