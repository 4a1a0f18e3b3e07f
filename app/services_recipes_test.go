package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	if len(rs) != 9 || names[0] != "medgemma-1.5-ct" || names[8] != "my-cxr" || !strings.Contains(strings.Join(names, " "), "plain") {
		t.Errorf("recipes %v: want the 8 built-ins, then my-cxr", names)
	}
}
