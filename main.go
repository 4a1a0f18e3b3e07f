// Command medgemma-workbench is a desktop workbench for studying medical images
// with Google's MedGemma through a local, supervised Ollama runtime.
//
// With no subcommand it opens the workbench window; subcommands (prepare, ask,
// models, history, …) are the scripting interface described in docs/cli.md.
package main

import (
	"fmt"
	"os"

	"github.com/medgemma-workbench/medgemma-workbench/app"
)

func main() {
	code, err := app.Run(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "medgemma-workbench:", err)
	}
	os.Exit(code)
}
