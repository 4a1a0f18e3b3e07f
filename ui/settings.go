package ui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// Preference keys of the workbench's settings (fyne Preferences).
const (
	PrefDataDir     = "settings.dataDir"
	PrefRuntimeMode = "settings.runtimeMode"
	PrefOllamaURL   = "settings.ollamaURL"
	PrefOllamaBin   = "settings.ollamaBin"
	PrefOllamaToken = "settings.ollamaToken"
	PrefNumCtx      = "settings.numCtx"
	PrefKeepAlive   = "settings.keepAlive"
	PrefNumGPU      = "settings.numGPU"
	PrefParallel    = "settings.parallel"
	PrefTheme       = "settings.theme"
)

// Runtime modes.
const (
	RuntimeManaged = "managed"
	RuntimeAttach  = "attach"
)

// Theme choices.
const (
	ThemeSystem = "system"
	ThemeLight  = "light"
	ThemeDark   = "dark"
)

// Labels of the settings form's choices.
const (
	modeManagedLabel = "Managed (the workbench starts Ollama)"
	modeAttachLabel  = "Attach to a running Ollama"
	restartNote      = "Data folder and runtime settings apply when the workbench is next started; the theme applies now. " +
		"Command-line flags and environment variables override these settings."
)

// Settings are the workbench's preferences. Zero values mean "the
// default".
type Settings struct {
	// DataDir is the data folder; "" is the default one.
	DataDir string
	// RuntimeMode is RuntimeManaged or RuntimeAttach; with RuntimeAttach
	// OllamaURL is the server and OllamaToken, when set, a bearer token
	// for a proxy in front of it.
	RuntimeMode string
	OllamaURL   string
	OllamaToken string
	// OllamaBin is the ollama binary the managed runtime runs ("": the
	// one found beside the workbench, in its source tree's build/ or on
	// PATH); --ollama-bin overrides it.
	OllamaBin string
	// NumCtx is the default context window of a run (0: the runtime's
	// pre-flight default).
	NumCtx int
	// KeepAlive is how long the runtime keeps an idle model loaded (0:
	// Ollama's default; negative: for ever).
	KeepAlive time.Duration
	// NumGPU is how many layers to put on the GPU (-1 all, 0 CPU only);
	// nil lets the runtime decide.
	NumGPU *int
	// Parallel is how many requests per model the managed runtime serves
	// at once (0: Ollama's default).
	Parallel int
	// Theme is ThemeSystem, ThemeLight or ThemeDark.
	Theme string
}

// SecretStore keeps the bearer token out of the preferences file: in the
// system keychain, or where there is none in a file only the user can
// read. Location says which, in words for the Settings dialog.
type SecretStore interface {
	Get(name string) (string, error)
	Set(name, value string) error
	Location() string
}

// SecretOllamaToken is the SecretStore name of the bearer token.
const SecretOllamaToken = "ollama-token"

// LoadSettings reads the settings from p, and the bearer token from sec. A
// token that an older workbench left in p moves into sec. With a nil sec
// the token is read from p.
func LoadSettings(p fyne.Preferences, sec SecretStore) (Settings, error) {
	s := Settings{
		DataDir:     p.String(PrefDataDir),
		RuntimeMode: p.StringWithFallback(PrefRuntimeMode, RuntimeManaged),
		OllamaURL:   p.String(PrefOllamaURL),
		OllamaToken: p.String(PrefOllamaToken),
		OllamaBin:   p.String(PrefOllamaBin),
		NumCtx:      p.Int(PrefNumCtx),
		Parallel:    p.Int(PrefParallel),
		Theme:       p.StringWithFallback(PrefTheme, ThemeSystem),
	}
	if d, err := time.ParseDuration(p.String(PrefKeepAlive)); err == nil {
		s.KeepAlive = d
	}
	if n, err := strconv.Atoi(p.String(PrefNumGPU)); err == nil {
		s.NumGPU = &n
	}
	if sec == nil {
		return s, nil
	}
	if s.OllamaToken != "" {
		if err := sec.Set(SecretOllamaToken, s.OllamaToken); err != nil {
			return s, fmt.Errorf("move the bearer token out of the preferences: %w", err)
		}
		p.RemoveValue(PrefOllamaToken)
		return s, nil
	}
	tok, err := sec.Get(SecretOllamaToken)
	if err != nil {
		return s, fmt.Errorf("read the bearer token: %w", err)
	}
	s.OllamaToken = tok
	return s, nil
}

