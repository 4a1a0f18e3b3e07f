package inference

import (
	"context"
	"encoding/json"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestRenderPlacesImagesAtPlaceholders: on the real runtime, a prompt with
// [img] placeholders gets each image where its placeholder stands, in
// order; without placeholders the images come before the text.
func TestRenderPlacesImagesAtPlaceholders(t *testing.T) {
	_, c := demoRuntime(t)
	ctx := context.Background()
	im := crImage(t)
	req := core.Request{Model: core.DemoModelName, Prompt: "Instruction.[img]SLICE 1[img]SLICE 2Question?", Images: []core.Image{im, im}}
	r, err := c.Render(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	i0, i1 := strings.Index(r.Prompt, "Instruction.[img-0]SLICE 1[img-1]SLICE 2Question?"), strings.Index(r.Prompt, "<start_of_turn>user")
	if r.Images != 2 || i0 < 0 || i1 < 0 || i1 > i0 || !slices.Equal(r.Order, []int{0, 1}) {
		t.Fatalf("rendered %q (%d images, order %v)", r.Prompt, r.Images, r.Order)
	}
	req.Prompt = "Describe."
	r, err = c.Render(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Prompt, "[img-0][img-1]Describe.") {
		t.Errorf("without placeholders the images should come first: %q", r.Prompt)
	}
}

// TestScoreChoicesOnRuntime: on the real runtime, each constrained answer
// comes back with its tokens' log-probabilities, and the choices'
// probabilities sum to 1; a schema constrains a normal answer to fit.
func TestScoreChoicesOnRuntime(t *testing.T) {
	_, c := demoRuntime(t)
	ctx := context.Background()
	req := core.Request{Model: core.DemoModelName, Prompt: "Is there a pneumothorax? Answer yes or no.", Images: []core.Image{crImage(t)}}
	probs, err := c.ScoreChoices(ctx, req, []string{"yes", "no"})
	if err != nil {
		t.Fatal(err)
	}
	if s := probs["yes"] + probs["no"]; math.Abs(s-1) > 1e-9 || probs["yes"] <= 0 || probs["no"] <= 0 {
		t.Errorf("probabilities %v", probs)
	}
	req.Schema = []byte(`{"type":"object","properties":{"answer":{"type":"string","enum":["yes","no"]}},"required":["answer"]}`)
	req.Options.NumPredict = 40
	res, err := c.Chat(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Answer string }
	if err := json.Unmarshal([]byte(res.Output), &v); err != nil || (v.Answer != "yes" && v.Answer != "no") {
		t.Errorf("constrained answer %q: %v", res.Output, err)
	}
}
