package app

import (
	"context"
	"path/filepath"
	"testing"
)

// TestServicesStudy opens the series folder and a ZIP of it as the
// workbench does, and reads the tags of a ZIP entry.
func TestServicesStudy(t *testing.T) {
	dir := seriesFolder(t)
	s := &Services{}
	for _, p := range []string{dir, zipFolder(t, dir)} {
		series, skipped, err := s.OpenStudy(context.Background(), p, nil)
		if err != nil || len(series) != 2 || len(skipped) != 0 {
			t.Fatalf("OpenStudy(%s) = %d series, %v skipped, %v; want 2, none", filepath.Base(p), len(series), skipped, err)
		}
		path := series[1].Slices[0].Image.Path
		attrs, err := s.Attributes(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, a := range attrs {
			if a.Keyword == "Modality" && len(a.Values) == 1 && a.Values[0] == "PT" {
				found = true
			}
		}
		if !found {
			t.Errorf("Attributes(%s): no Modality PT", path)
		}
	}
	if _, err := s.Attributes(context.Background(), filepath.Join(dir, "missing.zip!a.dcm")); err == nil {
		t.Error("Attributes of a missing archive gave no error")
	}
}
