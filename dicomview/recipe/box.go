package recipe

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

// Box is one localization answer: [y0, x0, y1, x1] on 0–1000 of the
// square the model saw, and its label.
type Box struct {
	Box2D [4]float64 `json:"box_2d"`
	Label string     `json:"label"`
}

// Rect is a rectangle in source pixels (X0, Y0 the top-left corner; X1,
// Y1 exclusive), clipped to the image.
type Rect struct {
	X0, Y0, X1, Y1 float64
	Label          string
}

// ParseBoxes reads the boxes of a localization answer: the JSON list after
// "Final Answer:" when there is one, else the last ```json … ``` block,
// else the last [...] list of objects in the text. Thinking text has
// already been removed by the client. Boxes whose corners are out of
// order or outside 0–1000 are reported, not silently fixed.
func ParseBoxes(answer string) ([]Box, error) {
	for _, cand := range boxCandidates(answer) {
		var boxes []Box
		if err := json.Unmarshal([]byte(cand), &boxes); err != nil || len(boxes) == 0 {
			continue
		}
		for i, b := range boxes {
			y0, x0, y1, x1 := b.Box2D[0], b.Box2D[1], b.Box2D[2], b.Box2D[3]
			for _, v := range b.Box2D {
				if v < 0 || v > 1000 || math.IsNaN(v) {
					return nil, fmt.Errorf("box %d (%q): coordinate %g outside 0–1000", i+1, b.Label, v)
				}
			}
			if !(y0 < y1 && x0 < x1) {
				return nil, fmt.Errorf("box %d (%q): [%g, %g, %g, %g] is not [y0, x0, y1, x1] with y0 < y1 and x0 < x1", i+1, b.Label, y0, x0, y1, x1)
			}
		}
		return boxes, nil
	}
	return nil, ErrNoBoxes
}

// boxCandidates lists the texts that may hold the box list, most likely
// first.
func boxCandidates(s string) []string {
	var out []string
	if i := strings.LastIndex(s, "Final Answer:"); i >= 0 {
		out = append(out, listIn(s[i+len("Final Answer:"):])...)
	}
	if i := strings.LastIndex(s, "```json"); i >= 0 {
		rest := s[i+len("```json"):]
		if j := strings.Index(rest, "```"); j >= 0 {
			rest = rest[:j]
		}
		out = append(out, strings.TrimSpace(rest))
	}
	return append(out, listIn(s)...)
}

// listIn returns the first balanced [...] in s that starts a list of
// objects.
func listIn(s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		if s[i] != '[' {
			continue
		}
		j := i + 1
		for j < len(s) && (s[j] == ' ' || s[j] == '\n' || s[j] == '\t' || s[j] == '\r') {
			j++
		}
		if j >= len(s) || s[j] != '{' {
			continue
		}
		depth := 0
		for k := i; k < len(s); k++ {
			switch s[k] {
			case '[':
				depth++
			case ']':
				depth--
				if depth == 0 {
					out = append(out, s[i:k+1])
					return out
				}
			}
		}
	}
	return out
}

// MapBox maps b from 0–1000 of the model's square back to the source
// image of placement p: with FitPad the square is the source padded to
// max(width, height) with the padding split as Google's notebook pads (⌊d/2⌋
// before, the rest after); with FitStretch each axis scales on its own.
func MapBox(b Box, p Placement) Rect {
	y0, x0, y1, x1 := b.Box2D[0]/1000, b.Box2D[1]/1000, b.Box2D[2]/1000, b.Box2D[3]/1000
	w, h := float64(p.Width), float64(p.Height)
	var r Rect
	if p.Fit == dicomview.FitStretch {
		r = Rect{X0: x0 * w, Y0: y0 * h, X1: x1 * w, Y1: y1 * h}
	} else {
		side := math.Max(w, h)
		left := math.Floor((side - w) / 2)
		top := math.Floor((side - h) / 2)
		r = Rect{X0: x0*side - left, Y0: y0*side - top, X1: x1*side - left, Y1: y1*side - top}
	}
	clip := func(v, hi float64) float64 { return math.Min(math.Max(v, 0), hi) }
	r.X0, r.X1 = clip(r.X0, w), clip(r.X1, w)
	r.Y0, r.Y1 = clip(r.Y0, h), clip(r.Y1, h)
	r.Label = b.Label
	return r
}
