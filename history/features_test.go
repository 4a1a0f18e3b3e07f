package history

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/csvsafe"
)

func TestBeginFinishRun(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	session, err := s.StartSession(ctx, "gui", "dev")
	if err != nil {
		t.Fatal(err)
	}
	img := testImage(t, 9, "ct.dcm")
	if err := s.PutImage(ctx, img); err != nil {
		t.Fatal(err)
	}
	key, err := s.PutStudy(ctx, "1.2.3.4", "CT", "Head")
	if err != nil {
		t.Fatal(err)
	}
	r := &core.Run{SessionID: session, StartedAt: time.Now(), ImageSHA256: []string{img.SHA256},
		SourcePaths: []string{"/data/Doe^Jane/ct.dcm"}, StudyKey: key, Prompt: "Describe.", Model: "m",
		Status: core.StatusOK}
	id, err := s.BeginRun(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Run(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != core.StatusRunning || !got.FinishedAt.IsZero() {
		t.Fatalf("begun run: status %q, finished %v; want running, zero", got.Status, got.FinishedAt)
	}
	if got.StudyModality != "CT" || got.StudyDescription != "Head" || !reflect.DeepEqual(got.SourcePaths, r.SourcePaths) {
		t.Errorf("begun run: study %q %q, paths %q", got.StudyModality, got.StudyDescription, got.SourcePaths)
	}
	// Opening the database again while this process lives leaves it alone.
	if n, err := s.MarkInterrupted(ctx); err != nil || n != 0 {
		t.Fatalf("MarkInterrupted with the owner alive = %d, %v; want 0", n, err)
	}
	// The partial answer is checkpointed while the run streams.
	if err := s.SaveOutput(ctx, id, "Partial ans"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Run(ctx, id); err != nil || got.Output != "Partial ans" || got.Status != core.StatusRunning {
		t.Errorf("checkpointed run: %+v, %v", got, err)
	}
	if runs, _ := s.Search(ctx, core.Filter{Text: "partial"}); len(runs) != 1 {
		t.Errorf("checkpointed answer found in %d runs, want 1", len(runs))
	}
	if err := s.SaveOutput(ctx, 999, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SaveOutput of a missing run: %v", err)
	}

	r.Output, r.Thinking, r.EvalCount, r.Status, r.DoneReason = "Normal.", "Looked at it.", 3, core.StatusOK, "stop"
	r.ModelDigest = "sha256:d"
	if err := s.FinishRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err = s.Run(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != core.StatusOK || got.Output != "Normal." || got.Thinking != "Looked at it." ||
		got.EvalCount != 3 || got.ModelDigest != "sha256:d" || got.FinishedAt.IsZero() {
		t.Errorf("finished run read back as %+v", got)
	}

	if err := s.FinishRun(ctx, &core.Run{ID: 999, Status: core.StatusOK}); !errors.Is(err, ErrNotFound) {
		t.Errorf("FinishRun of a missing run: %v, want ErrNotFound", err)
	}
	if err := s.FinishRun(ctx, &core.Run{ID: id, Status: core.StatusRunning}); err == nil {
		t.Error("FinishRun with status running succeeded")
	}
	if _, err := s.SaveRun(ctx, &core.Run{StartedAt: time.Now(), ImageSHA256: []string{img.SHA256}, SourcePaths: []string{"a", "b"}}); err == nil {
		t.Error("SaveRun with more paths than images succeeded")
	}
}

// deadPID returns the pid of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestMarkInterrupted(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	live, err := s.StartSession(ctx, "gui", "dev")
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.db.Exec(`INSERT INTO sessions (started_at, kind, app_version, platform, pid, proc_start)
		VALUES ('2025-01-01T00:00:00.000000000Z', 'cli ask', 'dev', 'linux/amd64', ?, '1')`, deadPID(t))
	if err != nil {
		t.Fatal(err)
	}
	dead, _ := res.LastInsertId()
	runs := map[string]*core.Run{
		"live running": {SessionID: live},
		"dead running": {SessionID: dead},
		"no session":   {},
	}
	for _, r := range runs {
		r.StartedAt = time.Now()
		if _, err := s.BeginRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	finished := &core.Run{SessionID: dead, StartedAt: time.Now(), Status: core.StatusOK}
	if _, err := s.SaveRun(ctx, finished); err != nil {
		t.Fatal(err)
	}
	n, err := s.MarkInterrupted(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("marked %d runs, want 2", n)
	}
	want := map[string]core.Status{"live running": core.StatusRunning, "dead running": core.StatusInterrupted, "no session": core.StatusInterrupted}
	for name, r := range runs {
		got, err := s.Run(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != want[name] {
			t.Errorf("%s: status %q, want %q", name, got.Status, want[name])
		}
	}
	if got, _ := s.Run(ctx, finished.ID); got.Status != core.StatusOK {
		t.Errorf("finished run of a dead session: status %q, want ok", got.Status)
	}
}

func TestStudies(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, err := Open(dir + "/a.db")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(dir + "/b.db")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	uid := "1.3.6.1.4.1.5962.1.2.10.1166562673.14401"
	k1, err := a.PutStudy(ctx, uid, "CT", "first")
	if err != nil {
		t.Fatal(err)
	}
	k2, err := a.PutStudy(ctx, uid, "MR", "second")
	if err != nil {
		t.Fatal(err)
	}
	kb, err := b.StudyKey(ctx, uid)
	if err != nil {
		t.Fatal(err)
	}
	if k1 != k2 || len(k1) != 64 || k1 == kb || strings.Contains(k1, uid) {
		t.Errorf("keys: same study %q and %q; other database %q", k1, k2, kb)
	}
	if k, err := a.PutStudy(ctx, "", "OT", ""); k != "" || err != nil {
		t.Errorf("PutStudy without UID = %q, %v; want no study", k, err)
	}
	studies, err := a.Studies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(studies) != 1 || studies[0].Modality != "CT" || studies[0].Description != "first" {
		t.Errorf("studies = %+v, want the first record of one study", studies)
	}
	var n int
	if err := a.db.QueryRow(`SELECT count(*) FROM studies WHERE key LIKE '%5962%' OR description LIKE '%5962%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the UID is stored in studies (%d rows, %v)", n, err)
	}
}

// TestSourceKeys checks that a run keeps, per image, the salted hash of
// its source instance (never the UID), that it reads back in order, and
// that a study key and an instance key of the same UID differ.
func TestSourceKeys(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	uid := "1.3.6.1.4.1.5962.1.1.10.3.1.1166562673.14401"
	k, err := s.InstanceKey(ctx, uid)
	if err != nil {
		t.Fatal(err)
	}
	sk, _ := s.StudyKey(ctx, uid)
	if len(k) != 64 || k == sk || strings.Contains(k, uid) {
		t.Errorf("instance key %q (study key %q)", k, sk)
	}
	if e, err := s.InstanceKey(ctx, ""); e != "" || err != nil {
		t.Errorf("InstanceKey(\"\") = %q, %v", e, err)
	}
	img := testImage(t, 9, "x.dcm")
	sha := img.SHA256
	if err := s.PutImage(ctx, img); err != nil {
		t.Fatal(err)
	}
	r := &core.Run{StartedAt: time.Now(), Model: "m", Status: core.StatusOK, ImageSHA256: []string{sha, sha},
		SourcePaths: []string{"/a/x.dcm", "/a/y.png"}, SourceKeys: []string{k, ""}}
	if _, err := s.SaveRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.Run(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.SourceKeys) != 2 || got.SourceKeys[0] != k || got.SourceKeys[1] != "" {
		t.Errorf("SourceKeys read back %q, want [%s \"\"]", got.SourceKeys, k)
	}
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM run_images WHERE source_key LIKE '%5962%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the UID is stored in run_images (%d rows, %v)", n, err)
	}
	bad := &core.Run{StartedAt: time.Now(), Model: "m", Status: core.StatusOK, ImageSHA256: []string{sha}, SourceKeys: []string{k, k}}
	if _, err := s.SaveRun(ctx, bad); err == nil {
		t.Error("SaveRun took 2 source keys for 1 image")
	}
}

// seedSearch saves runs for the search and export tests and returns them by
// prompt.
func seedSearch(t *testing.T, s *Store) map[string]*core.Run {
	t.Helper()
	ctx := context.Background()
	ct, err := s.PutStudy(ctx, "1.2.3", "CT", "Head")
	if err != nil {
		t.Fatal(err)
	}
	img := testImage(t, 40, "x.dcm")
	if err := s.PutImage(ctx, img); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	runs := []*core.Run{
		{Prompt: "Describe the chest X-ray", Output: "No pneumothorax. Lungs are clear.", Model: "medgemma:4b", StartedAt: t0, Status: core.StatusOK},
		{Prompt: "Is there a fracture?", Output: "Possible rib fracture.", Model: "medgemma:27b", StartedAt: t0.Add(24 * time.Hour), StudyKey: ct,
			ImageSHA256: []string{img.SHA256}, SourcePaths: []string{"/home/u/Doe^Jane.dcm"}, Source: "Doe^Jane.dcm", Status: core.StatusOK,
			Options: core.Options{Seed: ptr(7), Temperature: ptr(0.0)}},
		{Prompt: "Describe the head CT", System: "You are a neuroradiologist.", Output: "Hypodensity, left MCA territory — «ödème».", Model: "medgemma:4b",
			StartedAt: t0.Add(48 * time.Hour), StudyKey: ct, Status: core.StatusError, Error: "boom"},
	}
	out := map[string]*core.Run{}
	for _, r := range runs {
		if _, err := s.SaveRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		out[r.Prompt] = r
	}
	if err := s.SetRating(ctx, runs[1].ID, 4); err != nil {
		t.Fatal(err)
	}
	if err := s.SetNotes(ctx, runs[0].ID, "good example for teaching"); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSearch(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	seedSearch(t, s)
	ct, _ := s.StudyKey(ctx, "1.2.3")
	t0 := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		f    core.Filter
		want []string // prompts, newest first
	}{
		{"all", core.Filter{}, []string{"Describe the head CT", "Is there a fracture?", "Describe the chest X-ray"}},
		{"answer word", core.Filter{Text: "fracture"}, []string{"Is there a fracture?"}},
		{"two words, case", core.Filter{Text: "LUNGS clear"}, []string{"Describe the chest X-ray"}},
		{"accents ignored", core.Filter{Text: "oedeme"}, nil},
		{"accents folded", core.Filter{Text: "odeme"}, []string{"Describe the head CT"}},
		{"system prompt", core.Filter{Text: "neuroradiologist"}, []string{"Describe the head CT"}},
		{"notes", core.Filter{Text: "teaching"}, []string{"Describe the chest X-ray"}},
		{"prefix", core.Filter{Text: "pneumo*"}, []string{"Describe the chest X-ray"}},
		{"operators are words", core.Filter{Text: `describe OR "fracture`}, nil},
		{"punctuation only", core.Filter{Text: `"*-`}, nil},
		{"model", core.Filter{Model: "medgemma:4b"}, []string{"Describe the head CT", "Describe the chest X-ray"}},
		{"date range", core.Filter{From: t0.Add(time.Hour), To: t0.Add(48 * time.Hour)}, []string{"Is there a fracture?"}},
		{"rating", core.Filter{MinRating: 3}, []string{"Is there a fracture?"}},
		{"study", core.Filter{StudyKey: ct}, []string{"Describe the head CT", "Is there a fracture?"}},
		{"status", core.Filter{Status: core.StatusError}, []string{"Describe the head CT"}},
		{"text and model", core.Filter{Text: "describe", Model: "medgemma:4b", Limit: 1}, []string{"Describe the head CT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs, err := s.Search(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			got := prompts(runs)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Search(%+v) = %q, want %q", tt.f, got, tt.want)
			}
		})
	}
	// Notes changed after saving are searchable, and the old ones are gone.
	all, _ := s.Search(ctx, core.Filter{Text: "teaching"})
	if err := s.SetNotes(ctx, all[0].ID, "replaced"); err != nil {
		t.Fatal(err)
	}
	if runs, _ := s.Search(ctx, core.Filter{Text: "teaching"}); len(runs) != 0 {
		t.Errorf("old notes still found: %d runs", len(runs))
	}
	if runs, _ := s.Search(ctx, core.Filter{Text: "replaced"}); len(runs) != 1 {
		t.Errorf("new notes found in %d runs, want 1", len(runs))
	}
	if err := s.SetRating(ctx, all[0].ID, 6); err == nil {
		t.Error("SetRating(6) succeeded")
	}
	if err := s.SetNotes(ctx, 999, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetNotes of a missing run: %v, want ErrNotFound", err)
	}
}

func TestExport(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	runs := seedSearch(t, s)
	frac := runs["Is there a fracture?"]
	for _, phi := range []bool{false, true} {
		var jl, cs bytes.Buffer
		if n, err := s.Export(ctx, &jl, FormatJSONL, core.Filter{}, phi); err != nil || n != 3 {
			t.Fatalf("Export jsonl = %d, %v", n, err)
		}
		if n, err := s.Export(ctx, &cs, FormatCSV, core.Filter{}, phi); err != nil || n != 3 {
			t.Fatalf("Export csv = %d, %v", n, err)
		}
		lines := strings.Split(strings.TrimSpace(jl.String()), "\n")
		if len(lines) != 3 {
			t.Fatalf("%d JSON lines, want 3", len(lines))
		}
		var rec ExportRecord
		if err := json.Unmarshal([]byte(lines[1]), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.RunID != frac.ID || rec.Seed == nil || *rec.Seed != 7 || rec.Temperature == nil || rec.Rating != 4 ||
			len(rec.Images) != 1 || rec.Images[0].Encoding != "gray8" || rec.StudyModality != "CT" || rec.Model != "medgemma:27b" {
			t.Errorf("phi=%v: exported record %+v", phi, rec)
		}
		table, err := csv.NewReader(&cs).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(table) != 4 || !reflect.DeepEqual(table[0], csvsafe.Header(exportColumns)) {
			t.Fatalf("csv: %d rows, header %q", len(table), table[0])
		}
		row := map[string]string{}
		for i, h := range table[0] {
			row[h] = table[2][i]
		}
		if row["run_id"] != strconv.FormatInt(rec.RunID, 10) || row["seed"] != "7" || row["temperature"] != "0" || row["image_sha256"] != frac.ImageSHA256[0] ||
			row["rating"] != "4" || row["output"] != frac.Output {
			t.Errorf("phi=%v: csv row %v", phi, row)
		}
		hasPHI := strings.Contains(jl.String(), "Doe^Jane") || strings.Contains(cs.String(), "Doe^Jane")
		if hasPHI != phi {
			t.Errorf("phi=%v: the file name is in the export: %v", phi, hasPHI)
		}
	}
	if _, err := s.Export(ctx, &bytes.Buffer{}, "xlsx", core.Filter{}, false); err == nil {
		t.Error("Export in an unknown format succeeded")
	}
}

func TestComparisonsAndTemplates(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	runs := seedSearch(t, s)
	a, b := runs["Describe the chest X-ray"].ID, runs["Is there a fracture?"].ID
	c := &core.Comparison{Title: "4b vs 27b", RunIDs: []int64{b, a}}
	id, err := s.SaveComparison(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Comparison(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != c.Title || !reflect.DeepEqual(got.RunIDs, []int64{b, a}) {
		t.Errorf("comparison read back as %+v", got)
	}
	if _, err := s.SaveComparison(ctx, &core.Comparison{RunIDs: []int64{a, 999}}); err == nil {
		t.Error("comparison of a missing run saved")
	}
	if _, err := s.Comparison(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing comparison: %v", err)
	}

	for _, tp := range []core.PromptTemplate{{Name: "b", Prompt: "one"}, {Name: "a", Prompt: "x"}, {Name: "b", Prompt: "two", System: "s"}} {
		if err := s.SaveTemplate(ctx, tp); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveTemplate(ctx, core.PromptTemplate{}); err == nil {
		t.Error("template without a name saved")
	}
	if err := s.DeleteTemplate(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	ts, err := s.Templates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].Name != "b" || ts[0].Prompt != "two" || ts[0].System != "s" {
		t.Errorf("templates = %+v", ts)
	}
}

// TestSearchCommonWords covers the search for words most runs contain,
// which looks at the newest runs first: it must return exactly the newest
// matches by start time even when ids are not in start order, and fall back
// to a full search when the newest runs hold too few matches.
func TestSearchCommonWords(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 400
	type saved struct {
		id    int64
		start time.Time
		model string
	}
	var all []saved
	for i := range n {
		start := t0.Add(time.Duration((i*7919)%n) * time.Minute) // a permutation of start times
		model := "a"
		if i == 5 || i == 9 {
			model = "rare-model"
		}
		r := &core.Run{StartedAt: start, Prompt: "common words here", Output: "answer " + strconv.Itoa(i), Model: model, Status: core.StatusOK}
		if _, err := s.SaveRun(ctx, r); err != nil {
			t.Fatal(err)
		}
		all = append(all, saved{r.ID, start, model})
	}
	newest := func(keep func(saved) bool, k int) []int64 {
		var c []saved
		for _, x := range all {
			if keep(x) {
				c = append(c, x)
			}
		}
		sortSaved := func(i, j int) bool { return c[i].start.After(c[j].start) }
		for i := range c {
			for j := i + 1; j < len(c); j++ {
				if sortSaved(j, i) {
					c[i], c[j] = c[j], c[i]
				}
			}
		}
		var ids []int64
		for _, x := range c[:min(k, len(c))] {
			ids = append(ids, x.id)
		}
		return ids
	}
	tests := []struct {
		name string
		f    core.Filter
		want []int64
	}{
		{"newest three", core.Filter{Text: "common", Limit: 3}, newest(func(saved) bool { return true }, 3)},
		{"too few in the window", core.Filter{Text: "common", Model: "rare-model", Limit: 3}, newest(func(x saved) bool { return x.model == "rare-model" }, 3)},
		{"all", core.Filter{Text: "common words"}, newest(func(saved) bool { return true }, n)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs, err := s.Search(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, r := range runs {
				got = append(got, r.ID)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Search(%+v) = %v, want %v", tt.f, ellipsizeIDs(got), ellipsizeIDs(tt.want))
			}
		})
	}
}

func ellipsizeIDs(ids []int64) string {
	if len(ids) > 8 {
		return fmt.Sprint(ids[:8]) + fmt.Sprintf("… (%d)", len(ids))
	}
	return fmt.Sprint(ids)
}
