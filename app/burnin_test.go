package app

import (
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// TestBurnInWarning checks that images that may carry burned-in
// annotations are warned about only when they go to another machine, in
// one line without credentials or file names.
func TestBurnInWarning(t *testing.T) {
	us := inference.Image{Source: "Doe^Jane.dcm", Path: "/d/Doe^Jane.dcm", Study: dicomview.StudyInfo{Modality: "US"}}
	yes := inference.Image{Study: dicomview.StudyInfo{Modality: "CT", BurnedInAnnotation: "YES"}}
	ct := inference.Image{Study: dicomview.StudyInfo{Modality: "CT"}}
	for _, tc := range []struct {
		name   string
		server string
		images []inference.Image
		warn   bool
	}{
		{"ultrasound to a remote endpoint", "http://bob:secret@gpu:8000/v1", []inference.Image{us}, true},
		{"YES to an attached Ollama", "http://10.1.2.3:11434", []inference.Image{ct, yes}, true},
		{"ultrasound to this machine", "http://127.0.0.1:11434", []inference.Image{us}, false},
		{"managed runtime", "", []inference.Image{us}, false},
		{"CT without the flag, remote", "http://gpu:8000/v1", []inference.Image{ct}, false},
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
