package app

import (
	"context"
	"os"

	fyneapp "fyne.io/fyne/v2/app"

	// Imported for its side effect: clear the "C" locale before Fyne reads it.
	_ "github.com/medgemma-workbench/medgemma-workbench/app/posixlocale"
	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/ui"
)

// AppID is the workbench's application id (preferences, desktop entry).
const AppID = "io.github.medgemma-workbench"

// EnvAutoRun, set to 1, makes the workbench press Run once the files given
// on the command line are shown (scripts/screenshot.sh uses it).
const EnvAutoRun = "MEDGEMMA_WORKBENCH_AUTORUN"

// runGUI opens the workbench window with the given files and blocks until
// it is closed. The runtime starts in the background; the status line
// shows its progress.
func runGUI(cfg Config, paths []string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(assets.Icon)
	// Saved settings fill what flags and the environment leave unset.
	applySettings(&cfg, ui.LoadSettings(a.Preferences()), os.Getenv)
	s, err := NewServices(ctx, cfg, KindGUI)
	if err != nil {
		return err
	}
	defer s.Close()
	if s.RuntimeMissing() == nil {
		go func() {
			if err := s.Runtime().Start(ctx); err != nil {
				s.log.Error("runtime start", "err", err)
			}
		}()
	}
	w := ui.NewWorkbench(a, s)
	w.SetInfo(ui.AppInfo{Version: Version, DataDir: s.cfg.DataDir})
	w.OpenPaths(paths)
	if os.Getenv(EnvAutoRun) == "1" {
		w.AutoRun(func() { s.log.Info("autorun: done") })
	}
	w.ShowAndRun()
	return nil
}
