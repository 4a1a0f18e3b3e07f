//go:build tour

package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"

	"github.com/medgemma-workbench/medgemma-workbench/ui"
)

// EnvTour, set to a folder, makes the workbench step through its main
// views (ui.TourShots) and quit. Before each view it logs "tour: ready"
// with the view's name to workbench.log and waits until a screenshot
// named after the view (NAME.png) appears in the folder
// (scripts/screenshots.sh takes them).
const EnvTour = "MEDGEMMA_WORKBENCH_TOUR"

// EnvTourBatch, set with EnvTour to a folder holding manifest.jsonl and
// prompts.yaml, adds a batch over it to the tour.
const EnvTourBatch = "MEDGEMMA_WORKBENCH_TOUR_BATCH"

// EnvTourPACS, set with EnvTour to "URL [USER PASSWORD]" (what
// pacs/pacstest/cmd/orthanc prints), adds a search of that DICOMweb server
// in the PACS tab to the tour.
const EnvTourPACS = "MEDGEMMA_WORKBENCH_TOUR_PACS"

// EnvTourColumns, set with EnvTour to a number of columns, makes the tour
// one view: that many columns answered beside the first image, shot as
// compare-WxH-N.png (scripts/compare-screenshots.sh).
const EnvTourColumns = "MEDGEMMA_WORKBENCH_TOUR_COLUMNS"

// tourShotWait is how long the tour waits for each screenshot.
const tourShotWait = time.Minute

// tour runs ui.Workbench.Tour for EnvTour and quits the app when done.
func tour(ctx context.Context, a fyne.App, w *ui.Workbench, s *Services, dir string) {
	opts := ui.TourOptions{BatchDir: os.Getenv(EnvTourBatch)}
	opts.Columns, _ = strconv.Atoi(os.Getenv(EnvTourColumns))
	if f := strings.Fields(os.Getenv(EnvTourPACS)); len(f) > 0 {
		opts.PACS.URL = f[0]
		if len(f) >= 3 {
			opts.PACS.User, opts.PACS.Password = f[1], f[2]
		}
	}
	err := w.Tour(ctx, opts, func(ctx context.Context, name string) error {
		s.log.Info("tour: ready", "view", name)
		path := filepath.Join(dir, name+".png")
		deadline := time.Now().Add(tourShotWait)
		for {
			if _, err := os.Stat(path); err == nil {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("tour: no screenshot %s after %s", path, tourShotWait)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
	if err != nil {
		s.log.Error("tour", "err", err)
	} else {
		s.log.Info("tour: done")
	}
	fyne.Do(a.Quit)
}

// startTour starts the tour in the background when EnvTour is set.
func startTour(ctx context.Context, a fyne.App, w *ui.Workbench, s *Services) {
	if dir := os.Getenv(EnvTour); dir != "" {
		go tour(ctx, a, w, s, dir)
	}
}
