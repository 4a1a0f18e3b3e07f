package dicomview

import "fmt"

// Decode decodes a DICOM, PNG or JPEG file held in memory, as Load does a
// file on disk; name stands for the file's path in the image and in
// errors. The history uses it to show a stored model-input PNG again.
func Decode(name string, data []byte) (*Image, error) {
	im, err := decode(name, data)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", name, err)
	}
	return im, nil
}
