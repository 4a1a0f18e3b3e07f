package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	// Imported for its side effect: clear the "C" locale before Fyne reads it.
	_ "github.com/medgemma-workbench/medgemma-workbench/app/posixlocale"
	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/internal/keychain"
	"github.com/medgemma-workbench/medgemma-workbench/ui"
)

// AppID is the workbench's application id (preferences, desktop entry).
const AppID = "io.github.medgemma-workbench"

// AppName names the workbench's keychain entries and its configuration
// folder.
const AppName = "medgemma-workbench"

// EnvAutoRun, set to 1, makes the workbench press Run once the files given
// on the command line are shown (for demonstrations).
const EnvAutoRun = "MEDGEMMA_WORKBENCH_AUTORUN"

// EnvTour, set to a folder, makes the workbench step through its main
// views (ui.TourShots) and quit. Before each view it logs "tour: ready"
// with the view's name to workbench.log and waits until a screenshot
// named after the view (NAME.png) appears in the folder
// (scripts/screenshots.sh takes them).
const EnvTour = "MEDGEMMA_WORKBENCH_TOUR"

// EnvTourBatch, set with EnvTour to a folder holding manifest.jsonl and
// prompts.yaml, adds a batch over it to the tour.
const EnvTourBatch = "MEDGEMMA_WORKBENCH_TOUR_BATCH"

// tourShotWait is how long the tour waits for each screenshot.
const tourShotWait = time.Minute

// tour runs ui.Workbench.Tour for EnvTour and quits the app when done.
func tour(ctx context.Context, a fyne.App, w *ui.Workbench, s *Services, dir string) {
	err := w.Tour(ctx, os.Getenv(EnvTourBatch), func(ctx context.Context, name string) error {
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

// runGUI opens the workbench window with the given files and blocks until
// it is closed. The runtime starts in the background; the status line
// shows its progress.
func runGUI(cfg Config, paths []string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(assets.Icon)
	// Saved settings fill what flags and the environment leave unset; the
	// bearer token is in the system keychain (or a 0600 file without one).
	secrets := keychain.New(AppName, keychain.DefaultFallback(AppName))
	saved, serr := ui.LoadSettings(a.Preferences(), secrets)
	applySettings(&cfg, saved, os.Getenv)
	s, err := NewServices(ctx, cfg, KindGUI)
	if err != nil {
		return err
	}
	defer s.Close()
	if serr != nil {
		s.log.Error("settings", "err", serr)
	}
	if s.RuntimeMissing() == nil {
		go func() {
			if err := s.Runtime().Start(ctx); err != nil {
				s.log.Error("runtime start", "err", err)
			}
		}()
	}
	w := ui.NewWorkbench(a, s)
	w.SetInfo(ui.AppInfo{Version: Version, DataDir: s.cfg.DataDir, Secrets: secrets})
	w.OpenPaths(paths)
	if os.Getenv(EnvAutoRun) == "1" {
		w.AutoRun(func() { s.log.Info("autorun: done") })
	}
	if dir := os.Getenv(EnvTour); dir != "" {
		go tour(ctx, a, w, s, dir)
	}
	w.ShowAndRun()
	return nil
}
