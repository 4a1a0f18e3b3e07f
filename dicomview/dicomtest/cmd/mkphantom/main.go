// Command mkphantom writes a synthetic CT phantom for the screenshots of
// the Planes tab (scripts/screenshots.sh): 120 slices of 256×256 pixels,
// 1.2 mm apart in-plane and 2.5 mm between slices, a body (an elliptic
// cylinder of soft tissue, 40 HU, in air) with a spine (bone, 700 HU)
// behind and a lesion (a sphere of 25 mm radius, 120 HU) in it.
//
// usage: mkphantom DIR
package main

import (
	"fmt"
	"os"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mkphantom DIR")
		os.Exit(2)
	}
	const px, dz = 1.2, 2.5
	hu := func(x, y, z int) int16 {
		fx, fy, fz := float64(x)*px-153.6, float64(y)*px-153.6, float64(z)*dz
		sq := func(v float64) float64 { return v * v }
		switch {
		case sq(fx-20)+sq(fy+10)+sq(fz-150) <= sq(25):
			return 120
		case sq(fx)+sq(fy-55) <= sq(18):
			return 700
		case sq(fx/130)+sq(fy/90) <= 1 && fz > 10 && fz < 290:
			return 40
		default:
			return -1000
		}
	}
	v := dicomtest.Volume{Modality: "CT", Slices: 120, Rows: 256, Cols: 256, StudyUID: "2.25.1001", SeriesUID: "2.25.1001.1",
		StudyDate: "20260101", Intercept: -1024, Spacing: dz, PixelSpacing: [2]float64{px, px},
		WindowCenter: 40, WindowWidth: 400,
		Value: func(x, y, z int) int16 { return hu(x, y, z) + 1024 }}
	if _, err := v.Write(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "mkphantom:", err)
		os.Exit(1)
	}
}
