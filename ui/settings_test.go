package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

func TestSettingsDialogSavesAndReloads(t *testing.T) {
	a := test.NewTempApp(t)
	win := a.NewWindow("settings")
	win.Resize(fyne.NewSize(900, 720))
	t.Cleanup(win.Close)

	sec := &fakeSecrets{where: "the system keychain"}
	sd := showSettings(a, win, "/home/me/.local/share/medgemma-workbench", sec, nil)
	assertCanvasMarkup(t, "settings_dialog.xml", win.Canvas())

	var saved *Settings
	sd.d.Hide()
	sd = showSettings(a, win, "/data", sec, func(s Settings) { saved = &s })
	f := sd.form
	test.Type(f.dataDir, "/mnt/big/mgw")
	f.mode.SetSelected(modeAttachLabel)
	test.Type(f.url, "http://gpu-box:11434")
	test.Type(f.token, "s3cret")
	test.Type(f.numCtx, "8192")
	test.Type(f.keepAlive, "10m")
	test.Type(f.numGPU, "-1")
	test.Type(f.parallel, "2")
	f.theme.SetSelected(ThemeDark)
	test.Tap(sd.save)
	if saved == nil {
		t.Fatalf("not saved; dialog %q", overlayTexts(win))
	}

	got, err := LoadSettings(a.Preferences(), sec)
	if err != nil {
		t.Fatal(err)
	}
	if sec.m[SecretOllamaToken] != "s3cret" {
		t.Errorf("the token is not in the secret store: %v", sec.m)
	}
	if p := a.Preferences().String(PrefOllamaToken); p != "" {
		t.Errorf("the token is in the preferences file too: %q", p)
	}
	if got.DataDir != "/mnt/big/mgw" || got.RuntimeMode != RuntimeAttach || got.OllamaURL != "http://gpu-box:11434" ||
		got.OllamaToken != "s3cret" || got.NumCtx != 8192 || got.KeepAlive != 10*time.Minute ||
		got.NumGPU == nil || *got.NumGPU != -1 || got.Parallel != 2 || got.Theme != ThemeDark {
		t.Errorf("reloaded %+v", got)
	}
	if p := a.Preferences().String(PrefKeepAlive); p != "10m0s" {
		t.Errorf("%s = %q", PrefKeepAlive, p)
	}

	// Opened again, the dialog shows what was saved.
	sd = showSettings(a, win, "/data", sec, nil)
	f = sd.form
	if f.dataDir.Text != "/mnt/big/mgw" || f.mode.Selected != modeAttachLabel || f.url.Text != "http://gpu-box:11434" ||
		f.numCtx.Text != "8192" || f.keepAlive.Text != "10m0s" || f.numGPU.Text != "-1" || f.parallel.Text != "2" ||
		f.theme.Selected != ThemeDark || f.url.Disabled() {
		t.Errorf("reopened form: %q %q %q %q %q %q %q %q", f.dataDir.Text, f.mode.Selected, f.url.Text, f.numCtx.Text,
			f.keepAlive.Text, f.numGPU.Text, f.parallel.Text, f.theme.Selected)
	}

	// A bad value is refused with a message naming the field; nothing is saved.
	f.numGPU.SetText("lots")
	test.Tap(sd.save)
	if txt := overlayTexts(win); !strings.Contains(txt, "GPU layers") {
		t.Errorf("error dialog %q does not name the field", txt)
	}
	if got, _ := LoadSettings(a.Preferences(), sec); got.NumGPU == nil || *got.NumGPU != -1 {
		t.Errorf("a refused form changed num_gpu to %v", got.NumGPU)
	}
	if n := got.NumGPU; n == nil || *n != -1 {
		t.Errorf("a refused form changed num_gpu to %v", n)
	}
	f.numGPU.SetText("")
	f.mode.SetSelected(modeAttachLabel)
	f.url.SetText("")
	test.Tap(sd.save)
	if txt := overlayTexts(win); !strings.Contains(txt, "Server URL") {
		t.Errorf("attach without a URL: dialog %q", txt)
	}
}

