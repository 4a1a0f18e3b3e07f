package ui

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

func TestModelLabel(t *testing.T) {
	tests := []struct {
		m    core.Model
		want string
	}{
		{core.Model{Name: "medgemma:4b"}, "medgemma:4b"},
		{core.Model{Name: core.DemoModelName, Demo: true}, "demo-medgemma-arch — random weights — output is noise"},
	}
	for _, tt := range tests {
		t.Run(tt.m.Name, func(t *testing.T) {
			if got := modelLabel(tt.m); got != tt.want {
				t.Errorf("modelLabel = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStatsText(t *testing.T) {
	full := core.Result{
		EvalCount: 128, EvalDuration: 4 * time.Second, FirstToken: 1500 * time.Millisecond, DoneReason: "stop",
	}
	tests := []struct {
		name   string
		runID  int64
		res    core.Result
		status core.Status
		want   string
	}{
		{"ok", 42, full, core.StatusOK, "run 42 · 128 tokens · 32.0 tokens/s · first token 1.50 s · done: stop"},
		{"repeat limit", 43, core.Result{EvalCount: 136, EvalDuration: 4 * time.Second, DoneReason: core.DoneRepeatLimit}, core.StatusOK,
			"run 43 · 136 tokens · 34.0 tokens/s · stopped: the runtime ends an answer after 31 identical tokens"},
		{"cancelled", 7, core.Result{FirstToken: 80 * time.Millisecond}, core.StatusCancelled, "cancelled · run 7 · first token 80 ms"},
		{"error before a run", 0, core.Result{}, core.StatusError, "error"},
		{"nothing known", 0, core.Result{}, core.StatusOK, "done"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := statsText(tt.runID, tt.res, tt.status); got != tt.want {
				t.Errorf("statsText = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRunStatus(t *testing.T) {
	tests := []struct {
		name      string
		res       core.Result
		err       bool
		cancelled bool
		want      core.Status
	}{
		{"ok", core.Result{Status: core.StatusOK}, false, false, core.StatusOK},
		{"backend says cancelled", core.Result{Status: core.StatusCancelled}, false, false, core.StatusCancelled},
		{"context cancelled", core.Result{}, true, true, core.StatusCancelled},
		{"error", core.Result{}, true, false, core.StatusError},
		{"result error", core.Result{Status: core.StatusError}, false, false, core.StatusError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.err {
				err = errTest
			}
			if tt.cancelled {
				err = fmt.Errorf("ask: %w", context.Canceled)
			}
			if got := runStatus(tt.res, err); got != tt.want {
				t.Errorf("runStatus = %q, want %q", got, tt.want)
			}
		})
	}
}

type testError struct{}

func (testError) Error() string { return "test error" }

var errTest error = testError{}

func TestStateText(t *testing.T) {
	tests := []struct {
		name string
		s    core.State
		want string
	}{
		{"unknown", core.State{}, "Runtime: unknown"},
		{"ready", core.State{Mode: "attached", Phase: "ready", URL: "http://127.0.0.1:11434", Version: "0.17.4"},
			"Runtime (attached): ready · http://127.0.0.1:11434 · Ollama 0.17.4"},
		{"failed", core.State{Mode: "managed", Phase: "failed", Restarts: 3, Err: "ollama exited: signal: killed"},
			"Runtime (managed): failed · 3 restarts · error: ollama exited: signal: killed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stateText(tt.s, nil, statusLine); got != tt.want {
				t.Errorf("stateText = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestImageInfo(t *testing.T) {
	im := &dicomview.Image{Path: "/data/study/4.dcm", Modality: "CR", Width: 2048, Height: 2500, Frames: 1, Photometric: "MONOCHROME2"}
	if got, want := imageInfo(im), "4.dcm · CR · 2048×2500 · MONOCHROME2"; got != want {
		t.Errorf("imageInfo = %q, want %q", got, want)
	}
	im = &dicomview.Image{Path: "cine.dcm", Width: 64, Height: 64, Frames: 10}
	if got, want := imageInfo(im), "cine.dcm · 64×64 · 10 frames"; got != want {
		t.Errorf("imageInfo = %q, want %q", got, want)
	}
}

func TestShortSHA(t *testing.T) {
	if got := shortSHA("0123456789abcdef0123"); got != "0123456789ab" {
		t.Errorf("shortSHA = %q", got)
	}
	if got := shortSHA("abc"); got != "abc" {
		t.Errorf("shortSHA = %q", got)
	}
}

func TestParseOptions(t *testing.T) {
	seven, half := 7, 0.5
	for _, tc := range []struct {
		max, temp, seed string
		want            core.Options
		bad             bool
	}{
		{"1024", "", "", core.Options{NumPredict: 1024}, false},
		{" 64 ", "0.5", "7", core.Options{NumPredict: 64, Temperature: &half, Seed: &seven}, false},
		{"0", "", "", core.Options{}, true},
		{"lots", "", "", core.Options{}, true},
		{"10", "hot", "", core.Options{}, true},
		{"10", "3", "", core.Options{}, true},
		{"10", "", "1.5", core.Options{}, true},
	} {
		got, err := parseOptions(tc.max, tc.temp, tc.seed)
		if (err != nil) != tc.bad {
			t.Errorf("parseOptions(%q,%q,%q) err = %v, bad = %v", tc.max, tc.temp, tc.seed, err, tc.bad)
			continue
		}
		if tc.bad {
			continue
		}
		if got.NumPredict != tc.want.NumPredict || !reflect.DeepEqual(got.Temperature, tc.want.Temperature) || !reflect.DeepEqual(got.Seed, tc.want.Seed) {
			t.Errorf("parseOptions(%q,%q,%q) = %+v, want %+v", tc.max, tc.temp, tc.seed, got, tc.want)
		}
	}
}
