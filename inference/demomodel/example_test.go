package demomodel_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/medgemma-workbench/medgemma-workbench/inference/demomodel"
)

// Write the demo model; the app imports it with inference.Client.ImportGGUF
// (`medgemma-workbench models demo`).
func Example() {
	path := filepath.Join(os.TempDir(), "demo-medgemma-arch.gguf")
	digest, err := demomodel.Write(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", path, digest)
}
