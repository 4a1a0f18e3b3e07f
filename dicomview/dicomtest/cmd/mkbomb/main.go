// Command mkbomb writes the decompression bombs of dicomtest.Bombs into a
// folder, for measuring what opening them costs:
//
//	go run ./dicomview/dicomtest/cmd/mkbomb DIR
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mkbomb DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "mkbomb:", err)
		os.Exit(1)
	}
	for _, b := range dicomtest.Bombs {
		data, err := b.Bytes()
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, b.Name), data, 0o644)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "mkbomb: %s: %v\n", b.Name, err)
			os.Exit(1)
		}
		fmt.Printf("%s\t%d bytes\t%d×%d, %d frame(s)\n", filepath.Join(dir, b.Name), len(data), b.Columns, b.Rows, b.Frames)
	}
}
