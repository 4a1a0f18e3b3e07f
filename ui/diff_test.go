package ui

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestWordDiff(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want []diffOp
	}{
		{"both empty", "", "", nil},
		{"same", "no acute findings", "no  acute\nfindings", []diffOp{{diffSame, "no acute findings"}}},
		{"all added", "", "clear lungs", []diffOp{{diffAdded, "clear lungs"}}},
		{"all removed", "clear lungs", "", []diffOp{{diffRemoved, "clear lungs"}}},
		{"one word changed", "The lungs are clear.", "The lungs are hyperinflated.",
			[]diffOp{{diffSame, "The lungs are"}, {diffRemoved, "clear."}, {diffAdded, "hyperinflated."}}},
		{"insertion in the middle", "no pleural effusion", "no large pleural effusion",
			[]diffOp{{diffSame, "no"}, {diffAdded, "large"}, {diffSame, "pleural effusion"}}},
		{"deletion at the start", "Impression: normal chest", "normal chest",
			[]diffOp{{diffRemoved, "Impression:"}, {diffSame, "normal chest"}}},
		{"case matters", "Normal", "normal", []diffOp{{diffRemoved, "Normal"}, {diffAdded, "normal"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wordDiff(tt.a, tt.b)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("wordDiff(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			// Keeping the same and removed words gives a; same and added, b.
			var a, b []string
			for _, op := range got {
				if op.Kind != diffAdded {
					a = append(a, op.Text)
				}
				if op.Kind != diffRemoved {
					b = append(b, op.Text)
				}
			}
			if strings.Join(a, " ") != strings.Join(strings.Fields(tt.a), " ") || strings.Join(b, " ") != strings.Join(strings.Fields(tt.b), " ") {
				t.Errorf("the runs do not rebuild the texts: %v", got)
			}
		})
	}
}

func TestStability(t *testing.T) {
	tests := []struct {
		name      string
		answers   []string
		identical int
		overlap   float64
	}{
		{"none", nil, 0, 1},
		{"one", []string{"clear"}, 1, 1},
		{"all identical", []string{"no findings", "no findings ", "no findings"}, 3, 1},
		{"two of three", []string{"a b c d", "a b c d", "a b x y"}, 2, (1 + 0.5 + 0.5) / 3},
		{"all different", []string{"a", "b"}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			identical, overlap := stability(tt.answers)
			if identical != tt.identical || math.Abs(overlap-tt.overlap) > 1e-9 {
				t.Errorf("stability(%q) = %d, %.3f; want %d, %.3f", tt.answers, identical, overlap, tt.identical, tt.overlap)
			}
		})
	}
	if got, want := stabilityText([]string{"x", "x", "y"}), "2 of 3 identical · mean word overlap 0.33"; got != want {
		t.Errorf("stabilityText = %q, want %q", got, want)
	}
}

func TestDiffSummary(t *testing.T) {
	got := diffSummary(wordDiff("the lungs are clear", "the lungs are not clear today"))
	if want := "4 words shared · 0 removed · 2 added"; got != want {
		t.Errorf("diffSummary = %q, want %q", got, want)
	}
}
