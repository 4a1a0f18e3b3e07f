package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// ctSeries writes a synthetic 300-slice CT series (HU −1124…1175).
func ctSeries(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	v := dicomtest.Volume{Modality: "CT", Slices: n, Rows: 40, Cols: 48, StudyUID: "2.25.300", SeriesUID: "2.25.301",
		StudyDate: "20240105", Intercept: -1024, Slope: 1,
		Value: func(x, y, z int) int16 { return int16((x*37+y*53+z*11)%2300 - 100) }}
	if _, err := v.Write(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestAskCTRecipeRenderOnlyAndRun is issue 14's check on the real runtime
// with the demo model: the CT recipe's prompt as the runtime renders it is
// the instruction, then 85 image tags each followed by "SLICE i" in slice
// order, then the query; the real run counts at least 85 × 256 prompt
// tokens within its num_ctx, and history keeps the recipe and the labels.
func TestAskCTRecipeRenderOnlyAndRun(t *testing.T) {
	dir := demoDataDir(t)
	ct := ctSeries(t, 300)
	common := []string{"--data-dir", dir, "--model", core.DemoModelName, "--recipe", "medgemma-1.5-ct", "--image", ct,
		"--prompt", "Is there a liver lesion?"}
	out, err := runCLI(append([]string{"ask", "--render-only", "--json"}, common...)...)
	if err != nil {
		t.Fatal(err)
	}
	var rd struct {
		Prompt string `json:"prompt"`
		Images []struct {
			Tag, Label, SHA256 string
		} `json:"images"`
		NumCtx int `json:"num_ctx"`
	}
	if err := json.Unmarshal([]byte(out), &rd); err != nil {
		t.Fatalf("render-only --json printed %.300q: %v", out, err)
	}
	user := rd.Prompt[strings.Index(rd.Prompt, "<start_of_turn>user\n")+len("<start_of_turn>user\n"):]
	if !strings.HasPrefix(user, "You are an instructor teaching medical students. You are analyzing a contiguous block of CT slices") {
		t.Fatalf("the user turn should open with the instruction: %.200q", user)
	}
	tags := regexp.MustCompile(`\[img-(\d+)\]SLICE (\d+)`).FindAllStringSubmatch(user, -1)
	if len(tags) != 85 || len(rd.Images) != 85 {
		t.Fatalf("%d image tags followed by a label, %d images; want 85", len(tags), len(rd.Images))
	}
	for i, m := range tags {
		if m[1] != fmt.Sprint(i) || m[2] != fmt.Sprint(i+1) {
			t.Fatalf("tag %d is %q", i, m[0])
		}
	}
	last := strings.LastIndex(user, "SLICE 85")
	if q := strings.Index(user, "Is there a liver lesion?"); q < last || !strings.HasSuffix(strings.TrimSpace(user[:strings.Index(user, "<end_of_turn>")]), "Is there a liver lesion?") {
		t.Errorf("the query should close the turn, after the last slice: %.120q", user[last:])
	}
	if rd.NumCtx < 85*256 {
		t.Errorf("render-only num_ctx %d", rd.NumCtx)
	}

	// The run itself (a few tokens: the demo model's answer is noise).
	a := ask(t, append(common, "--num-predict", "4")...)
	t.Logf("85-slice run: %d prompt tokens, %d ms, %d images", a.PromptEvalCount, a.TotalDurationMS, len(a.ImageSHA256))
	if a.Status != "ok" || a.PromptEvalCount < 85*256 {
		t.Fatalf("run %+v: want ok with ≥ %d prompt tokens", a, 85*256)
	}
	h := openHistory(t, dir)
	run, err := h.Run(context.Background(), a.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Options.NumCtx < a.PromptEvalCount+4 {
		t.Errorf("num_ctx %d does not fit %d prompt tokens and the answer", run.Options.NumCtx, a.PromptEvalCount)
	}
	if run.Recipe.Name != "medgemma-1.5-ct" || run.Recipe.Version != "2" || len(run.Recipe.Hash) != 12 || run.RecipeJSON == "" ||
		len(run.ImageLabels) != 85 || run.ImageLabels[84] != "SLICE 85" || len(run.ImageSHA256) != 85 {
		t.Errorf("history: recipe %+v, %d labels, %d images", run.Recipe, len(run.ImageLabels), len(run.ImageSHA256))
	}
	// Both stages are in the run log: each slice's JPEG, then its input.
	for i, sha := range []string{run.ImageSHA256[0], run.ImageSHA256[84]} {
		info, err := h.ImageInfo(context.Background(), sha)
		if err != nil || info.Codec != "jpeg q75" || len(info.CodecSHA256) != 64 || info.CodecSHA256 == sha {
			t.Errorf("image %d: codec %q %q, %v", i, info.Codec, info.CodecSHA256, err)
		}
	}
	shown, err := runCLI("--data-dir", dir, "history", "show", fmt.Sprint(a.RunID), "--json")
	var hs struct {
		Codecs []string `json:"image_codec_sha256"`
	}
	if err != nil || json.Unmarshal([]byte(shown), &hs) != nil || len(hs.Codecs) != 85 || len(hs.Codecs[0]) != 64 {
		t.Errorf("history show --json: %d codec hashes, %v", len(hs.Codecs), err)
	}
	if runs, err := h.Search(context.Background(), core.Filter{Recipe: "medgemma-1.5-ct"}); err != nil || len(runs) != 1 {
		t.Errorf("history filtered by recipe: %d runs, %v", len(runs), err)
	}
}

// TestPrepareRecipeAndRecipesCommands: prepare --recipe writes the exact
// images in order with a JSON line each; recipes list and show name the
// built-ins; a bad recipe name and a wrong modality are bad input.
func TestPrepareRecipeAndRecipesCommands(t *testing.T) {
	ct := ctSeries(t, 30)
	out := t.TempDir()
	got, err := runCLI("prepare", ct, "--recipe", "medgemma-1.5-ct", "--out-dir", out, "--json")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != 30 {
		t.Fatalf("%d JSON lines for a 30-slice series, want 30", len(lines))
	}
	var first, last struct {
		Index       int    `json:"index"`
		File        string `json:"file"`
		Label       string `json:"label"`
		SHA256      string `json:"sha256"`
		Slice       int    `json:"slice"`
		Codec       string `json:"codec"`
		CodecSHA256 string `json:"codec_sha256"`
	}
	json.Unmarshal([]byte(lines[0]), &first)
	json.Unmarshal([]byte(lines[29]), &last)
	if first.Label != "SLICE 1" || last.Label != "SLICE 30" || filepath.Base(last.File) != "image-030.png" || last.Slice != 30 {
		t.Errorf("lines %+v … %+v", first, last)
	}
	// The notebook's JPEG step is in each line, then the 896×896 PNG.
	if first.Codec != "jpeg q75" || len(first.CodecSHA256) != 64 || first.CodecSHA256 == first.SHA256 {
		t.Errorf("codec step %q %q", first.Codec, first.CodecSHA256)
	}
	// The version a run logged stays reachable.
	if old, err := runCLI("recipes", "show", "medgemma-1.5-ct@1"); err != nil || !strings.Contains(old, "medgemma-1.5-ct v1") ||
		!strings.Contains(old, "no codec step (lossless)") {
		t.Errorf("recipes show medgemma-1.5-ct@1: %v\n%s", err, old)
	}
	if b, err := os.ReadFile(first.File); err != nil || len(b) == 0 {
		t.Errorf("image file: %v", err)
	}
	list, err := runCLI("recipes", "list")
	if err != nil || !strings.Contains(list, "medgemma-1.5-cxr-localize") || !strings.Contains(list, "plain") {
		t.Errorf("recipes list: %v\n%s", err, list)
	}
	show, err := runCLI("recipes", "show", "medgemma-ct-serving-windows")
	if err != nil || !strings.Contains(show, "[135, 215]") || !strings.Contains(show, "generic_dicom_handler.py") {
		t.Errorf("recipes show: %v\n%s", err, show)
	}
	if _, err := runCLI("recipes", "show", "nope"); ExitCode(err) != 2 {
		t.Errorf("unknown recipe: exit %d (%v)", ExitCode(err), err)
	}
	cr := dicomtest.File(t, "4.dcm")
	_, err = runCLI("prepare", cr, "--recipe", "medgemma-1.5-ct", "--out-dir", t.TempDir())
	if ExitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), "is for CT") || !strings.Contains(fmt.Sprint(err), cr) {
		t.Errorf("CT recipe on a CR: exit %d, %v", ExitCode(err), err)
	}
}

// TestBatchPromptNamesRecipe: a prompts file may name a recipe; its rows
// carry the recipe and the laid-out prompt with one placeholder a slice,
// its key differs from the same template without the recipe, and a
// second run resumes (nothing sent again). An unknown recipe is refused
// before anything runs, naming the prompt.
func TestBatchPromptNamesRecipe(t *testing.T) {
	dir := demoDataDir(t)
	work := t.TempDir()
	ct := ctSeries(t, 6)
	manifest := filepath.Join(work, "manifest.jsonl")
	os.WriteFile(manifest, []byte(fmt.Sprintf(`{"id": "ct1", "images": [%q], "question": "Is there a liver lesion?"}`+"\n", ct)), 0o600)
	prompts := filepath.Join(work, "prompts.yaml")
	os.WriteFile(prompts, []byte("prompts:\n  - name: ct\n    recipe: medgemma-1.5-ct\n    template: \"{{question}}\"\n  - name: plain\n    template: \"{{question}}\"\n"), 0o600)
	out := filepath.Join(work, "out.jsonl")
	args := []string{"--data-dir", dir, "batch", "--manifest", manifest, "--prompts", prompts, "--model", core.DemoModelName,
		"--num-predict", "2", "--out", out}
	if _, err := runCLI(args...); err != nil {
		t.Fatal(err)
	}
	rows := consistentRows(t, out)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	var withRecipe, plain map[string]any
	for _, r := range rows {
		b, _ := json.Marshal(r)
		var m map[string]any
		json.Unmarshal(b, &m)
		if m["prompt_name"] == "ct" {
			withRecipe = m
		} else {
			plain = m
		}
	}
	if withRecipe == nil || plain == nil {
		t.Fatalf("rows %v", rows)
	}
	rec, _ := withRecipe["recipe"].(map[string]any)
	prompt, _ := withRecipe["prompt"].(string)
	if rec["name"] != "medgemma-1.5-ct" || strings.Count(prompt, "[img]") != 6 || !strings.Contains(prompt, "[img]SLICE 6Is there a liver lesion?") ||
		len(withRecipe["image_sha256"].([]any)) != 6 || withRecipe["status"] != "ok" {
		t.Errorf("recipe row: recipe %v, status %v, prompt %.120q", rec, withRecipe["status"], prompt)
	}
	if plain["recipe"] != nil || withRecipe["key"] == plain["key"] {
		t.Errorf("plain row recipe %v; keys %v %v", plain["recipe"], withRecipe["key"], plain["key"])
	}
	if _, err := runCLI(args...); err != nil {
		t.Fatal(err)
	}
	if n := len(consistentRows(t, out)); n != 2 {
		t.Errorf("a second run wrote %d rows in all, want 2 (resumed)", n)
	}
	os.WriteFile(prompts, []byte("prompts:\n  - name: ct\n    recipe: no-such-recipe\n    template: \"{{question}}\"\n"), 0o600)
	_, err := runCLI(append(args[:len(args)-1], filepath.Join(work, "out2.jsonl"))...)
	if ExitCode(err) != 2 || !strings.Contains(fmt.Sprint(err), `prompt "ct"`) || !strings.Contains(fmt.Sprint(err), "no-such-recipe") {
		t.Errorf("unknown recipe: exit %d, %v", ExitCode(err), err)
	}
}

// TestAskLongitudinalPicksPriorByDate: two radiographs of one patient given
// current first; the run sends the prior (earlier StudyDate) first, as
// prepare --recipe lists them, and history labels them prior and current.
func TestAskLongitudinalPicksPriorByDate(t *testing.T) {
	dir := demoDataDir(t)
	study := func(date string, base int16) string {
		d := t.TempDir()
		v := dicomtest.Volume{Modality: "CR", Slices: 1, Rows: 120, Cols: 100, StudyUID: "2.25.7" + date, SeriesUID: "2.25.8" + date,
			StudyDate: date, Value: func(x, y, z int) int16 { return base + int16(x+y) }}
		if _, err := v.Write(d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	current, prior := study("20250610", 900), study("20240102", 100)
	out, err := runCLI("prepare", current, prior, "--recipe", "medgemma-1.5-cxr-longitudinal", "--out-dir", t.TempDir(), "--json")
	if err != nil {
		t.Fatal(err)
	}
	var shas []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m struct{ SHA256, Label string }
		json.Unmarshal([]byte(l), &m)
		shas = append(shas, m.SHA256)
		if want := []string{"prior", "current"}[len(shas)-1]; m.Label != want {
			t.Errorf("image %d labelled %q, want %q", len(shas), m.Label, want)
		}
	}
	a := ask(t, "--data-dir", dir, "--model", core.DemoModelName, "--recipe", "medgemma-1.5-cxr-longitudinal",
		"--image", current, "--image", prior, "--num-predict", "2")
	if len(a.ImageSHA256) != 2 || a.ImageSHA256[0] != shas[0] || a.ImageSHA256[1] != shas[1] {
		t.Fatalf("sent %v, prepare listed %v", a.ImageSHA256, shas)
	}
	run, err := openHistory(t, dir).Run(context.Background(), a.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.ImageLabels) != 2 || run.ImageLabels[0] != "prior" || !strings.HasPrefix(run.Prompt, "Compare the two above images") {
		t.Errorf("history: labels %v, prompt %.60q", run.ImageLabels, run.Prompt)
	}
	// The prior's source is the older study: its pixels are darker.
	if run.SourcePaths[0] == "" || !strings.HasPrefix(run.SourcePaths[0], prior) {
		t.Errorf("first image from %s, want the prior study %s", run.SourcePaths[0], prior)
	}
}
