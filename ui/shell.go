package ui

import (
	"fmt"
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// Preference keys of the window's geometry.
const (
	PrefWindowWidth  = "window.width"
	PrefWindowHeight = "window.height"
	// PrefSplitPrefix, followed by the split's number in the window
	// (depth first, from 0), keeps each split's offset.
	PrefSplitPrefix = "window.split."
)

// aboutText is the research-use notice of the About dialog.
const aboutText = "Research use only. Every answer is a draft, never a diagnosis. MedGemma's outputs " +
	"\"are not intended to directly inform clinical diagnosis, patient management decisions, treatment " +
	"recommendations, or any other direct clinical practice applications\" (MedGemma model card). " +
	"Patient data never leaves this computer: the managed runtime listens on 127.0.0.1 only."

// AppInfo is what the workbench shows about the program: its version and
// its data folder.
type AppInfo struct {
	Version string
	DataDir string
	// Secrets keeps the bearer token (nil: in the preferences).
	Secrets SecretStore
}

// shortcut is one keyboard shortcut: its key, what it does, and the
// action. The Help → Keyboard shortcuts dialog lists the same table.
type shortcut struct {
	key    fyne.Shortcut // nil: handled as a typed key (F1)
	label  string        // how the key is written
	action string
	run    func()
}

// shell is the app around the workbench: menus, shortcuts, the Models
// tab, Settings, theme, Help and About, the first-run and set-up dialogs,
// and the window's remembered geometry.
type shell struct {
	app    fyne.App
	w      *Workbench
	info   AppInfo
	models *ModelsPanel
	tabs   *container.AppTabs
	// modelsTab is the Models tab, historyTab the history browser and
	// batchTab the Batch tab (both made when first shown), workbenchTab
	// the viewer and the columns.
	modelsTab, historyTab, batchTab, pacsTab, workbenchTab *container.TabItem
	batch                                                  *batchPanel // once made (batchpanel.go)
	pacs                                                   *pacsPanel  // once made (pacspanel.go)
	shortcuts                                              []shortcut
	firstRunShown                                          bool
}

// SetInfo tells the workbench its version and data folder, for About and
// Settings. Call it on the UI goroutine or before ShowAndRun.
func (w *Workbench) SetInfo(info AppInfo) {
	w.shell.info = info
}

// Models is the Models tab's panel.
func (w *Workbench) Models() *ModelsPanel { return w.shell.models }

// installShell puts the window's content in a tab beside the Models tab,
// sets the menus and shortcuts, applies the theme and the remembered
// geometry, and starts the first-run checks.
func (w *Workbench) installShell(a fyne.App) {
	s := &shell{app: a, w: w}
	w.shell = s
	// The system theme is the app's own already (and the test theme under
	// the test driver); only a chosen variant replaces it.
	if c := a.Preferences().String(PrefTheme); c == ThemeLight || c == ThemeDark {
		applyTheme(a, c)
	}

	s.models = newModelsPanel(w.win, w.backend, w.env.do)
	s.models.OnChanged = w.cmp.loadModels
	s.models.onListed = s.listed
	s.workbenchTab = container.NewTabItem("Workbench", w.win.Content())
	s.modelsTab = container.NewTabItem("Models", s.models.Content())
	s.historyTab = container.NewTabItem("History", widget.NewLabel(""))
	s.batchTab = container.NewTabItem("Batch", widget.NewLabel(""))
	s.pacsTab = container.NewTabItem("PACS", widget.NewLabel(""))
	s.tabs = container.NewAppTabs(s.workbenchTab, s.historyTab, s.batchTab, s.pacsTab, s.modelsTab)
	s.tabs.OnSelected = func(t *container.TabItem) {
		s.models.SetShown(t == s.modelsTab)
		switch t {
		case s.modelsTab:
			s.models.Refresh()
		case s.historyTab:
			if w.hist == nil {
				t.Content = w.historyPanel()
				s.tabs.Refresh()
			} else {
				w.hist.refresh()
			}
		case s.batchTab:
			if s.batch == nil {
				s.batch = newBatchPanel(w.env, w.backend)
				s.batch.refreshModels()
				t.Content = s.batch.content
				s.tabs.Refresh()
			} else {
				s.batch.refreshModels()
			}
		case s.pacsTab:
			s.pacsPanel()
		}
	}
	w.win.SetContent(s.tabs)
	w.pane.onOpened = func() { s.tabs.Select(s.workbenchTab) }
	w.pane.onRecentChanged = func() { w.win.SetMainMenu(s.menu()) }

	mod := fyne.KeyModifierShortcutDefault
	s.shortcuts = []shortcut{
		{&desktop.CustomShortcut{KeyName: fyne.KeyO, Modifier: mod}, "Ctrl+O", "Open an image", w.pane.showOpenDialog},
		{&desktop.CustomShortcut{KeyName: fyne.KeyO, Modifier: mod | fyne.KeyModifierShift}, "Ctrl+Shift+O", "Open a folder or series", w.pane.showOpenFolderDialog},
		{nil, "Ctrl+Enter", "Run all columns", nil},
		{nil, "Escape", "Stop all columns", nil},
		{&desktop.CustomShortcut{KeyName: fyne.Key1, Modifier: mod}, "Ctrl+1", "Show the Workbench tab", func() { s.tabs.Select(s.workbenchTab) }},
		{&desktop.CustomShortcut{KeyName: fyne.KeyH, Modifier: mod}, "Ctrl+H", "Show the History tab", func() { s.tabs.Select(s.historyTab) }},
		{&desktop.CustomShortcut{KeyName: fyne.KeyB, Modifier: mod}, "Ctrl+B", "Show the Batch tab", func() { s.tabs.Select(s.batchTab) }},
		{&desktop.CustomShortcut{KeyName: fyne.KeyP, Modifier: mod | fyne.KeyModifierShift}, "Ctrl+Shift+P", "Show the PACS tab", func() { s.tabs.Select(s.pacsTab) }},
		{&desktop.CustomShortcut{KeyName: fyne.KeyM, Modifier: mod}, "Ctrl+M", "Show the Models tab", s.showModels},
		{&desktop.CustomShortcut{KeyName: fyne.KeyComma, Modifier: mod}, "Ctrl+,", "Settings", s.showSettings},
		{&desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: mod}, "Ctrl+Q", "Quit", a.Quit},
		{nil, "F1", "About, with the research-use notice", s.about},
	}
	for _, sc := range s.shortcuts {
		if sc.key != nil {
			run := sc.run
			w.win.Canvas().AddShortcut(sc.key, func(fyne.Shortcut) { run() })
		}
	}
	prevKey := w.win.Canvas().OnTypedKey()
	w.win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyF1 {
			s.about()
			return
		}
		if prevKey != nil {
			prevKey(ev)
		}
	})
	w.win.SetMainMenu(s.menu())

	s.restoreGeometry()
	w.cmp.restoreState(a.Preferences())
	// Quit (Ctrl+Q) ends the app without closing the window first.
	a.Lifecycle().SetOnStopped(s.saveGeometry)
	w.win.SetOnClosed(func() {
		s.saveGeometry()
		s.models.Close()
		w.closed()
	})

	if err := w.backend.RuntimeMissing(); err != nil {
		showRuntimeMissing(w.win, err, s.showSettings)
		s.models.Refresh()
		return
	}
	s.models.Refresh()
	s.models.SetShown(s.tabs.Selected() == s.modelsTab)
	s.models.StartPolling(runtimePollEvery)
}

