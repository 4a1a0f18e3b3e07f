package core

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestBurnInRisk(t *testing.T) {
	tests := []struct {
		info StudyInfo
		want bool
	}{
		{StudyInfo{Modality: "CR", BurnedInAnnotation: "YES"}, true},
		{StudyInfo{Modality: "US", BurnedInAnnotation: "NO"}, false},
		{StudyInfo{Modality: "US"}, true},
		{StudyInfo{Modality: "SC"}, true},
		{StudyInfo{Modality: "OT"}, true},
		{StudyInfo{Modality: "CT"}, false},
		{StudyInfo{Modality: "MR", BurnedInAnnotation: " yes "}, true},
	}
	for _, tt := range tests {
		if got := tt.info.BurnInRisk(); got != tt.want {
			t.Errorf("%+v.BurnInRisk() = %v, want %v", tt.info, got, tt.want)
		}
	}
}

func TestImportSpecValidate(t *testing.T) {
	for _, s := range []ImportSpec{
		{GGUF: "a.gguf"},
		{Name: "x"},
		{Name: "x", GGUF: "a", Safetensors: "b"},
		{Name: "x", GGUF: "a", Quantize: "q2"},
	} {
		if err := s.Validate(); err == nil {
			t.Errorf("%+v: no error", s)
		}
	}
	if err := (ImportSpec{Name: "x", Safetensors: "d", Quantize: "q4_K_M"}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestLoadedProcessor(t *testing.T) {
	for _, tc := range []struct {
		size, vram int64
		want       string
	}{{100, 0, "100% CPU"}, {100, 100, "100% GPU"}, {100, 52, "48%/52% CPU/GPU"}} {
		if got := (Loaded{Size: tc.size, SizeVRAM: tc.vram}).Processor(); got != tc.want {
			t.Errorf("Processor(%d, %d) = %q, want %q", tc.size, tc.vram, got, tc.want)
		}
	}
}

// TestRuntimeMode: each mode's name reads back as the mode, and its
// spelling is what the status line and the log have always printed.
func TestRuntimeMode(t *testing.T) {
	for _, c := range []struct {
		mode RuntimeMode
		name string
	}{
		{RuntimeManaged, "managed"},
		{RuntimeAttached, "attached"},
	} {
		if got := c.mode.String(); got != c.name {
			t.Errorf("String() = %q, want %q", got, c.name)
		}
		if got, err := ParseRuntimeMode(c.name); err != nil || got != c.mode {
			t.Errorf("ParseRuntimeMode(%q) = %q, %v", c.name, got, err)
		}
	}
	for _, bad := range []string{"", "attach", "Managed", "none"} {
		if m, err := ParseRuntimeMode(bad); err == nil {
			t.Errorf("ParseRuntimeMode(%q) = %q, want an error", bad, m)
		}
	}
}

// TestMeasurementKindNames: a measurement's kind reads back from the name
// it prints and is kept under in the run log; another name is an error.
func TestMeasurementKindNames(t *testing.T) {
	for _, k := range MeasurementKinds {
		got, err := ParseMeasurementKind(k.String())
		if err != nil || got != k {
			t.Errorf("%q: %q, %v", k, got, err)
		}
		b, _ := json.Marshal(Measurement{Kind: k})
		if !strings.Contains(string(b), `"kind":"`+k.String()+`"`) {
			t.Errorf("%q in JSON: %s", k, b)
		}
	}
	if _, err := ParseMeasurementKind("circle"); err == nil || !strings.Contains(err.Error(), "rectangle, ellipse, length or arrow") {
		t.Errorf("circle: %v", err)
	}
}
