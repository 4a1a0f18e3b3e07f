// Package digest names content the way Ollama names its blobs,
// "sha256:<hex>": one routine for the model files the runtime imports, the
// demo models the workbench writes and the inputs a batch row records.
package digest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// Of returns the "sha256:<hex>" digest of everything r reads.
func Of(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// File returns the "sha256:<hex>" digest of the file at path.
func File(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	d, err := Of(f)
	if err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return d, nil
}