// Save writes the settings to p and the bearer token to sec (to p when sec
// is nil).
func (s Settings) Save(p fyne.Preferences, sec SecretStore) error {
	p.SetString(PrefDataDir, s.DataDir)
	p.SetString(PrefRuntimeMode, s.RuntimeMode)
	p.SetString(PrefOllamaURL, s.OllamaURL)
	p.SetString(PrefOllamaBin, s.OllamaBin)
	if sec == nil {
		p.SetString(PrefOllamaToken, s.OllamaToken)
	} else {
		if err := sec.Set(SecretOllamaToken, s.OllamaToken); err != nil {
			return fmt.Errorf("save the bearer token: %w", err)
		}
		p.RemoveValue(PrefOllamaToken)
	}
	p.SetInt(PrefNumCtx, s.NumCtx)
	p.SetInt(PrefParallel, s.Parallel)
	p.SetString(PrefTheme, s.Theme)
	keep := ""
	if s.KeepAlive != 0 {
		keep = s.KeepAlive.String()
	}
	p.SetString(PrefKeepAlive, keep)
	gpu := ""
	if s.NumGPU != nil {
		gpu = strconv.Itoa(*s.NumGPU)
	}
	p.SetString(PrefNumGPU, gpu)
	return nil
}

// settingsForm is the Settings dialog's form.
type settingsForm struct {
	dataDir   *widget.Entry
	mode      *widget.RadioGroup
	url       *widget.Entry
	token     *widget.Entry
	bin       *widget.Entry // the managed runtime's binary
	numCtx    *widget.Entry
	keepAlive *widget.Entry
	numGPU    *widget.Entry
	parallel  *widget.Entry
	theme     *widget.RadioGroup
	items     []*widget.FormItem
}

// newSettingsForm fills the form from s; tokenAt says where the bearer
// token is kept.
func newSettingsForm(s Settings, currentDataDir, tokenAt string) *settingsForm {
	f := &settingsForm{
		dataDir:   widget.NewEntry(),
		url:       widget.NewEntry(),
		token:     widget.NewPasswordEntry(),
		bin:       widget.NewEntry(),
		numCtx:    widget.NewEntry(),
		keepAlive: widget.NewEntry(),
		numGPU:    widget.NewEntry(),
		parallel:  widget.NewEntry(),
	}
	f.dataDir.SetPlaceHolder(currentDataDir)
	f.dataDir.SetText(s.DataDir)
	f.url.SetPlaceHolder("http://127.0.0.1:11434")
	f.url.SetText(s.OllamaURL)
	f.token.SetPlaceHolder("none")
	f.token.SetText(s.OllamaToken)
	f.bin.SetPlaceHolder("found beside the workbench, in build/ or on PATH")
	f.bin.SetText(s.OllamaBin)
	f.mode = widget.NewRadioGroup([]string{modeManagedLabel, modeAttachLabel}, func(v string) {
		if v == modeAttachLabel {
			f.url.Enable()
			f.token.Enable()
			f.bin.Disable()
		} else {
			f.url.Disable()
			f.token.Disable()
			f.bin.Enable()
		}
	})
	f.mode.Required = true
	if s.RuntimeMode == RuntimeAttach {
		f.mode.SetSelected(modeAttachLabel)
	} else {
		f.mode.SetSelected(modeManagedLabel)
	}
	f.numCtx.SetPlaceHolder("automatic (4096, raised to fit)")
	if s.NumCtx > 0 {
		f.numCtx.SetText(strconv.Itoa(s.NumCtx))
	}
	f.keepAlive.SetPlaceHolder("Ollama's default (5m)")
	if s.KeepAlive != 0 {
		f.keepAlive.SetText(s.KeepAlive.String())
	}
	f.numGPU.SetPlaceHolder("automatic (-1 all layers, 0 CPU only)")
	if s.NumGPU != nil {
		f.numGPU.SetText(strconv.Itoa(*s.NumGPU))
	}
	f.parallel.SetPlaceHolder("Ollama's default")
	if s.Parallel > 0 {
		f.parallel.SetText(strconv.Itoa(s.Parallel))
	}
	f.theme = widget.NewRadioGroup([]string{ThemeSystem, ThemeLight, ThemeDark}, nil)
	f.theme.Horizontal = true
	f.theme.Required = true
	f.theme.SetSelected(themeChoice(s.Theme))
	f.items = []*widget.FormItem{
		{Text: "Data folder", Widget: f.dataDir, HintText: "history, models and logs; empty: the default"},
		{Text: "Runtime", Widget: f.mode},
		{Text: "Runtime binary", Widget: f.bin, HintText: "the ollama the managed runtime runs, as --ollama-bin gives it"},
		{Text: "Server URL", Widget: f.url},
		{Text: "Bearer token", Widget: f.token, HintText: "for a proxy in front of the server; kept in " + tokenAt},
		{Text: "Context (num_ctx)", Widget: f.numCtx},
		{Text: "Keep alive", Widget: f.keepAlive, HintText: "e.g. 10m, 1h; -1s keeps models loaded"},
		{Text: "GPU layers (num_gpu)", Widget: f.numGPU},
		{Text: "Parallel requests", Widget: f.parallel},
		{Text: "Theme", Widget: f.theme},
	}
	return f
}

