package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
)

// TestServicesRecipes: the window's recipe list is the built-ins and the
// user's files in DATA_DIR/recipes; a file that does not load is named in
// the error and the others are still offered.
func TestServicesRecipes(t *testing.T) {
	cfg := Config{DataDir: t.TempDir()}
	dir := recipesDir(cfg)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mine := `{"name":"my-cxr","version":"1","images":{"from":"each","max":1},"encoding":{"kind":"radiograph","fit":"pad"},"prompt":{"layout":"images-first","default":"Findings?"}}`
	os.WriteFile(filepath.Join(dir, "mine.json"), []byte(mine), 0o600)
	os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{"name":"broken"`), 0o600)
	s := &Services{cfg: cfg}
	rs, err := s.Recipes(context.Background())
	if err == nil || !strings.Contains(err.Error(), "broken.json") {
		t.Errorf("Recipes error %v, want one naming broken.json", err)
	}
	var names []string
	for _, r := range rs {
		names = append(names, r.Name)
	}
	if len(rs) != 10 || names[0] != "medgemma-1.5-ct" || names[9] != "my-cxr" || !strings.Contains(strings.Join(names, " "), "plain") {
		t.Errorf("recipes %v: want the 9 built-ins, then my-cxr", names)
	}
}

// TestServicesSaveDeleteRecipe: the recipe editor's SaveRecipe writes a
// valid recipe as DATA_DIR/recipes/NAME.json (the folder made 0700, the
// file 0600) and recipe.Open lists it; a second save replaces it; broken
// JSON, a bad or escaping name and a built-in's name are refused and
// write nothing; DeleteRecipe removes the user's file and refuses a
// built-in and an unknown name.
func TestServicesSaveDeleteRecipe(t *testing.T) {
	ctx := context.Background()
	cfg := Config{DataDir: t.TempDir()}
	s := &Services{cfg: cfg}
	dir := recipesDir(cfg)
	mine := func(name, version string) []byte {
		return []byte(`{"name":"` + name + `","version":"` + version + `","images":{"from":"each","max":1},` +
			`"encoding":{"kind":"radiograph","fit":"pad"},"prompt":{"layout":"images-first","default":"Findings?"}}`)
	}

	r, err := s.SaveRecipe(ctx, mine("my-cxr", "1"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "my-cxr.json")
	if r.Name != "my-cxr" || r.File != file {
		t.Errorf("saved %q in %q, want my-cxr in %s", r.Name, r.File, file)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700 | os.ModeDir, file: 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode() != want {
			t.Errorf("%s: mode %v (%v), want %v", path, fi.Mode(), err, want)
		}
	}
	if data, _ := os.ReadFile(file); string(data) != string(mine("my-cxr", "1")) {
		t.Errorf("file holds %q", data)
	}
	got, err := recipe.Open(dir).Get("my-cxr")
	if err != nil || got.File != file || got.Hash() != r.Hash() {
		t.Fatalf("recipe.Open: %+v, %v", got, err)
	}

	// Saving the name again replaces the file.
	if _, err := s.SaveRecipe(ctx, mine("my-cxr", "2")); err != nil {
		t.Fatal(err)
	}
	if got, _ := recipe.Open(dir).Get("my-cxr"); got == nil || got.Version != "2" {
		t.Errorf("after the second save: %+v", got)
	}

	for _, tc := range []struct {
		name, data, want string
	}{
		{"broken JSON", `{"name":"x"`, "unexpected EOF"},
		{"invalid field", strings.Replace(string(mine("bad-fit", "1")), `"pad"`, `"zoom"`, 1), "encoding.fit"},
		{"text after the recipe", string(mine("trailing", "1")) + " {}", "closing brace"},
		{"upper case", string(mine("Mine", "1")), "name"},
		{"escaping the folder", string(mine("../../evil", "1")), "name"},
		{"a separator", string(mine("a/b", "1")), "name"},
		{"a built-in's name", string(mine("medgemma-1.5-ct", "1")), "built-in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.SaveRecipe(ctx, []byte(tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("SaveRecipe: %v, want an error with %q", err, tc.want)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "my-cxr.json" {
		t.Errorf("recipes folder holds %v, want my-cxr.json only", entries)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "..", "evil.json")); err == nil {
		t.Error("a recipe was written outside the folder")
	}
	if _, err := recipeFile(dir, "../x"); err == nil {
		t.Error(`recipeFile("../x") accepted`)
	}

	for _, tc := range []struct{ name, want string }{
		{"medgemma-1.5-ct", "built in"},
		{"nobody", "unknown recipe"},
		{"../my-cxr", "folder"},
	} {
		if err := s.DeleteRecipe(ctx, tc.name); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("DeleteRecipe(%q): %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	if err := s.DeleteRecipe(ctx, "my-cxr"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("after delete: %v", err)
	}
	if _, err := recipe.Open(dir).Get("my-cxr"); !errors.Is(err, recipe.ErrUnknown) {
		t.Errorf("after delete Get: %v", err)
	}
}

// TestServicesSaveRecipeKeepsFile: saving a recipe the user keeps under
// another file name replaces that file rather than adding a second with
// the same name (which recipe.Open would refuse).
func TestServicesSaveRecipeKeepsFile(t *testing.T) {
	cfg := Config{DataDir: t.TempDir()}
	dir := recipesDir(cfg)
	os.MkdirAll(dir, 0o700)
	old := filepath.Join(dir, "old-name.json")
	body := `{"name":"kept","version":"1","images":{"from":"each"},"encoding":{"kind":"display","fit":"pad"},"prompt":{"layout":"images-first"}}`
	os.WriteFile(old, []byte(body), 0o600)
	s := &Services{cfg: cfg}
	r, err := s.SaveRecipe(context.Background(), []byte(strings.Replace(body, `"1"`, `"2"`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	l := recipe.Open(dir)
	if r.File != old || len(l.Problems) != 0 {
		t.Errorf("saved to %s, problems %v; want %s replaced", r.File, l.Problems, old)
	}
	if got, _ := l.Get("kept"); got == nil || got.Version != "2" {
		t.Errorf("kept: %+v", got)
	}
}
