package batch

import (
	"encoding/json"
	"regexp"
)

// Box2D is a box as MedGemma's localization prompts ask for it: "box_2d":
// [y0, x0, y1, x1], each 0–1000 of the recipe's square model input.
type Box2D [4]float64

// box2DRE finds the "box_2d": [y0, x0, y1, x1] of an answer, wherever it
// is (a ```json block, a "Final Answer:" list, plain text).
var box2DRE = regexp.MustCompile(`"box_2d"\s*:\s*(\[[^\[\]]*\])`)

// ParseBox2D reads every well-formed box_2d of a text: four numbers in
// 0–1000 with y0 < y1 and x0 < x1 (boxes otherwise are left out). The
// answer of an iou item holds its reference boxes the same way
// (`[{"box_2d": [y0, x0, y1, x1], "label": "…"}]`).
func ParseBox2D(s string) []Box2D {
	var out []Box2D
	for _, m := range box2DRE.FindAllStringSubmatch(s, -1) {
		var v []float64
		if json.Unmarshal([]byte(m[1]), &v) != nil || len(v) != 4 {
			continue
		}
		b := Box2D{v[0], v[1], v[2], v[3]}
		if b.valid() {
			out = append(out, b)
		}
	}
	return out
}

func (b Box2D) valid() bool {
	for _, v := range b {
		if v < 0 || v > 1000 {
			return false
		}
	}
	return b[0] < b[2] && b[1] < b[3]
}

func (b Box2D) area() float64 { return (b[2] - b[0]) * (b[3] - b[1]) }

// IoU is the intersection over union of two boxes (0 when they do not
// overlap).
func (b Box2D) IoU(o Box2D) float64 {
	h := min(b[2], o[2]) - max(b[0], o[0])
	w := min(b[3], o[3]) - max(b[1], o[1])
	if h <= 0 || w <= 0 {
		return 0
	}
	inter := h * w
	return inter / (b.area() + o.area() - inter)
}

// BoxIoU scores predicted boxes against reference boxes: the mean over
// the reference boxes of each one's best IoU with any predicted box (0
// with no predicted box). Labels are not compared.
func BoxIoU(pred, refs []Box2D) float64 {
	if len(refs) == 0 {
		return 0
	}
	s := 0.0
	for _, r := range refs {
		best := 0.0
		for _, p := range pred {
			best = max(best, r.IoU(p))
		}
		s += best
	}
	return s / float64(len(refs))
}
