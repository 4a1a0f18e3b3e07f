package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// TestAskRerunPins pins what ask --rerun takes from the logged run and
// what from the flags given (fillRerun), without the runtime: the request
// each command line makes, as JSON (images by their SHA-256), compared
// with testdata/pins/rerun.txt, written before fillRerun was split.
func TestAskRerunPins(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	h, err := history.Open(filepath.Join(dir, "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	seed, temp := 5, 0.3
	localize, err := recipe.Open("").Get("medgemma-1.5-cxr-localize")
	if err != nil {
		t.Fatal(err)
	}
	rj, _ := json.Marshal(localize)
	ids := map[string]int64{}
	for _, r := range []core.Run{
		{Model: "m1", System: "sys", Prompt: "old prompt", PromptVersion: "abcd1234abcd",
			Options: core.Options{Seed: &seed, Temperature: &temp, NumPredict: 8, NumCtx: 4096}},
		{Model: "m1", Prompt: "where is the heart?", PromptVersion: "0123456789ab", Recipe: localize.Ref(), RecipeJSON: string(rj)},
		{Model: "m1", Prompt: "structured", PromptVersion: "fedcba987654", SchemaHash: "0badc0ffee00"},
	} {
		r.StartedAt, r.FinishedAt, r.Status = time.Unix(1700000000, 0), time.Unix(1700000001, 0), core.StatusOK
		id, err := h.SaveRun(ctx, &r)
		if err != nil {
			t.Fatal(err)
		}
		ids[fmt.Sprint(len(ids)+1)] = id
	}
	schema := filepath.Join(dir, "s.json")
	os.WriteFile(schema, []byte(`{"type":"object","properties":{"finding":{"type":"string"}}}`), 0o600)
	cr := dicomtest.File(t, "4.dcm")
	s := &Services{cfg: Config{DataDir: dir}, history: h}
	var got strings.Builder
	for _, args := range [][]string{
		{"--rerun", "1"},
		{"--rerun", "1", "--prompt", "new prompt"},
		{"--rerun", "1", "--system", "new system"},
		{"--rerun", "1", "--model", "m2"},
		{"--rerun", "1", "--seed", "9", "--temperature", "0.9"},
		{"--rerun", "1", "--num-predict", "3", "--num-ctx", "2048"},
		{"--rerun", "1", "--schema", "$S"},
		{"--rerun", "1", "--image", "$CR"},
		{"--rerun", "2"},
		{"--rerun", "2", "--prompt", "where is the liver?"},
		{"--rerun", "2", "--prompt", "where is the liver?", "--image", "$CR"},
		{"--rerun", "3"},
		{"--rerun", "3", "--system", "s"},
		{"--rerun", "99"},
	} {
		var expanded []string
		for _, a := range args {
			expanded = append(expanded, strings.NewReplacer("$S", schema, "$CR", cr).Replace(a))
		}
		c := &cli{cfg: Config{DataDir: dir}, stdout: &strings.Builder{}, stderr: &strings.Builder{}}
		f, fs, req, err := c.parseAsk(expanded)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		err = s.fillRerun(ctx, f.rerun, &req, fs)
		fmt.Fprintf(&got, "== %s\nexit %d\n", strings.Join(args, " "), ExitCode(err))
		if err != nil {
			fmt.Fprintf(&got, "error: %s\n", strings.ReplaceAll(err.Error(), dir, "$D"))
			continue
		}
		var shas []string
		for _, im := range req.Images {
			shas = append(shas, im.SHA256)
		}
		req.Images = nil
		req.RecipeJSON = fmt.Sprintf("%d bytes", len(req.RecipeJSON))
		b, _ := json.Marshal(struct {
			core.Request
			Images []string
		}{req, shas})
		fmt.Fprintf(&got, "%s\n", b)
	}
	golden := filepath.Join("testdata", "pins", "rerun.txt")
	if *updatePins {
		os.WriteFile(golden, []byte(got.String()), 0o644)
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("%s:\n got:\n%s\nwant:\n%s", golden, got.String(), want)
	}
}
