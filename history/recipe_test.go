package history

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestRunRecipeProvenance: a run keeps its recipe, image labels and boxes,
// and history filters by recipe.
func TestRunRecipeProvenance(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	img := testImage(t, 7, "cxr.dcm")
	if err := s.PutImage(ctx, img); err != nil {
		t.Fatal(err)
	}
	ref := core.RecipeRef{Name: "medgemma-1.5-cxr-localize", Version: "1", Hash: "0123456789ab"}
	boxes := []core.Box{{Image: 0, X0: 10, Y0: 20, X1: 110, Y1: 220, Label: "right lung", Box2D: [4]float64{10, 5, 100, 50}}}
	with := core.Run{StartedAt: time.Now(), Model: "m", Prompt: "Where?", ImageSHA256: []string{img.SHA256}, Status: core.StatusOK,
		Recipe: ref, RecipeJSON: `{"name":"medgemma-1.5-cxr-localize"}`, ImageLabels: []string{"image"}, Boxes: boxes}
	id, err := s.SaveRun(ctx, &with)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveRun(ctx, &core.Run{StartedAt: time.Now(), Model: "m", Prompt: "plain", Status: core.StatusOK}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Run(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Recipe != ref || got.RecipeJSON != with.RecipeJSON || !reflect.DeepEqual(got.ImageLabels, with.ImageLabels) || !reflect.DeepEqual(got.Boxes, boxes) {
		t.Errorf("round trip: recipe %+v %q labels %v boxes %+v", got.Recipe, got.RecipeJSON, got.ImageLabels, got.Boxes)
	}
	runs, err := s.Search(ctx, core.Filter{Recipe: ref.Name})
	if err != nil || len(runs) != 1 || runs[0].ID != id {
		t.Errorf("filter by recipe: %d runs, %v", len(runs), err)
	}
}

// TestFinishRunKeepsBoxesAndSchemaVerdict: a run begun and then finished
// (as the workbench logs one) keeps the boxes read from its answer and
// whether the answer fit its schema.
func TestFinishRunKeepsBoxesAndSchemaVerdict(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	r := &core.Run{StartedAt: time.Now(), Model: "m", Prompt: "Where?", Status: core.StatusRunning, SchemaHash: "abcdef012345"}
	id, err := s.BeginRun(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	r.ID, r.Status, r.Output = id, core.StatusOK, "Final Answer: [...]"
	r.Boxes = []core.Box{{X0: 1, Y0: 2, X1: 3, Y1: 4, Label: "apex"}}
	no := false
	r.SchemaValid, r.SchemaError = &no, "answer does not fit its schema: at '/answer': value must be one of 'yes', 'no'"
	if err := s.FinishRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.Run(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Boxes) != 1 || got.Boxes[0].Label != "apex" || got.SchemaValid == nil || *got.SchemaValid || got.SchemaError != r.SchemaError || got.SchemaHash != "abcdef012345" {
		t.Errorf("finished run: boxes %+v, schema %v %q %q", got.Boxes, got.SchemaValid, got.SchemaError, got.SchemaHash)
	}
}