func (s *shell) item(label string, action string) *fyne.MenuItem {
	for _, sc := range s.shortcuts {
		if sc.action == action {
			it := fyne.NewMenuItem(label, sc.run)
			it.Shortcut = sc.key
			return it
		}
	}
	return fyne.NewMenuItem(label, nil)
}

func (s *shell) menu() *fyne.MainMenu {
	quit := s.item("Quit", "Quit")
	quit.IsQuit = true
	file := fyne.NewMenu("File", s.item("Open file…", "Open an image"), s.item("Open folder…", "Open a folder or series"),
		s.w.pane.recentMenuItem(), fyne.NewMenuItemSeparator(),
		s.item("Settings…", "Settings"), fyne.NewMenuItemSeparator(), quit)
	view := fyne.NewMenu("View",
		s.item("Workbench", "Show the Workbench tab"),
		s.item("History", "Show the History tab"),
		s.item("Batch", "Show the Batch tab"),
		s.item("PACS", "Show the PACS tab"),
		s.item("Models", "Show the Models tab"),
	)
	models := fyne.NewMenu("Models",
		s.item("Manage models", "Show the Models tab"),
		fyne.NewMenuItem("Getting MedGemma…", func() { showFirstRun(s.w.win, s.models, s.showModels) }),
		fyne.NewMenuItem("Pull MedGemma", func() { s.showModels(); s.models.pullMedGemma() }),
		fyne.NewMenuItem("Import from files…", func() { s.showModels(); s.models.showImport(importFromFolder) }),
		fyne.NewMenuItem(demoButtonText, func() { s.showModels(); s.models.InstallDemo() }),
	)
	help := fyne.NewMenu("Help",
		fyne.NewMenuItem("Keyboard shortcuts", func() { s.showShortcuts() }),
		fyne.NewMenuItem("About MedGemma Workbench (F1)", s.about),
	)
	return fyne.NewMainMenu(file, view, models, help)
}

