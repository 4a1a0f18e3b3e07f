package demomodel_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/ollama/ollama/api"

	"github.com/medgemma-workbench/medgemma-workbench/inference/demomodel"
)

// Write the demo model and register it with a running Ollama (the one
// OLLAMA_HOST names). Not run by go test: it needs a server.
func Example() {
	path := filepath.Join(os.TempDir(), "demo-medgemma-arch.gguf")
	digest, err := demomodel.Write(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", path, digest)

	c, err := api.ClientFromEnvironment()
	if err != nil {
		log.Fatal(err)
	}
	err = demomodel.Import(context.Background(), c, path, "demo-medgemma-arch", func(status string) {
		fmt.Println(status)
	})
	if err != nil {
		log.Fatal(err)
	}
}
