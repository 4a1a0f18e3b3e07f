package ui

import (
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

	sd := showSettings(a, win, "/home/me/.local/share/medgemma-workbench", nil)
	assertCanvasMarkup(t, "settings_dialog.xml", win.Canvas())

	var saved *Settings
	sd.d.Hide()
	sd = showSettings(a, win, "/data", func(s Settings) { saved = &s })
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

	got := LoadSettings(a.Preferences())
	if got.DataDir != "/mnt/big/mgw" || got.RuntimeMode != RuntimeAttach || got.OllamaURL != "http://gpu-box:11434" ||
		got.OllamaToken != "s3cret" || got.NumCtx != 8192 || got.KeepAlive != 10*time.Minute ||
		got.NumGPU == nil || *got.NumGPU != -1 || got.Parallel != 2 || got.Theme != ThemeDark {
		t.Errorf("reloaded %+v", got)
	}
	if p := a.Preferences().String(PrefKeepAlive); p != "10m0s" {
		t.Errorf("%s = %q", PrefKeepAlive, p)
	}

	// Opened again, the dialog shows what was saved.
	sd = showSettings(a, win, "/data", nil)
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
	if n := LoadSettings(a.Preferences()).NumGPU; n == nil || *n != -1 {
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
		sd := showSettings(a, win, "/data", nil)
		sd.form.theme.SetSelected(choice)
		test.Tap(sd.save)
		want := light
		if choice == ThemeDark {
			want = dark
		}
		if got := bg(); got != want {
			t.Errorf("%s: background %v, want %v", choice, got, want)
		}
		if LoadSettings(a.Preferences()).Theme != choice {
			t.Errorf("%s not saved", choice)
		}
	}
	applyTheme(a, ThemeSystem)
	if a.Settings().Theme() != theme.DefaultTheme() {
		t.Error("system choice is not Fyne's own theme")
	}
}
