package app

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
)

// TestPreopen checks the open the window's command line begins early:
// the window's OpenStudy of the folder gets the series a fresh open gets,
// with the count of files read; the next OpenStudy of it opens it again
// (a file added since is found); and an OpenStudy cancelled while the
// early open runs returns the cancellation, naming the folder, and stops
// that open.
func TestPreopen(t *testing.T) {
	dir := t.TempDir()
	dicomtest.CopyTo(t, "3.dcm", filepath.Join(dir, "mr/a.dcm"))
	dicomtest.CopyTo(t, "5.dcm", filepath.Join(dir, "ct/b.dcm"))
	ctx := context.Background()
	s := &Services{}
	s.Preopen(ctx, []string{"", dir})
	files := 0
	series, skipped, err := s.OpenStudy(ctx, dir, func(n int) { files = n })
	if err != nil || len(skipped) > 0 || len(series) != 2 || files != 2 {
		t.Fatalf("OpenStudy after Preopen: %d series, skipped %v, %v, %d files read; want 2 series of 2 files", len(series), skipped, err, files)
	}
	if series[0].Modality != "CT" || series[1].Modality != "MR" {
		t.Errorf("series %s, %s; want CT, MR", series[0].Modality, series[1].Modality)
	}
	dicomtest.CopyTo(t, "1.dcm", filepath.Join(dir, "pet/c.dcm"))
	if again, _, err := s.OpenStudy(ctx, dir, nil); err != nil || len(again) != 3 {
		t.Errorf("second OpenStudy: %d series, %v; want the 3 there now", len(again), err)
	}

	// A folder of 300 slices takes long enough to open for the window's
	// OpenStudy, already cancelled, to come first.
	big := t.TempDir()
	v := dicomtest.Volume{Modality: "CT", Slices: 300, Rows: 32, Cols: 32, StudyUID: "2.25.1", SeriesUID: "2.25.2",
		Value: func(x, y, z int) int16 { return int16(x + y + z) }}
	if _, err := v.Write(big); err != nil {
		t.Fatal(err)
	}
	s.Preopen(ctx, []string{big})
	po := s.pre.list[0]
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, _, err = s.OpenStudy(cancelled, big, nil)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), big) {
		t.Errorf("cancelled OpenStudy: %v, want context.Canceled naming %s", err, big)
	}
	<-po.done
	if !errors.Is(po.err, context.Canceled) {
		t.Errorf("the early open ended with %v, want it cancelled", po.err)
	}
	if len(s.pre.list) != 0 {
		t.Errorf("%d early opens left, want none", len(s.pre.list))
	}
}
