package assets

import (
	"bytes"
	"image/png"
	"testing"
)

func TestEmbeddedFilesParse(t *testing.T) {
	if len(Presets()) < 5 {
		t.Errorf("want the CT presets, got %d", len(Presets()))
	}
	if p, ok := PresetByName("CT-LUNG"); !ok || p.Center != -600 || p.Width != 1500 {
		t.Errorf("PresetByName(CT-LUNG) = %+v, %v", p, ok)
	}
	ts := Templates()
	if len(ts) == 0 || ts[0].System != DefaultSystemPrompt {
		t.Errorf("templates: %+v", ts)
	}
	img, err := png.Decode(bytes.NewReader(Icon.Content()))
	if err != nil {
		t.Fatalf("icon: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 256 || b.Dx() != b.Dy() {
		t.Errorf("icon is %v, want square ≥256", b)
	}
}
