package app

import (
	"context"

	fyneapp "fyne.io/fyne/v2/app"

	// Imported for its side effect: clear the "C" locale before Fyne reads it.
	_ "github.com/medgemma-workbench/medgemma-workbench/app/posixlocale"
	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/ui"
)

// AppID is the workbench's application id (preferences, desktop entry).
const AppID = "io.github.medgemma-workbench"

// runGUI opens the workbench window with the given files and blocks until
// it is closed. The runtime starts in the background; the status line
// shows its progress.
func runGUI(cfg Config, paths []string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := NewServices(ctx, cfg, "gui")
	if err != nil {
		return err
	}
	defer s.Close()
	go func() {
		if err := s.Runtime().Start(ctx); err != nil {
			s.log.Error("runtime start", "err", err)
		}
	}()
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(assets.Icon)
	w := ui.NewWorkbench(a, s)
	w.OpenPaths(paths)
	w.ShowAndRun()
	return nil
}
