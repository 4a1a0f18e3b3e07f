package ui

import (
	"context"
	"fmt"
	"image"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// buildTimeout bounds the wait for a recipe's 85 inputs: each is resized
// to 896×896 and encoded as PNG, and under the race detector on a busy
// machine that takes minutes.
const buildTimeout = 5 * time.Minute

// ctFolder writes a synthetic CT of n slices (as dicomview/recipe's tests
// do: values sweeping −1124…1175 HU) and returns its folder.
func ctFolder(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	vol := dicomtest.Volume{
		Modality: "CT", Slices: n, Rows: 40, Cols: 48,
		StudyUID: "2.25.100", SeriesUID: "2.25.101", StudyDate: "20240105",
		Intercept: -1024, Slope: 1,
		Value: func(x, y, z int) int16 { return int16((x*37+y*53+z*11)%2300 - 100) },
	}
	if _, err := vol.Write(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// chooseRecipe shows the model's-eye tab and picks recipe name once the
// recipes are listed.
func (h *harness) chooseRecipe(name string) *modelsEye {
	h.t.Helper()
	e := h.wb.pane.eye
	h.wb.pane.tabs.Select(h.wb.pane.eyeTab)
	h.waitFor("the recipes", waitTimeout, func() bool { return e.recipes[name] != nil })
	e.recipeSelect.SetSelected(name)
	return e
}

// recorder is a fake Ask that keeps the requests and answers answer.
type recorder struct {
	mu     sync.Mutex
	reqs   []core.Request
	answer string
}

func (r *recorder) ask(ctx context.Context, req core.Request, onChunk func(string)) (int64, core.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
	onChunk(r.answer)
	return int64(len(r.reqs)), core.Result{Status: core.StatusOK, Output: r.answer}, nil
}

func (r *recorder) last() core.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reqs[len(r.reqs)-1]
}

// TestModelsEyeRecipeCT: the CT recipe on a 300-slice CT shows its 85
// slices with their labels, the controls show the recipe's encoding, fit
// and slices; Run sends the recipe's request (the column's prompt laid
// out after 85 labelled placeholders); Rendered prompt shows each image's
// tag with its label and hash; fewer slices send fewer; plain comes back
// as it was.
func TestModelsEyeRecipeCT(t *testing.T) {
	rec := &recorder{answer: "No liver lesion."}
	fake := &fakeBackend{models: []core.Model{{Name: testModel}}, ask: rec.ask}
	h := newHarness(t, fake)
	h.openAndWait(ctFolder(t, 300))
	e := h.chooseRecipe("medgemma-1.5-ct")
	if e.slicesEntry.Text != "85" || e.slicesEntry.Disabled() || !e.encodingSelect.Disabled() || !e.fitSelect.Disabled() ||
		e.encodingSelect.Selected != recipe.EncodeWindows || e.fitSelect.Selected != "stretch" {
		t.Errorf("controls: slices %q (disabled %v), encoding %q (disabled %v), fit %q (disabled %v)",
			e.slicesEntry.Text, e.slicesEntry.Disabled(), e.encodingSelect.Selected, e.encodingSelect.Disabled(), e.fitSelect.Selected, e.fitSelect.Disabled())
	}
	h.waitFor("85 recipe inputs", buildTimeout, func() bool { return !e.busy && e.built != nil && len(e.inputs) == 85 })
	for i, in := range e.inputs {
		if want := fmt.Sprintf("SLICE %d", i+1); in.Label != want || in.Image.Label != want || in.img == nil {
			t.Fatalf("input %d: label %q (image %q), want %q", i, in.Label, in.Image.Label, want)
		}
	}
	if len(e.grid.Objects) != 85 {
		t.Errorf("grid of %d, want 85", len(e.grid.Objects))
	}
	// Both stages of each input: the notebook's JPEG, then the 896×896
	// input; and which order, codec and resize the recipe used.
	caption := e.grid.Objects[84].(*fyne.Container).Objects[1].(*widget.Label).Text
	last := e.inputs[84].Image
	if last.CodecSHA256 == "" || caption != "SLICE 85\njpeg "+shortSHA(last.CodecSHA256)+" → "+shortSHA(last.SHA256) {
		t.Errorf("last caption %q", caption)
	}
	if !strings.Contains(e.info.Text, "medgemma-1.5-ct v2") || !strings.Contains(e.info.Text, "85 images") || !strings.Contains(e.info.Text, "stretch") ||
		!strings.Contains(e.info.Text, "as Google's notebook: InstanceNumber order, JPEG q75, bilinear") {
		t.Errorf("info %q", e.info.Text)
	}

	// Run sends what the model's eye shows, laid out by the recipe.
	h.waitForModel(testModel)
	h.first().promptEntry.SetText("Is there a liver lesion?")
	test.Tap(h.first().runButton)
	h.waitFor("the run to end", waitTimeout, func() bool { return !h.wb.cmp.running && len(rec.reqs) == 1 })
	req := rec.last()
	if n := strings.Count(req.Prompt, core.ImagePlaceholder); n != 85 || len(req.Images) != 85 {
		t.Fatalf("sent %d placeholders, %d images; want 85 each", n, len(req.Images))
	}
	if !strings.HasPrefix(req.Prompt, "You are an instructor teaching medical students.") ||
		!strings.HasSuffix(req.Prompt, core.ImagePlaceholder+"SLICE 85Is there a liver lesion?") ||
		!strings.Contains(req.Prompt, core.ImagePlaceholder+"SLICE 1"+core.ImagePlaceholder+"SLICE 2"+core.ImagePlaceholder) {
		t.Errorf("prompt not laid out by the recipe: %.120q … %q", req.Prompt, req.Prompt[len(req.Prompt)-60:])
	}
	for i, im := range req.Images {
		if im.SHA256 != e.inputs[i].Image.SHA256 || im.Label != e.inputs[i].Label {
			t.Fatalf("image %d: %s %q, want the model's eye's %s %q", i, im.SHA256, im.Label, e.inputs[i].Image.SHA256, e.inputs[i].Label)
		}
	}
	if req.Recipe.Name != "medgemma-1.5-ct" || req.RecipeJSON == "" || req.System != defaultSystem {
		t.Errorf("request recipe %+v (JSON %d bytes), system %q", req.Recipe, len(req.RecipeJSON), req.System)
	}
	if o := req.Options; o.NumCtx < 85*recipe.ImageTokens || o.Temperature == nil || *o.Temperature != 0 || o.NumPredict != 2000 {
		t.Errorf("options %+v: want the recipe's num_ctx, greedy decoding and 2000 new tokens (Max tokens untouched)", o)
	}

	// Rendered prompt: the request the first column sends, each tag
	// followed by its image's label and hash.
	test.Tap(e.recipeButton("Rendered prompt…"))
	var text string
	h.waitFor("the rendered prompt", waitTimeout, func() bool {
		var ok bool
		text, ok = h.wb.cmp.renderedShown()
		return ok
	})
	fake.mu.Lock()
	rendered := fake.rendered
	fake.mu.Unlock()
	if len(rendered) != 1 || rendered[0].Prompt != req.Prompt || len(rendered[0].Images) != 85 {
		t.Fatalf("RenderPrompt asked %d times, prompt equal to the run's %v", len(rendered), len(rendered) == 1 && rendered[0].Prompt == req.Prompt)
	}
	for _, want := range []string{
		"[img-0]⟨SLICE 1, " + shortSHA(req.Images[0].SHA256) + "…⟩\n\nSLICE 1",
		"[img-84]⟨SLICE 85, " + shortSHA(req.Images[84].SHA256) + "…⟩\n\nSLICE 85Is there a liver lesion?",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered text lacks %q", want)
		}
	}
	if strings.Count(text, "⟩") != 85 || !hasDialog(h.wb.Window()) {
		t.Errorf("rendered text has %d image notes, dialog shown %v", strings.Count(text, "⟩"), hasDialog(h.wb.Window()))
	}

	// Fewer slices; more than the recipe's 85 is refused.
	e.slicesEntry.SetText("10")
	h.waitFor("10 recipe inputs", waitTimeout, func() bool { return !e.busy && len(e.inputs) == 10 && e.inputsFor.n == 10 })
	if e.inputs[9].Label != "SLICE 10" {
		t.Errorf("last of 10: %q", e.inputs[9].Label)
	}
	e.slicesEntry.SetText("86")
	if !strings.Contains(e.info.Text, "1 to 85") {
		t.Errorf("86 slices: info %q", e.info.Text)
	}

	// Another modality's recipe refuses the CT, naming the file.
	e.recipeSelect.SetSelected("medgemma-1.5-mr")
	h.waitFor("the MR recipe's refusal", waitTimeout, func() bool { return !e.busy && strings.Contains(e.info.Text, "is for MR") })
	e.recipeSelect.SetSelected("medgemma-1.5-cxr-longitudinal")
	h.waitFor("the longitudinal recipe's message", waitTimeout, func() bool { return !e.busy && strings.Contains(e.info.Text, "two studies") })
	if !strings.Contains(e.info.Text, "--recipe medgemma-1.5-cxr-longitudinal") {
		t.Errorf("longitudinal: info %q does not say how to run it", e.info.Text)
	}

	// Plain again: its controls, one image, a request without a recipe.
	e.recipeSelect.SetSelected(recipe.Plain)
	if e.slicesEntry.Text != "1" || e.encodingSelect.Disabled() || e.encodingSelect.Selected != "display" || e.fitSelect.Selected != "pad" {
		t.Errorf("plain: slices %q, encoding %q (disabled %v), fit %q", e.slicesEntry.Text, e.encodingSelect.Selected, e.encodingSelect.Disabled(), e.fitSelect.Selected)
	}
	h.waitFor("the plain input", waitTimeout, func() bool { return !e.busy && len(e.inputs) == 1 && e.built == nil })
	test.Tap(h.first().runButton)
	h.waitFor("the plain run", waitTimeout, func() bool { return !h.wb.cmp.running && len(rec.reqs) == 2 })
	if req := rec.last(); req.Recipe.Name != "" || req.Prompt != "Is there a liver lesion?" || len(req.Images) != 1 || req.Images[0].SHA256 != e.inputs[0].Prepared.SHA256 {
		t.Errorf("plain request: recipe %+v, prompt %q, %d images", req.Recipe, req.Prompt, len(req.Images))
	}
}

// localizeAnswer is a synthetic answer of the localization recipe: two
// boxes on 0–1000 of the padded square.
const localizeAnswer = "The joint lies medially.\n\nFinal Answer: ```json\n" +
	`[{"box_2d": [250, 250, 750, 750], "label": "centre"}, {"box_2d": [600, 600, 850, 700], "label": "lower right"}]` + "\n```"

// TestLocalizeBoxesOnViewer: a run of the localization recipe draws the
// answer's boxes on the viewer in the radiograph's pixels; choosing
// another recipe clears them.
func TestLocalizeBoxesOnViewer(t *testing.T) {
	dir := t.TempDir()
	vol := dicomtest.Volume{Modality: "CR", Slices: 1, Rows: 400, Cols: 200, StudyUID: "2.25.300", SeriesUID: "2.25.301",
		StudyDate: "20240301", Value: func(x, y, z int) int16 { return int16(x + y) }}
	if _, err := vol.Write(dir); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{answer: localizeAnswer}
	fake := &fakeBackend{models: []core.Model{{Name: testModel}}, ask: rec.ask}
	h := newHarness(t, fake)
	h.openAndWait(dir)
	e := h.chooseRecipe("medgemma-1.5-cxr-localize")
	h.waitFor("the localization input", waitTimeout, func() bool { return !e.busy && e.built != nil && len(e.inputs) == 1 })
	if e.slicesEntry.Text != "1" || !e.slicesEntry.Disabled() || e.encodingSelect.Selected != recipe.EncodeRadiograph {
		t.Errorf("controls: slices %q (disabled %v), encoding %q", e.slicesEntry.Text, e.slicesEntry.Disabled(), e.encodingSelect.Selected)
	}
	h.waitForModel(testModel)
	h.first().promptEntry.SetText("")
	test.Tap(h.first().runButton)
	h.waitFor("the run to end", waitTimeout, func() bool { return !h.wb.cmp.running && len(rec.reqs) == 1 })
	req := rec.last()
	if !req.Boxes || !strings.Contains(req.Prompt, "Where is the Right sternoclavicular joint?") {
		t.Errorf("request boxes %v, prompt %.80q…: want the recipe's default prompt", req.Boxes, req.Prompt)
	}
	got := h.wb.pane.viewer.Boxes()
	want := []core.Box{{X0: 0, Y0: 100, X1: 200, Y1: 300, Label: "centre"}, {X0: 140, Y0: 240, X1: 180, Y1: 340, Label: "lower right"}}
	if len(got) != 2 {
		t.Fatalf("viewer boxes %+v, want 2", got)
	}
	for i := range want {
		g := got[i]
		if g.X0 != want[i].X0 || g.Y0 != want[i].Y0 || g.X1 != want[i].X1 || g.Y1 != want[i].Y1 || g.Label != want[i].Label {
			t.Errorf("box %d: %+v, want %+v", i, g, want[i])
		}
	}
	if !strings.Contains(h.first().stats.Text, "2 boxes on the image") {
		t.Errorf("stats %q", h.first().stats.Text)
	}
	e.recipeSelect.SetSelected(recipe.Plain)
	if b := h.wb.pane.viewer.Boxes(); b != nil {
		t.Errorf("after choosing plain the viewer still draws %d boxes", len(b))
	}
}

// TestViewerBoxesGolden: the same synthetic answer mapped (pad fit) onto a
// portrait, a landscape and a square image lands on the expected source
// rectangles, drawn over each image.
func TestViewerBoxesGolden(t *testing.T) {
	test.NewTempApp(t)
	var viewers []fyne.CanvasObject
	for _, c := range []struct {
		name string
		w, h int
		want [2][4]float64 // X0, Y0, X1, Y1 of each box
	}{
		{"portrait", 200, 400, [2][4]float64{{0, 100, 200, 300}, {140, 240, 180, 340}}},
		{"landscape", 400, 200, [2][4]float64{{100, 0, 300, 200}, {240, 140, 280, 200}}},
		{"square", 300, 300, [2][4]float64{{75, 75, 225, 225}, {180, 180, 210, 255}}},
	} {
		req := core.Request{Boxes: true, Images: []core.Image{{SourceWidth: c.w, SourceHeight: c.h, Fit: "pad"}}}
		boxes, err := recipe.Boxes(req, localizeAnswer)
		if err != nil || len(boxes) != 2 {
			t.Fatalf("%s: %d boxes, %v", c.name, len(boxes), err)
		}
		for i, b := range boxes {
			if got := [4]float64{b.X0, b.Y0, b.X1, b.Y1}; got != c.want[i] {
				t.Errorf("%s box %d (%s): %v, want %v", c.name, i, b.Label, got, c.want[i])
			}
		}
		img := image.NewGray(image.Rect(0, 0, c.w, c.h))
		for y := range c.h {
			for x := range c.w {
				img.Pix[y*img.Stride+x] = uint8(60 + (x+y)*120/(c.w+c.h))
			}
		}
		v := NewViewer("")
		v.SetImage(img)
		v.SetBoxes(boxes, c.w, c.h)
		viewers = append(viewers, v)
	}
	assertGoldenImage(t, "viewer_boxes.png", container.NewGridWithColumns(3, viewers...), fyne.NewSize(720, 240))
}

func TestRenderedText(t *testing.T) {
	req := core.Request{Model: testModel, Images: []core.Image{
		{Label: "prior", SHA256: strings.Repeat("a", 64), Source: "1.dcm"},
		{SHA256: strings.Repeat("b", 64), Source: "2.dcm"},
	}}
	rd := core.Rendered{Prompt: "<start_of_turn>user\n[img-0] then [img-1] and [img-7]", Images: 2, Order: []int{0, 1}}
	want := "<start_of_turn>user\n[img-0]⟨prior, aaaaaaaaaaaa…⟩ then [img-1]⟨2.dcm, bbbbbbbbbbbb…⟩ and [img-7]"
	if got := renderedText(req, rd); got != want {
		t.Errorf("renderedText:\n got %q\nwant %q", got, want)
	}
	if s := renderedSummary(req, rd); !strings.Contains(s, "2 images") || !strings.Contains(s, "Nothing was generated") || strings.Contains(s, "placed") {
		t.Errorf("summary %q", s)
	}
	rd.Order = []int{0}
	if s := renderedSummary(req, rd); !strings.Contains(s, "placed 2 of 2 images (1 tags)") {
		t.Errorf("summary of a short rendering %q", s)
	}
}