// listed is called with each successful listing of the models: the first
// empty one brings the Models tab forward, where the first-run card says
// how to get MedGemma. (A tab, not a dialog: nothing covers the window.)
func (s *shell) listed(facts []core.Facts) {
	// Nor does it hide an image the user has opened meanwhile: the
	// model picker's hint then says how to get a model.
	if len(facts) > 0 || s.firstRunShown || s.w.pane.openSeq > 0 {
		return
	}
	s.firstRunShown = true
	s.showModels()
}

// pacsPanel returns the PACS tab's panel, made on the first call; a
// retrieved study opens in the viewer, on the Workbench tab. Call it on
// the UI goroutine.
func (s *shell) pacsPanel() *pacsPanel {
	if s.pacs == nil {
		s.pacs = newPACSPanel(s.w.env, s.w.backend, s.app.Preferences(), s.info.Secrets, func(dir string) { s.w.pane.open(dir) })
		s.pacsTab.Content = s.pacs.content
		s.tabs.Refresh()
	}
	return s.pacs
}

func (s *shell) showModels() {
	s.tabs.Select(s.modelsTab)
}

func (s *shell) showSettings() {
	showSettings(s.app, s.w.win, s.info.DataDir, s.info.Secrets, nil)
}

// showShortcuts lists the keyboard shortcuts.
func (s *shell) showShortcuts() dialog.Dialog {
	grid := container.NewGridWithColumns(2)
	for _, sc := range s.shortcuts {
		key := sc.label
		if runtime.GOOS == "darwin" {
			key = strings.Replace(key, "Ctrl+", "Cmd+", 1)
		}
		grid.Add(widget.NewLabelWithStyle(key, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		grid.Add(widget.NewLabel(sc.action))
	}
	d := dialog.NewCustom("Keyboard shortcuts", "Close", grid, s.w.win)
	d.Show()
	return d
}

// aboutLines are the About dialog's facts: versions and where models run.
func (s *shell) aboutLines() string {
	st := s.w.backend.RuntimeState()
	version := s.info.Version
	if version == "" {
		version = "unknown"
	}
	lines := []string{"MedGemma Workbench " + version}
	ollama := "Ollama " + core.RuntimeVersion + " (the version the workbench builds)"
	if st.Version != "" {
		ollama = "Ollama " + st.Version
	}
	switch st.Mode {
	case "attached":
		ollama += ", attached at " + st.URL
	case "managed":
		ollama += ", managed by the workbench"
	}
	lines = append(lines, ollama, computeText(st))
	if s.info.DataDir != "" {
		lines = append(lines, "Data folder: "+s.info.DataDir)
	}
	return strings.Join(lines, "\n")
}

func (s *shell) about() { s.showAbout() }

// showAbout shows the version, the runtime and the research-use notice.
func (s *shell) showAbout() dialog.Dialog {
	facts := widget.NewLabel(s.aboutLines())
	facts.Wrapping = fyne.TextWrapWord
	facts.Selectable = true
	warn := widget.NewLabelWithStyle(assets.Disclaimer, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	warn.Importance = widget.WarningImportance
	warn.Wrapping = fyne.TextWrapWord
	notice := widget.NewLabel(aboutText)
	notice.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom("About MedGemma Workbench", "Close", container.NewVBox(facts, warn, notice), s.w.win)
	d.Resize(fyne.NewSize(600, 360))
	d.Show()
	return d
}

// splits lists the window's splits, depth first.
func splits(o fyne.CanvasObject) []*container.Split {
	var out []*container.Split
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *container.Split:
			out = append(out, v)
			walk(v.Leading)
			walk(v.Trailing)
		case *container.AppTabs:
			for _, t := range v.Items {
				walk(t.Content)
			}
		case *container.Scroll:
			walk(v.Content)
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

func (s *shell) restoreGeometry() {
	p := s.app.Preferences()
	if w, h := p.Float(PrefWindowWidth), p.Float(PrefWindowHeight); w >= 400 && h >= 300 {
		s.w.win.Resize(fyne.NewSize(float32(w), float32(h)))
	}
	for i, sp := range splits(s.tabs) {
		if off := p.FloatWithFallback(fmt.Sprint(PrefSplitPrefix, i), -1); off > 0 && off < 1 {
			sp.SetOffset(off)
		}
	}
}

func (s *shell) saveGeometry() {
	p := s.app.Preferences()
	if size := s.w.win.Canvas().Size(); size.Width >= 400 && size.Height >= 300 {
		p.SetFloat(PrefWindowWidth, float64(size.Width))
		p.SetFloat(PrefWindowHeight, float64(size.Height))
	}
	for i, sp := range splits(s.tabs) {
		p.SetFloat(fmt.Sprint(PrefSplitPrefix, i), sp.Offset)
	}
	s.w.cmp.saveState()
}
