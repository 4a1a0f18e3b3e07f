package evalchart

import (
	"image/color"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

func TestChartDrawsBarsAndIntervals(t *testing.T) {
	rep := core.EvalReport{Resamples: 2000, Seed: 1, Groups: []core.EvalGroup{
		{Prompt: "direct", Model: "m1", Metric: core.MetricMCQ, N: 10, Score: 0.5, Low: 0.2, High: 0.8},
		{Prompt: "direct", Model: "m2", Metric: core.MetricMCQ, N: 10, Score: 1, Low: 1, High: 1},
	}}
	img := Draw(rep)
	b := img.Bounds()
	count := func(c color.RGBA) int {
		n := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if img.RGBAAt(x, y) == c {
					n++
				}
			}
		}
		return n
	}
	// Bar areas: 0.5 × 400 px × 14 px for the first model, 1 × 400 × 14
	// for the second (less where the whisker crosses the bar).
	if n := count(palette[0]); n < 190*14 || n > 200*14 {
		t.Errorf("first bar has %d pixels, want about %d", n, 200*14)
	}
	if n := count(palette[1]); n < 390*14 || n > 400*14 {
		t.Errorf("second bar has %d pixels, want about %d", n, 400*14)
	}
}