func TestThemeSwitch(t *testing.T) {
	a := test.NewTempApp(t)
	win := a.NewWindow("theme")
	t.Cleanup(win.Close)
	bg := func() any {
		return a.Settings().Theme().Color(theme.ColorNameBackground, theme.VariantLight)
	}
	dark := theme.DefaultTheme().Color(theme.ColorNameBackground, theme.VariantDark)
	light := theme.DefaultTheme().Color(theme.ColorNameBackground, theme.VariantLight)

	for _, choice := range []string{ThemeDark, ThemeLight, ThemeDark} {
		sd := showSettings(a, win, "/data", nil, nil)
		sd.form.theme.SetSelected(choice)
		test.Tap(sd.save)
		want := light
		if choice == ThemeDark {
			want = dark
		}
		if got := bg(); got != want {
			t.Errorf("%s: background %v, want %v", choice, got, want)
		}
		if got, _ := LoadSettings(a.Preferences(), nil); got.Theme != choice {
			t.Errorf("%s not saved", choice)
		}
	}
	applyTheme(a, ThemeSystem)
	if a.Settings().Theme() != theme.DefaultTheme() {
		t.Error("system choice is not Fyne's own theme")
	}
}

// fakeSecrets is a SecretStore in memory.
type fakeSecrets struct {
	m     map[string]string
	where string
	fail  error
}

func (f *fakeSecrets) Get(name string) (string, error) { return f.m[name], f.fail }
func (f *fakeSecrets) Set(name, value string) error {
	if f.fail != nil {
		return f.fail
	}
	if f.m == nil {
		f.m = map[string]string{}
	}
	f.m[name] = value
	return nil
}
func (f *fakeSecrets) Location() string { return f.where }

func TestTokenMovesOutOfPreferences(t *testing.T) {
	a := test.NewTempApp(t)
	win := a.NewWindow("settings")
	win.Resize(fyne.NewSize(900, 720))
	t.Cleanup(win.Close)
	// An older workbench kept the token in the preferences file.
	a.Preferences().SetString(PrefOllamaToken, "old-token")
	sec := &fakeSecrets{where: "/home/me/.config/medgemma-workbench/secrets.json, readable only by you (no system keychain: no bus)"}
	got, err := LoadSettings(a.Preferences(), sec)
	if err != nil || got.OllamaToken != "old-token" {
		t.Fatalf("LoadSettings = %q, %v", got.OllamaToken, err)
	}
	if a.Preferences().String(PrefOllamaToken) != "" || sec.m[SecretOllamaToken] != "old-token" {
		t.Errorf("token not moved: prefs %q, store %v", a.Preferences().String(PrefOllamaToken), sec.m)
	}
	// The dialog says where the token is kept.
	showSettings(a, win, "/data", sec, nil)
	if txt := overlayTexts(win); !strings.Contains(txt, "kept in /home/me/.config/medgemma-workbench/secrets.json, readable only by you") {
		t.Errorf("the dialog does not say where the token is: %q", txt)
	}
}

func TestTokenStoreFailureIsShown(t *testing.T) {
	a := test.NewTempApp(t)
	win := a.NewWindow("settings")
	win.Resize(fyne.NewSize(900, 720))
	t.Cleanup(win.Close)
	sec := &fakeSecrets{where: "the system keychain"}
	sd := showSettings(a, win, "/data", sec, nil)
	sd.form.mode.SetSelected(modeAttachLabel)
	test.Type(sd.form.url, "http://gpu-box:11434")
	test.Type(sd.form.token, "s3cret")
	sec.fail = errors.New("the system keychain did not answer")
	test.Tap(sd.save)
	if txt := overlayTexts(win); !strings.Contains(txt, "Save the bearer token: the system keychain did not answer") {
		t.Errorf("error dialog %q", txt)
	}
	if a.Preferences().String(PrefOllamaToken) != "" {
		t.Error("a failed keychain write put the token in the preferences file")
	}
}
