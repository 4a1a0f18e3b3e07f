package app

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestBurnInWarning checks that images that may carry burned-in
// annotations are warned about only when they go to another machine, in
// one line without credentials or file names.
func TestBurnInWarning(t *testing.T) {
	us := core.Image{Source: "Doe^Jane.dcm", Path: "/d/Doe^Jane.dcm", Study: core.StudyInfo{Modality: "US"}}
	yes := core.Image{Study: core.StudyInfo{Modality: "CT", BurnedInAnnotation: "YES"}}
	ct := core.Image{Study: core.StudyInfo{Modality: "CT"}}
	for _, tc := range []struct {
		name   string
		server string
		images []core.Image
		warn   bool
	}{
		{"ultrasound to a remote endpoint", "http://bob:secret@gpu:8000/v1", []core.Image{us}, true},
		{"YES to an attached Ollama", "http://10.1.2.3:11434", []core.Image{ct, yes}, true},
		{"ultrasound to this machine", "http://127.0.0.1:11434", []core.Image{us}, false},
		{"managed runtime", "", []core.Image{us}, false},
		{"CT without the flag, remote", "http://gpu:8000/v1", []core.Image{ct}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := burnInWarning(tc.server, tc.images)
			if (w != "") != tc.warn {
				t.Fatalf("warning %q, want one: %v", w, tc.warn)
			}
			if w == "" {
				return
			}
			if !strings.Contains(w, "burned-in annotations") || strings.Contains(w, "\n") ||
				strings.Contains(w, "secret") || strings.Contains(w, "Doe") {
				t.Errorf("warning %q", w)
			}
		})
	}
}

// TestRerunKeepsBurnInFlag: a rerun sends the stored PNG, which has no
// attributes; the logged run's burned-in flag carries over to the rerun.
func TestRerunKeepsBurnInFlag(t *testing.T) {
	dir := demoDataDir(t)
	img := filepath.Join(t.TempDir(), "burned.dcm")
	data, err := os.ReadFile(dicomtest.File(t, "3.dcm"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(img, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("dcmodify", "-nb", "-i", "(0028,0301)=YES", img).CombinedOutput(); err != nil {
		t.Fatalf("dcmodify: %v\n%s", err, out)
	}
	first := ask(t, "--data-dir", dir, "--model", core.DemoModelName, "--image", img, "--prompt", "Describe.", "--num-predict", "4")
	again := ask(t, "--data-dir", dir, "--rerun", fmt.Sprint(first.RunID), "--num-predict", "4")
	h := openHistory(t, dir)
	for _, id := range []int64{first.RunID, again.RunID} {
		run, err := h.Run(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !run.BurnInRisk {
			t.Errorf("run %d is not flagged as possibly burned in", id)
		}
	}
}
