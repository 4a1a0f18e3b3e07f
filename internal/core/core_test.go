package core

import "testing"

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
