package recipe

import (
	"errors"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

func TestParseBoxes(t *testing.T) {
	answer := "The right sternoclavicular joint lies medially, above the aortic knob [see image].\n\n" +
		"Final Answer: ```json\n[{\"box_2d\": [120, 380, 210, 470], \"label\": \"right sternoclavicular joint\"}]\n```"
	boxes, err := ParseBoxes(answer)
	if err != nil || len(boxes) != 1 || boxes[0].Box2D != [4]float64{120, 380, 210, 470} || boxes[0].Label != "right sternoclavicular joint" {
		t.Fatalf("boxes %+v, %v", boxes, err)
	}
	// A bare list after reasoning, two boxes.
	boxes, err = ParseBoxes(`Reasoning… [{"box_2d":[1,2,3,4],"label":"a"},{"box_2d":[10,20,30,40],"label":"b"}] done`)
	if err != nil || len(boxes) != 2 || boxes[1].Label != "b" {
		t.Fatalf("bare list: %+v, %v", boxes, err)
	}
	if _, err := ParseBoxes("I cannot see a joint."); !errors.Is(err, ErrNoBoxes) {
		t.Errorf("no boxes: %v", err)
	}
	if _, err := ParseBoxes(`Final Answer: [{"box_2d":[500,10,400,20],"label":"upside"}]`); err == nil || !strings.Contains(err.Error(), "y0 < y1") {
		t.Errorf("corners out of order: %v", err)
	}
	if _, err := ParseBoxes(`Final Answer: [{"box_2d":[0,10,1200,20],"label":"far"}]`); err == nil || !strings.Contains(err.Error(), "outside 0–1000") {
		t.Errorf("out of range: %v", err)
	}
}

// TestMapBox: the same answer on portrait, landscape and square sources,
// padded (as the localization recipe sends them) and stretched.
func TestMapBox(t *testing.T) {
	centre := Box{Box2D: [4]float64{250, 250, 750, 750}, Label: "c"}
	for _, c := range []struct {
		name string
		p    core.Image
		b    Box
		want core.Box
	}{
		{"portrait pad", core.Image{SourceWidth: 200, SourceHeight: 400, Fit: "pad"}, centre, core.Box{X0: 0, Y0: 100, X1: 200, Y1: 300}},
		{"landscape pad", core.Image{SourceWidth: 400, SourceHeight: 200, Fit: "pad"}, centre, core.Box{X0: 100, Y0: 0, X1: 300, Y1: 200}},
		{"square pad", core.Image{SourceWidth: 300, SourceHeight: 300, Fit: "pad"}, centre, core.Box{X0: 75, Y0: 75, X1: 225, Y1: 225}},
		{"portrait stretch", core.Image{SourceWidth: 200, SourceHeight: 400, Fit: "stretch"}, centre, core.Box{X0: 50, Y0: 100, X1: 150, Y1: 300}},
		{"landscape stretch", core.Image{SourceWidth: 400, SourceHeight: 200, Fit: "stretch"}, centre, core.Box{X0: 100, Y0: 50, X1: 300, Y1: 150}},
		// Odd padding: 2140×1760 (the CR test file) has 380 rows of
		// padding, 190 above.
		{"CR pad top-left", core.Image{SourceWidth: 2140, SourceHeight: 1760, Fit: "pad"}, Box{Box2D: [4]float64{100, 0, 200, 500}},
			core.Box{X0: 0, Y0: 24, X1: 1070, Y1: 238}},
		// A box in the padding clips to the image.
		{"in the padding", core.Image{SourceWidth: 200, SourceHeight: 400, Fit: "pad"}, Box{Box2D: [4]float64{0, 0, 100, 200}},
			core.Box{X0: 0, Y0: 0, X1: 0, Y1: 40}},
		// A region (400,300)+(200×400) of a bigger frame: the box maps
		// into the region, then moves to its corner.
		{"region", core.Image{SourceWidth: 200, SourceHeight: 400, Fit: "pad", SourceX: 400, SourceY: 300}, centre,
			core.Box{X0: 400, Y0: 400, X1: 600, Y1: 600}},
	} {
		got := MapBox(c.b, 0, c.p)
		c.want.Label, c.want.Box2D = c.b.Label, c.b.Box2D
		if got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}
