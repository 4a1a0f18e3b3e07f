package dicomtest

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Volume describes a synthetic series of single-frame DICOM slices
// (explicit VR little endian, signed 16-bit), for tests that need many
// slices with known values: a CT in Hounsfield units through the rescale,
// an MR, or a radiograph (one slice).
type Volume struct {
	Modality  string // "CT", "MR", "CR", …
	Slices    int
	Rows      int
	Cols      int
	StudyUID  string
	SeriesUID string
	StudyDate string // YYYYMMDD, or ""
	// Slope and Intercept are the rescale (0 slope means 1).
	Slope, Intercept float64
	// Photometric is "MONOCHROME2" when empty.
	Photometric string
	// Window, when its width is positive, is written as the file's
	// window (centre, width).
	WindowCenter, WindowWidth float64
	// Spacing is the distance between slices along z, in mm (0 means 1).
	Spacing float64
	// PixelSpacing is the (row, column) spacing in mm (zeros mean 1\1).
	PixelSpacing [2]float64
	// Position, when set, is slice z's ImagePositionPatient, instead of
	// (0, 0, z×Spacing): for uneven spacing or a gantry tilt.
	Position func(z int) [3]float64
	// NoGeometry leaves out ImagePositionPatient, ImageOrientationPatient
	// and PixelSpacing.
	NoGeometry bool
	// Value returns the stored value of pixel (x, y) of slice z (from 0,
	// in position order).
	Value func(x, y, z int) int16
	// Instance, when set, is slice z's InstanceNumber instead of z+1
	// (e.g. numbers rising as z falls, as scanners number from the head).
	Instance func(z int) int
	// Name, when set, is slice z's file name instead of slice-NNNN.dcm.
	Name func(z int) string
}

// Write writes the volume's slices into dir as slice-NNNN.dcm and returns
// their paths in slice order. Instance numbers run with the position
// unless Instance says otherwise.
func (v Volume) Write(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	paths := make([]string, v.Slices)
	for z := range v.Slices {
		name := fmt.Sprintf("slice-%04d.dcm", z+1)
		if v.Name != nil {
			name = v.Name(z)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, v.slice(z), 0o644); err != nil {
			return nil, err
		}
		paths[z] = p
	}
	return paths, nil
}

const (
	ctImageStorage = "1.2.840.10008.5.1.4.1.1.2"
	mrImageStorage = "1.2.840.10008.5.1.4.1.1.4"
	crImageStorage = "1.2.840.10008.5.1.4.1.1.1"
	explicitLE     = "1.2.840.10008.1.2.1"
)

func (v Volume) slice(z int) []byte {
	sop := ctImageStorage
	switch v.Modality {
	case "MR":
		sop = mrImageStorage
	case "CR", "DX":
		sop = crImageStorage
	}
	slope := v.Slope
	if slope == 0 {
		slope = 1
	}
	spacing := v.Spacing
	if spacing == 0 {
		spacing = 1
	}
	photo := v.Photometric
	if photo == "" {
		photo = "MONOCHROME2"
	}
	ds := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	out := Meta(explicitLE, sop)
	out = ExplicitLE(out, 0x0008, 0x0016, "UI", sop)
	out = ExplicitLE(out, 0x0008, 0x0018, "UI", fmt.Sprintf("%s.%d", v.SeriesUID, z+1))
	if v.StudyDate != "" {
		out = ExplicitLE(out, 0x0008, 0x0020, "DA", v.StudyDate)
	}
	out = ExplicitLE(out, 0x0008, 0x0060, "CS", v.Modality)
	out = ExplicitLE(out, 0x0020, 0x000D, "UI", v.StudyUID)
	out = ExplicitLE(out, 0x0020, 0x000E, "UI", v.SeriesUID)
	instance := z + 1
	if v.Instance != nil {
		instance = v.Instance(z)
	}
	out = ExplicitLE(out, 0x0020, 0x0013, "IS", strconv.Itoa(instance))
	pos := [3]float64{0, 0, float64(z) * spacing}
	if v.Position != nil {
		pos = v.Position(z)
	}
	if !v.NoGeometry {
		out = ExplicitLE(out, 0x0020, 0x0032, "DS", ds(pos[0])+`\`+ds(pos[1])+`\`+ds(pos[2]))
		out = ExplicitLE(out, 0x0020, 0x0037, "DS", `1\0\0\0\1\0`)
	}
	out = ExplicitLEUS(out, 0x0028, 0x0002, 1)
	out = ExplicitLE(out, 0x0028, 0x0004, "CS", photo)
	out = ExplicitLEUS(out, 0x0028, 0x0010, uint16(v.Rows))
	out = ExplicitLEUS(out, 0x0028, 0x0011, uint16(v.Cols))
	if ps := v.PixelSpacing; !v.NoGeometry {
		if ps[0] == 0 || ps[1] == 0 {
			ps = [2]float64{1, 1}
		}
		out = ExplicitLE(out, 0x0028, 0x0030, "DS", ds(ps[0])+`\`+ds(ps[1]))
	}
	out = ExplicitLEUS(out, 0x0028, 0x0100, 16)
	out = ExplicitLEUS(out, 0x0028, 0x0101, 16)
	out = ExplicitLEUS(out, 0x0028, 0x0102, 15)
	out = ExplicitLEUS(out, 0x0028, 0x0103, 1)
	if v.WindowWidth > 0 {
		out = ExplicitLE(out, 0x0028, 0x1050, "DS", ds(v.WindowCenter))
		out = ExplicitLE(out, 0x0028, 0x1051, "DS", ds(v.WindowWidth))
	}
	out = ExplicitLE(out, 0x0028, 0x1052, "DS", ds(v.Intercept))
	out = ExplicitLE(out, 0x0028, 0x1053, "DS", ds(slope))
	n := v.Rows * v.Cols * 2
	out = binary.LittleEndian.AppendUint16(out, 0x7FE0)
	out = binary.LittleEndian.AppendUint16(out, 0x0010)
	out = append(out, "OW\x00\x00"...)
	out = binary.LittleEndian.AppendUint32(out, uint32(n))
	for y := range v.Rows {
		for x := range v.Cols {
			out = binary.LittleEndian.AppendUint16(out, uint16(v.Value(x, y, z)))
		}
	}
	return out
}

// Sphere is the tests' reformat phantom: a CT of 64×64 pixels 0.8 mm
// apart and 40 slices 2 mm apart (z from 0 to 78 mm), air (-800 HU)
// around a sphere of 200 HU and radius 15 mm centred at x 25.6, y 30.4,
// z 40 mm: pixel 32, row 38, slice 20 (from 0).
func Sphere() Volume {
	return Volume{Modality: "CT", Slices: 40, Rows: 64, Cols: 64, StudyUID: "1.2.3", SeriesUID: "1.2.3.4",
		Intercept: -1024, Spacing: 2, PixelSpacing: [2]float64{0.8, 0.8},
		Value: func(x, y, z int) int16 {
			dx, dy, dz := float64(x)*0.8-25.6, float64(y)*0.8-30.4, float64(z)*2-40
			if dx*dx+dy*dy+dz*dz <= 15*15 {
				return 200 + 1024
			}
			return -800 + 1024
		}}
}
