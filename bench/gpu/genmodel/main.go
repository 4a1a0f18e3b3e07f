// Command genmodel writes the shape-faithful MedGemma 4B GGUF (random
// weights, F16, about 8.6 GB) for the GPU benchmark. It is built static
// (CGO_ENABLED=0) so that it runs on a machine without Go.
//
//	genmodel -out medgemma-4b-f16.gguf
//
// It prints the file's "sha256:<hex>" digest on stdout.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference/demomodel"
)

func main() {
	out := flag.String("out", "medgemma-4b-f16.gguf", "GGUF file to write")
	flag.Parse()

	start := time.Now()
	digest, err := demomodel.Write4B(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genmodel:", err)
		os.Exit(1)
	}
	fi, err := os.Stat(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genmodel:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "genmodel: wrote %s (%.2f GB) in %v\n", *out, float64(fi.Size())/1e9, time.Since(start).Round(time.Millisecond))
	fmt.Println(digest)
}
