package app

import (
	"context"
	"errors"
	"io/fs"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
)

// TestWriteExamples: the samples the Batch tab writes load as a manifest
// (text-only items, the commented image item skipped, metadata kept) and a
// prompts file, and are not written over.
func TestWriteExamples(t *testing.T) {
	dir := t.TempDir()
	s := &Services{}
	m, p, err := s.WriteExamples(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	items, err := batch.LoadManifest(m)
	if err != nil || len(items) != 2 || items[0].Meta["subject"] != "biochemistry" || len(items[0].Choices) != 4 {
		t.Fatalf("manifest: %+v, %v", items, err)
	}
	set, err := batch.LoadPrompts(p)
	if err != nil || len(set.Prompts) != 2 {
		t.Fatalf("prompts: %+v, %v", set, err)
	}
	if _, _, err := s.WriteExamples(context.Background(), dir); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second write: %v", err)
	}
}
