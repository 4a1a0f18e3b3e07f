package recipe

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// Box is one localization answer: [y0, x0, y1, x1] on 0–1000 of the
// square the model saw, and its label.
type Box struct {
	Box2D [4]float64 `json:"box_2d"`
	Label string     `json:"label"`
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

// MapBox maps b, an answer about the k-th image im of a request, from
// 0–1000 of the model's square back to the source frame's pixels: with
// fit "pad" the square is the source padded to max(width, height), the
// padding split as Google's notebook pads (⌊d/2⌋ before, the rest after);
// with "stretch" each axis scales on its own. The result is clipped to
// the image.
func MapBox(b Box, k int, im core.Image) core.Box {
	y0, x0, y1, x1 := b.Box2D[0]/1000, b.Box2D[1]/1000, b.Box2D[2]/1000, b.Box2D[3]/1000
	w, h := float64(im.SourceWidth), float64(im.SourceHeight)
	out := core.Box{Image: k, Label: b.Label, Box2D: b.Box2D}
	if im.Fit == dicomview.FitStretch.String() {
		out.X0, out.Y0, out.X1, out.Y1 = x0*w, y0*h, x1*w, y1*h
	} else {
		side := math.Max(w, h)
		left := math.Floor((side - w) / 2)
		top := math.Floor((side - h) / 2)
		out.X0, out.Y0, out.X1, out.Y1 = x0*side-left, y0*side-top, x1*side-left, y1*side-top
	}
	clip := func(v, hi float64) float64 { return math.Min(math.Max(v, 0), hi) }
	// Clipped to the region the image shows, then moved to its corner.
	ox, oy := float64(im.SourceX), float64(im.SourceY)
	out.X0, out.X1 = clip(out.X0, w)+ox, clip(out.X1, w)+ox
	out.Y0, out.Y1 = clip(out.Y0, h)+oy, clip(out.Y1, h)+oy
	return out
}

// Boxes reads the localization boxes of an answer to req (whose first
// image they are about) in source pixels; none when the request asked for
// none or the answer holds none.
func Boxes(req core.Request, answer string) ([]core.Box, error) {
	if !req.Boxes || len(req.Images) == 0 {
		return nil, nil
	}
	bs, err := ParseBoxes(answer)
	if err != nil {
		return nil, err
	}
	out := make([]core.Box, len(bs))
	for i, b := range bs {
		out[i] = MapBox(b, 0, req.Images[0])
	}
	return out, nil
}
