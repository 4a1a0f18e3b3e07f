// Command mkseries writes a synthetic CT series (dicomtest.Volume: signed
// 16-bit, explicit VR little endian, HU through a rescale of -1024) for
// the scale benchmarks: bench/scale/run.sh.
//
// usage: mkseries [-rows 512] [-cols 512] [-series 1] DIR SLICES
//
// With -series K the SLICES are split over K series in DIR/sNN.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

func main() {
	rows := flag.Int("rows", 512, "rows of each slice")
	cols := flag.Int("cols", 512, "columns of each slice")
	nseries := flag.Int("series", 1, "series to split the slices over")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: mkseries [-rows N] [-cols N] [-series K] DIR SLICES")
		os.Exit(2)
	}
	dir := flag.Arg(0)
	n, err := strconv.Atoi(flag.Arg(1))
	if err != nil || n < 1 || *nseries < 1 {
		fmt.Fprintln(os.Stderr, "mkseries: SLICES and -series must be positive integers")
		os.Exit(2)
	}
	for k := range *nseries {
		out := dir
		if *nseries > 1 {
			out = filepath.Join(dir, fmt.Sprintf("s%02d", k+1))
		}
		per := n / *nseries
		if k < n%*nseries {
			per++
		}
		v := dicomtest.Volume{
			Modality: "CT", Slices: per, Rows: *rows, Cols: *cols,
			StudyUID: "2.25.4242", SeriesUID: fmt.Sprintf("2.25.4242.%d", k+1), StudyDate: "20260101",
			Intercept: -1024, WindowCenter: 40, WindowWidth: 400, Spacing: 1.25,
			Value: func(x, y, z int) int16 {
				// A body-like disc with a bone ring, varying along z.
				dx, dy := x-*cols/2, y-*rows/2
				r2 := dx*dx + dy*dy
				R := min(*rows, *cols) * 2 / 5
				switch {
				case r2 > R*R:
					return 24 // air, -1000 HU
				case r2 > (R-8)*(R-8):
					return int16(1024 + 700 + (z*7)%200) // bone
				default:
					return int16(1024 + 40 + (x*3+y*5+z*11)%120 - 60) // soft tissue
				}
			},
		}
		if _, err := v.Write(out); err != nil {
			fmt.Fprintln(os.Stderr, "mkseries:", err)
			os.Exit(1)
		}
	}
}
