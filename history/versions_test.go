package history

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// versionByHand is the prompt version computed here, independently of
// core.PromptVersion: SHA-256 of the JSON array of the four texts.
func versionByHand(system, prompt, schemaCompact, recipe string) string {
	schema := ""
	if schemaCompact != "" {
		s := sha256.Sum256([]byte(schemaCompact))
		schema = hex.EncodeToString(s[:])[:12]
	}
	b, _ := json.Marshal([]string{system, prompt, schema, recipe})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:12]
}

// TestTemplateVersions: every saved edit of a template is a version a
// researcher can list, oldest first; saving the same texts again, or the
// schema laid out differently, makes none; the versions' names are the
// hash of the texts; deleting the template drops its versions.
func TestTemplateVersions(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	const schema = `{"type": "object", "properties": {"answer": {"enum": ["yes", "no"]}}}`
	const compact = `{"type":"object","properties":{"answer":{"enum":["yes","no"]}}}`
	saves := []core.PromptTemplate{
		{Name: "effusion", System: "sys", Prompt: "Is there an effusion?"},
		{Name: "effusion", System: "sys", Prompt: "Is there an effusion?"}, // the same: no new version
		{Name: "effusion", System: "sys", Prompt: "Is there a pleural effusion?"},
		{Name: "effusion", System: "sys", Prompt: "Is there a pleural effusion?", Schema: schema},
		{Name: "effusion", System: "sys", Prompt: "Is there a pleural effusion?", Schema: "{\n  \"type\":\"object\",\"properties\":{\"answer\":{\"enum\":[\"yes\",\"no\"]}}}"}, // layout only
		{Name: "effusion", System: "sys", Prompt: "Is there a pleural effusion?", Schema: schema, Recipe: "medgemma-cxr@0123456789ab"},
		{Name: "other", Prompt: "x"},
	}
	for i, tp := range saves {
		tp.UpdatedAt = t0.Add(time.Duration(i) * time.Minute)
		if err := s.SaveTemplate(ctx, tp); err != nil {
			t.Fatal(err)
		}
	}
	vs, err := s.TemplateVersions(ctx, "effusion")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		versionByHand("sys", "Is there an effusion?", "", ""),
		versionByHand("sys", "Is there a pleural effusion?", "", ""),
		versionByHand("sys", "Is there a pleural effusion?", compact, ""),
		versionByHand("sys", "Is there a pleural effusion?", compact, "medgemma-cxr@0123456789ab"),
	}
	if len(vs) != len(want) {
		t.Fatalf("%d versions, want %d: %+v", len(vs), len(want), vs)
	}
	for i, v := range vs {
		if v.Version != want[i] {
			t.Errorf("version %d = %s, want %s", i+1, v.Version, want[i])
		}
	}
	if vs[0].Prompt != "Is there an effusion?" || vs[3].Recipe != "medgemma-cxr@0123456789ab" || vs[2].Schema != schema {
		t.Errorf("versions' texts: %+v", vs)
	}
	if !vs[1].UpdatedAt.Equal(t0.Add(2 * time.Minute)) {
		t.Errorf("version 2 saved at %v, want %v", vs[1].UpdatedAt, t0.Add(2*time.Minute))
	}
	ts, err := s.Templates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 2 || ts[0].Name != "effusion" || ts[0].Version != want[3] || ts[0].Recipe != "medgemma-cxr@0123456789ab" {
		t.Errorf("templates = %+v", ts)
	}

	// A template saved before versions were kept is its own only version.
	if _, err := s.db.ExecContext(ctx, `INSERT INTO prompt_templates (name, system, prompt, updated_at) VALUES ('old', '', 'legacy', ?)`,
		formatTime(t0)); err != nil {
		t.Fatal(err)
	}
	old, err := s.TemplateVersions(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	if len(old) != 1 || old[0].Version != versionByHand("", "legacy", "", "") {
		t.Errorf("legacy template's versions = %+v", old)
	}

	if err := s.DeleteTemplate(ctx, "effusion"); err != nil {
		t.Fatal(err)
	}
	if vs, err := s.TemplateVersions(ctx, "effusion"); err != nil || len(vs) != 0 {
		t.Errorf("after delete: %d versions, %v", len(vs), err)
	}
	if vs, _ := s.TemplateVersions(ctx, "other"); len(vs) != 1 {
		t.Errorf("another template's versions went with it: %+v", vs)
	}
}

// TestRunsByPromptVersion: runs keep the version of the prompt they asked,
// and the run log filters by it, a short prefix being enough.
func TestRunsByPromptVersion(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	a := core.PromptVersion("", "Is there an effusion?", "", "")
	b := core.PromptVersion("", "Is there a pleural effusion?", "", "")
	for i, v := range []string{a, b, a} {
		r := &core.Run{StartedAt: time.Unix(int64(1000+i), 0), Prompt: "p", Model: "m", Status: core.StatusOK, PromptVersion: v}
		if _, err := s.SaveRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []struct {
		prefix string
		want   int
	}{{a, 2}, {a[:6], 2}, {b, 1}, {"ffffffffffff", 0}} {
		runs, err := s.Search(ctx, core.Filter{PromptVersion: f.prefix})
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != f.want {
			t.Errorf("version %s: %d runs, want %d", f.prefix, len(runs), f.want)
		}
		for _, r := range runs {
			if r.PromptVersion[:len(f.prefix)] != f.prefix {
				t.Errorf("version %s: run %d has %s", f.prefix, r.ID, r.PromptVersion)
			}
		}
	}
}

// TestRunMeasurementsRoundTrip: a run's measurements come back as saved.
func TestRunMeasurementsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	m := []core.Measurement{{Kind: "rectangle", Frame: 3, Plane: "coronal", X: 1, Y: 2, W: 3, H: 4, N: 12, Mean: 40.5, SD: 2, Min: 30, Max: 50, Units: "HU", AreaMM2: 7.5}}
	r := &core.Run{StartedAt: time.Unix(1000, 0), Prompt: "p", Model: "m", Status: core.StatusOK, Measurements: m}
	if _, err := s.SaveRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.Run(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Measurements) != 1 || got.Measurements[0] != m[0] {
		t.Errorf("measurements %+v, want %+v", got.Measurements, m)
	}
}
