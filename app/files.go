package app

import (
	"bytes"
	"fmt"
	"io"

	"github.com/medgemma-workbench/medgemma-workbench/internal/atomicfile"
)

// This file writes the files the services and the command line produce
// (model inputs, reports, scores), atomically.

// writeFileAtomic writes data to path through internal/atomicfile, so a
// crash leaves the old file or the whole new one (mode 0600, as before:
// model inputs and reports may hold patient data).
func writeFileAtomic(path string, data []byte) error {
	return atomicfile.WriteFile(path, data, 0o600)
}

// writeWith writes a file atomically from a writer function.
func writeWith(path string, write func(io.Writer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return writeFileAtomic(path, buf.Bytes())
}
