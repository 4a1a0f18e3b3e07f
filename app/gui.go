package app

import (
	"context"
	"os"

	fyneapp "fyne.io/fyne/v2/app"

	// Imported for its side effect: clear the "C" locale before Fyne reads it.
	_ "github.com/medgemma-workbench/medgemma-workbench/app/posixlocale"
	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/internal/keychain"
	"github.com/medgemma-workbench/medgemma-workbench/ui"
)

// Services is the window's back end.
var _ ui.Backend = (*Services)(nil)

// AppID is the workbench's application id (preferences, desktop entry).
const AppID = "io.github.medgemma-workbench"

// AppName names the workbench's keychain entries and its configuration
// folder.
const AppName = "medgemma-workbench"

// EnvAutoRun, set to 1, makes the workbench press Run once the files given
// on the command line are shown (for demonstrations).
const EnvAutoRun = "MEDGEMMA_WORKBENCH_AUTORUN"

// runGUI opens the workbench window with the given files and blocks until
// it is closed. The runtime starts in the background; the status line
// shows its progress.
func runGUI(cfg Config, paths []string) error {
	// With EnvStartupTimes, the steps of the start are written out.
	timed := os.Getenv(EnvStartupTimes) == "1"
	mark := func(string) {}
	if timed {
		mark = startupLog(os.Stderr, processStart())
	}
	mark("main")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(assets.Icon)
	// Saved settings fill what flags and the environment leave unset. The
	// bearer token is in the system keychain (or a 0600 file without one):
	// it is read before the window opens only when the runtime is attached
	// and needs it; otherwise it is read in the background, so that the
	// Settings dialog finds it without asking the keychain on the UI
	// goroutine.
	secrets := keychain.New(AppName, keychain.DefaultFallback(AppName))
	var now ui.SecretStore
	if a.Preferences().String(ui.PrefRuntimeMode) == ui.RuntimeAttach {
		now = secrets
	} else {
		go secrets.Get(ui.SecretOllamaToken)
	}
	saved, serr := ui.LoadSettings(a.Preferences(), now)
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
	mark("services ready")
	// The files given are read while the window is built (see
	// ui.Workbench.ShowAndRun).
	s.Preopen(ctx, paths)
	w := ui.NewWorkbench(a, s)
	mark("window built")
	if timed {
		w.SetMilestones(mark)
		a.Lifecycle().SetOnStarted(func() { mark("window shown") })
	}
	w.SetInfo(ui.AppInfo{Version: Version, DataDir: s.cfg.DataDir, Secrets: secrets})
	w.OpenPaths(paths)
	if os.Getenv(EnvAutoRun) == "1" {
		w.AutoRun(func() { s.log.Info("autorun: done") })
	}
	startTour(ctx, a, w, s)
	w.ShowAndRun()
	return nil
}