func themeChoice(t string) string {
	switch t {
	case ThemeLight, ThemeDark:
		return t
	}
	return ThemeSystem
}

// settings reads the form; the error names the field and what it wants.
func (f *settingsForm) settings() (Settings, error) {
	s := Settings{
		DataDir:     strings.TrimSpace(f.dataDir.Text),
		RuntimeMode: RuntimeManaged,
		OllamaURL:   strings.TrimSpace(f.url.Text),
		OllamaToken: strings.TrimSpace(f.token.Text),
		OllamaBin:   strings.TrimSpace(f.bin.Text),
		Theme:       themeChoice(f.theme.Selected),
	}
	if f.mode.Selected == modeAttachLabel {
		s.RuntimeMode = RuntimeAttach
		if s.OllamaURL == "" {
			return s, errors.New("server URL: give the address of the Ollama server to attach to, e.g. http://127.0.0.1:11434, or choose Managed")
		}
	}
	var err error
	if s.NumCtx, err = positiveInt(f.numCtx.Text, "context (num_ctx)"); err != nil {
		return s, err
	}
	if s.Parallel, err = positiveInt(f.parallel.Text, "parallel requests"); err != nil {
		return s, err
	}
	if t := strings.TrimSpace(f.keepAlive.Text); t != "" {
		if s.KeepAlive, err = time.ParseDuration(t); err != nil {
			return s, fmt.Errorf("keep alive %q: want a duration such as 10m or 1h (-1s: for ever)", t)
		}
	}
	if t := strings.TrimSpace(f.numGPU.Text); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < -1 {
			return s, fmt.Errorf("GPU layers %q: want -1 (all), 0 (CPU only) or a number of layers, or leave it empty", t)
		}
		s.NumGPU = &n
	}
	return s, nil
}

func positiveInt(text, field string) (int, error) {
	t := strings.TrimSpace(text)
	if t == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s %q: want a whole number, or leave it empty for the default", field, t)
	}
	return n, nil
}

// settingsDialog is an open Settings dialog.
type settingsDialog struct {
	d            *dialog.CustomDialog
	form         *settingsForm
	save, cancel *widget.Button
}

// showSettings opens the Settings dialog. Saving writes the preferences
// of a, applies the theme at once and calls saved.
func showSettings(a fyne.App, win fyne.Window, currentDataDir string, sec SecretStore, saved func(Settings)) *settingsDialog {
	loaded, err := LoadSettings(a.Preferences(), sec)
	tokenAt := "the preferences file"
	if sec != nil {
		tokenAt = sec.Location()
	}
	sd := &settingsDialog{form: newSettingsForm(loaded, currentDataDir, tokenAt)}
	note := widget.NewLabel(restartNote)
	note.Wrapping = fyne.TextWrapWord
	content := container.NewBorder(nil, note, nil, nil, widget.NewForm(sd.form.items...))
	sd.save = widget.NewButton("Save", func() {
		s, err := sd.form.settings()
		if err != nil {
			showError(win, err)
			return
		}
		if err := s.Save(a.Preferences(), sec); err != nil {
			showError(win, err)
			return
		}
		applyTheme(a, s.Theme)
		sd.d.Hide()
		if saved != nil {
			saved(s)
		}
	})
	sd.save.Importance = widget.HighImportance
	sd.cancel = widget.NewButton("Cancel", func() { sd.d.Hide() })
	sd.d = dialog.NewCustomWithoutButtons("Settings", content, win)
	sd.d.SetButtons([]fyne.CanvasObject{sd.cancel, sd.save})
	sd.d.Resize(fyne.NewSize(640, 600))
	sd.d.Show()
	if err != nil {
		showError(win, err)
	}
	return sd
}
