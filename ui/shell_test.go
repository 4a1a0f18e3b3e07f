package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestFirstRunInstallsDemo: with no models the Models tab comes forward
// with the ways to get MedGemma; "Install demo model" calls the back end
// and the model appears in the picker. The same card is a dialog from
// Models → Getting MedGemma….
func TestFirstRunInstallsDemo(t *testing.T) {
	fake := &fakeBackend{state: core.State{Mode: "managed", Phase: core.PhaseReady}}
	h := newHarness(t, fake)
	sh := h.wb.shell
	h.waitFor("the first-run card", waitTimeout, func() bool { return sh.models.firstRun.Visible() })
	if sh.tabs.Selected() != sh.modelsTab {
		t.Error("the Models tab is not shown when there are no models")
	}
	if hasDialog(h.wb.win) {
		t.Errorf("a dialog covers the window at start: %q", overlayTexts(h.wb.win))
	}

	sh.tabs.Select(sh.workbenchTab)
	var getting *fyne.MenuItem
	for _, it := range menuNamed(t, h.wb.win, "Models").Items {
		if strings.HasPrefix(it.Label, "Getting MedGemma") {
			getting = it
		}
	}
	getting.Action()
	txt := overlayTexts(h.wb.win)
	for _, want := range []string{firstRunTitle, "google/medgemma-4b-it", "random weights", "Online"} {
		if !strings.Contains(txt, want) {
			t.Errorf("first-run text lacks %q", want)
		}
	}
	test.Tap(overlayButton(t, h.wb.win, demoButtonText))
	h.waitFor("the demo model in the picker", waitTimeout, func() bool {
		return strings.HasPrefix(h.first().modelSelect.Selected, core.DemoModelName)
	})
	if sh.tabs.Selected() != sh.modelsTab || hasDialog(h.wb.win) {
		t.Error("after choosing from the first-run dialog, the Models tab is not shown or the dialog stays")
	}
	h.waitFor("the demo model in the Models tab", waitTimeout, func() bool { return len(h.wb.Models().Models()) == 1 })
}

// missingBackend is a fakeBackend whose runtime binary is missing.
type missingBackend struct {
	*fakeBackend
	err error
}

func (m missingBackend) RuntimeMissing() error { return m.err }

func TestRuntimeMissingOpensWindowWithSetupDialog(t *testing.T) {
	a := test.NewTempApp(t)
	q := &uiQueue{}
	missing := fmt.Errorf("%w: run %s in the medgemma-workbench source tree to build Ollama %s, or pass --ollama-url to use a running server",
		errors.New("ollama runtime not found"), core.SetupCommand, core.RuntimeVersion)
	fake := &fakeBackend{t: t, modelsErr: missing, state: core.State{Mode: "managed", Phase: core.PhaseFailed, Err: missing.Error()}}
	wb := newWorkbench(a, missingBackend{fake, missing}, q.do, 5*time.Millisecond)
	t.Cleanup(wb.Window().Close)
	q.drain()
	txt := overlayTexts(wb.win)
	for _, want := range []string{core.SetupCommand, "Attach", "Settings"} {
		if !strings.Contains(txt, want) {
			t.Errorf("set-up dialog %q lacks %q", txt, want)
		}
	}
	test.Tap(overlayButton(t, wb.win, "Attach to a server…"))
	if txt := overlayTexts(wb.win); !strings.Contains(txt, "apply when the workbench is next started") {
		t.Errorf("Attach did not open Settings: %q", txt)
	}
}

