package ui

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

func TestRemoteServer(t *testing.T) {
	tests := []struct {
		st     core.State
		host   string
		remote bool
	}{
		{core.State{Mode: "managed", URL: "http://127.0.0.1:41234"}, "", false},
		{core.State{Mode: "attached", URL: "http://127.0.0.1:11434"}, "", false},
		{core.State{Mode: "attached", URL: "http://localhost:11434"}, "", false},
		{core.State{Mode: "attached", URL: "http://[::1]:11434"}, "", false},
		{core.State{Mode: "attached", URL: "http://gpu-box:11434"}, "gpu-box:11434", true},
		{core.State{Mode: "attached", URL: "https://user:pw@10.1.2.3:443"}, "10.1.2.3:443", true},
	}
	for _, tt := range tests {
		host, remote := remoteServer(tt.st)
		if host != tt.host || remote != tt.remote {
			t.Errorf("remoteServer(%+v) = %q, %v; want %q, %v", tt.st, host, remote, tt.host, tt.remote)
		}
	}
}

// TestBurnInWarnsBeforeSendingRemotely: an image that may carry burned-in
// text is sent to a remote runtime only after the user says so, once per
// image; to a local one it goes at once.
func TestBurnInWarnsBeforeSendingRemotely(t *testing.T) {
	for _, tt := range []struct {
		name    string
		url     string
		burned  string
		warning bool
	}{
		{"remote, burned in", "http://gpu-box:11434", "YES", true},
		{"remote, not burned in", "http://gpu-box:11434", "NO", false},
		{"loopback, burned in", "http://127.0.0.1:11434", "YES", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeBackend{models: []core.Model{{Name: testModel}}, state: core.State{Mode: "attached", URL: tt.url, Phase: "ready"}}
			h := newHarness(t, fake)
			h.openTestImage("4.dcm")
			h.waitForModel(testModel)
			h.wb.pane.img.Info.BurnedInAnnotation = tt.burned
			var asked atomic.Int32
			fake.set(func(f *fakeBackend) {
				f.ask = func(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
					asked.Add(1)
					onChunk("ok")
					return 7, core.Result{Status: core.StatusOK}, nil
				}
			})
			test.Tap(h.first().runButton)
			if !tt.warning {
				h.waitFor("the run to end", waitTimeout, func() bool { return asked.Load() == 1 && !h.wb.cmp.running })
				if hasDialog(h.wb.win) {
					t.Errorf("a dialog was shown: %q", overlayTexts(h.wb.win))
				}
				return
			}
			txt := overlayTexts(h.wb.win)
			if !strings.Contains(txt, "burned-in annotations") || !strings.Contains(txt, "gpu-box:11434") {
				t.Fatalf("no burned-in warning naming the server: %q", txt)
			}
			if asked.Load() != 0 {
				t.Fatal("the pixels were sent before the user answered")
			}
			test.Tap(overlayButton(t, h.wb.win, "Cancel"))
			if asked.Load() != 0 || h.wb.cmp.running {
				t.Fatal("Cancel sent the pixels")
			}
			test.Tap(h.first().runButton)
			test.Tap(overlayButton(t, h.wb.win, "Send"))
			h.waitFor("the run to end", waitTimeout, func() bool { return asked.Load() == 1 && !h.wb.cmp.running })
			// Asked once per image.
			test.Tap(h.first().runButton)
			h.waitFor("the second run to end", waitTimeout, func() bool { return asked.Load() == 2 && !h.wb.cmp.running })
			if hasDialog(h.wb.win) {
				t.Errorf("asked again for the same image: %q", overlayTexts(h.wb.win))
			}
		})
	}
}

func TestErrorMessageMasksCredentials(t *testing.T) {
	err := errors.New(`attach to http://alice:hunter2@gpu-box:11434: Get "http://alice:hunter2@gpu-box:11434/api/version": connection refused`)
	got := errorMessage(err)
	if strings.Contains(got, "hunter2") || strings.Contains(got, "alice") {
		t.Errorf("dialog text keeps the credentials: %q", got)
	}
	if !strings.HasPrefix(got, "Attach to http://REDACTED@gpu-box:11434") {
		t.Errorf("dialog text = %q", got)
	}
}
