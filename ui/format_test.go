package ui

import (
	"reflect"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

func TestModelLabel(t *testing.T) {
	tests := []struct {
		m    inference.Model
		want string
	}{
		{inference.Model{Name: "medgemma:4b"}, "medgemma:4b"},
		{inference.Model{Name: inference.DemoModelName, Demo: true}, "demo-medgemma-arch — random weights — output is noise"},
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
	full := inference.Result{
		EvalCount: 128, EvalDuration: 4 * time.Second, FirstToken: 1500 * time.Millisecond, DoneReason: "stop",
	}
	tests := []struct {
		name   string
		runID  int64
		res    inference.Result
		status inference.Status
		want   string
	}{
		{"ok", 42, full, inference.StatusOK, "run 42 · 128 tokens · 32.0 tokens/s · first token 1.50 s · done: stop"},
		{"cancelled", 7, inference.Result{FirstToken: 80 * time.Millisecond}, inference.StatusCancelled, "cancelled · run 7 · first token 80 ms"},
		{"error before a run", 0, inference.Result{}, inference.StatusError, "error"},
		{"nothing known", 0, inference.Result{}, inference.StatusOK, "done"},
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
		res       inference.Result
		err       bool
		cancelled bool
		want      inference.Status
	}{
		{"ok", inference.Result{Status: inference.StatusOK}, false, false, inference.StatusOK},
		{"backend says cancelled", inference.Result{Status: inference.StatusCancelled}, false, false, inference.StatusCancelled},
		{"context cancelled", inference.Result{}, true, true, inference.StatusCancelled},
		{"error", inference.Result{}, true, false, inference.StatusError},
		{"result error", inference.Result{Status: inference.StatusError}, false, false, inference.StatusError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.err {
				err = errTest
			}
			if got := runStatus(tt.res, err, tt.cancelled); got != tt.want {
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
		s    inference.State
		want string
	}{
		{"unknown", inference.State{}, "Runtime: unknown"},
		{"ready", inference.State{Mode: "attached", Phase: "ready", URL: "http://127.0.0.1:11434", Version: "0.17.4"},
			"Runtime (attached): ready · http://127.0.0.1:11434 · Ollama 0.17.4"},
		{"failed", inference.State{Mode: "managed", Phase: "failed", Restarts: 3, Err: "ollama exited: signal: killed"},
			"Runtime (managed): failed · 3 restarts · error: ollama exited: signal: killed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stateText(tt.s); got != tt.want {
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
		want            inference.Options
		bad             bool
	}{
		{"1024", "", "", inference.Options{NumPredict: 1024}, false},
		{" 64 ", "0.5", "7", inference.Options{NumPredict: 64, Temperature: &half, Seed: &seven}, false},
		{"0", "", "", inference.Options{}, true},
		{"lots", "", "", inference.Options{}, true},
		{"10", "hot", "", inference.Options{}, true},
		{"10", "3", "", inference.Options{}, true},
		{"10", "", "1.5", inference.Options{}, true},
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