func TestMenusShortcutsAndAbout(t *testing.T) {
	fake := &fakeBackend{models: []core.Model{{Name: testModel}},
		state: core.State{Mode: "managed", Phase: core.PhaseReady, Version: "0.17.4",
			Compute: []core.Compute{{ID: "cpu", Library: "cpu"}}}}
	h := newHarness(t, fake)
	h.wb.SetInfo(AppInfo{Version: "1.2.3", DataDir: "/data/mgw"})
	win := h.wb.win

	var menus []string
	for _, m := range win.MainMenu().Items {
		menus = append(menus, m.Label)
	}
	if !slices.Equal(menus, []string{"File", "View", "Models", "Help"}) {
		t.Errorf("menus %v", menus)
	}

	sc := win.Canvas().(fyne.Shortcutable)
	sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyComma, Modifier: fyne.KeyModifierShortcutDefault})
	if txt := overlayTexts(win); !strings.Contains(txt, "next started") {
		t.Errorf("Ctrl+, did not open Settings: %q", txt)
	}
	test.Tap(overlayButton(t, win, "Cancel"))

	sc.TypedShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyM, Modifier: fyne.KeyModifierShortcutDefault})
	if h.wb.shell.tabs.Selected() != h.wb.shell.modelsTab {
		t.Error("Ctrl+M did not show the Models tab")
	}

	win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyF1})
	txt := overlayTexts(win)
	for _, want := range []string{"MedGemma Workbench 1.2.3", "Ollama 0.17.4", "CPU only", assets.Disclaimer, "Research use only"} {
		if !strings.Contains(txt, want) {
			t.Errorf("About %q lacks %q", txt, want)
		}
	}
	test.Tap(overlayButton(t, win, "Close"))

	h.wb.shell.showShortcuts()
	txt = overlayTexts(win)
	for _, want := range []string{"Ctrl+O", "Ctrl+,", "Ctrl+Q", "F1", "Settings", "Quit"} {
		if !strings.Contains(txt, want) {
			t.Errorf("shortcuts dialog %q lacks %q", txt, want)
		}
	}
}

func TestShowErrorNamesWhatToDo(t *testing.T) {
	a := test.NewTempApp(t)
	win := a.NewWindow("e")
	t.Cleanup(win.Close)
	if d := showError(win, fmt.Errorf("wrapped: %w", context.Canceled)); d != nil || hasDialog(win) {
		t.Error("a cancellation showed an error dialog")
	}
	showError(win, errors.New("open /data/x.dcm: not a DICOM file; choose a .dcm, .png or .jpg file"))
	if txt := overlayTexts(win); !strings.Contains(txt, "Open /data/x.dcm: not a DICOM file; choose") {
		t.Errorf("dialog %q", txt)
	}
}

// TestWindowGeometryRemembered: the window's size and split offsets are
// saved when it closes and restored when it opens.
func TestWindowGeometryRemembered(t *testing.T) {
	a := test.NewTempApp(t)
	q := &uiQueue{}
	fake := &fakeBackend{t: t, models: []core.Model{{Name: testModel}}}
	wb := newWorkbench(a, fake, q.do, 5*time.Millisecond)
	q.drain()
	wb.win.Resize(fyne.NewSize(1000, 700))
	sp := splits(wb.win.Content())
	if len(sp) == 0 {
		t.Fatal("no split in the window")
	}
	sp[0].SetOffset(0.42)
	wb.win.Close()

	wb = newWorkbench(a, fake, q.do, 5*time.Millisecond)
	t.Cleanup(wb.Window().Close)
	q.drain()
	if s := wb.win.Canvas().Size(); s.Width != 1000 || s.Height != 700 {
		t.Errorf("window size %v, want 1000×700", s)
	}
	if off := splits(wb.win.Content())[0].Offset; off < 0.419 || off > 0.421 {
		t.Errorf("split offset %v, want 0.42", off)
	}
	if _, ok := wb.win.Content().(*container.AppTabs); !ok {
		t.Errorf("content is %T, want the tabs", wb.win.Content())
	}
}

// menuNamed returns the window's main menu called label.
func menuNamed(t *testing.T, win fyne.Window, label string) *fyne.Menu {
	t.Helper()
	for _, m := range win.MainMenu().Items {
		if m.Label == label {
			return m
		}
	}
	t.Fatalf("no %s menu", label)
	return nil
}
