package batch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// TestItemIDsWithoutPHI checks that items the manifest did not name (a
// folder, whose ids default to paths) are known by a hash of their
// contents in rows and in {{id}} unless PHI is asked for, that {{id}}
// never gives a path, that rows carry no file names, and that the resume
// key does not depend on the choice.
func TestItemIDsWithoutPHI(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "Doe^Jane"), 0o700)
	body := []byte("\x89PNG\r\n\x1a\nDoe")
	write(t, filepath.Join(dir, "Doe^Jane", "chest.png"), string(body))
	write(t, filepath.Join(dir, "Doe^Jane", "copy.png"), string(body))
	sum := sha256.Sum256(body)
	hid := "item-" + hex.EncodeToString(sum[:])[:12]
	prompts := &PromptSet{Prompts: []Prompt{{Name: "p", Template: "Study {{id}}: describe"}}}
	keys := map[bool][]string{}
	for _, tc := range []struct {
		phi      bool
		ids      []string
		prompt   string
		images   bool
		errNames bool
	}{
		{false, []string{hid, hid + "-2"}, "Study " + hid + ": describe", false, false},
		{true, []string{"Doe^Jane/chest.png", "Doe^Jane/copy.png"}, "Study " + hid + ": describe", true, true},
	} {
		items, err := ScanDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		spec := Spec{Items: items, Prompts: prompts, Models: []string{"m"}, IncludePHI: tc.phi}
		jobs, err := spec.Jobs()
		if err != nil {
			t.Fatal(err)
		}
		for i, j := range jobs {
			if j.Item.ID != tc.ids[i] {
				t.Errorf("phi=%v: item %d id %q, want %q", tc.phi, i, j.Item.ID, tc.ids[i])
			}
			keys[tc.phi] = append(keys[tc.phi], j.Key)
		}
		if jobs[0].Text != tc.prompt {
			t.Errorf("phi=%v: prompt %q, want %q", tc.phi, jobs[0].Text, tc.prompt)
		}
		out, err := OpenOutput(filepath.Join(t.TempDir(), "out.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		r := &Runner{Backend: &fakeBackend{}, IncludePHI: tc.phi, Prepare: func(p string) (inference.Image, error) {
			if strings.HasSuffix(p, "copy.png") {
				_, err := os.Open(filepath.Join(filepath.Dir(p), "missing.png"))
				return inference.Image{}, err
			}
			return fakePrepare(p)
		}}
		r.Run(context.Background(), jobs, out)
		rows := out.Rows(jobs)
		out.Close()
		if len(rows) != 2 {
			t.Fatalf("%d rows", len(rows))
		}
		for _, row := range rows {
			line := strings.Join(append(row.Images, row.ItemID, row.Error, row.Prompt), " ")
			if has := strings.Contains(line, "Doe"); has != tc.phi {
				t.Errorf("phi=%v: row %+v names the patient: %v", tc.phi, row, has)
			}
			if (len(row.Images) > 0) != tc.images {
				t.Errorf("phi=%v: images %q", tc.phi, row.Images)
			}
		}
		if rows[1].Status != "error" || strings.Contains(rows[1].Error, "copy.png") != tc.errNames {
			t.Errorf("phi=%v: error row %q", tc.phi, rows[1].Error)
		}
	}
	if strings.Join(keys[false], ",") != strings.Join(keys[true], ",") {
		t.Error("the resume keys change with --include-phi")
	}

	// A manifest's own ids stay, with or without PHI.
	m := filepath.Join(dir, "m.jsonl")
	write(t, m, `{"id":"case-7","images":["Doe^Jane/chest.png"]}`+"\n"+`{"images":["Doe^Jane/copy.png"]}`+"\n")
	items, err := LoadManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	jobs, _ := Spec{Items: items, Prompts: prompts, Models: []string{"m"}}.Jobs()
	if jobs[0].Item.ID != "case-7" || jobs[0].Text != "Study case-7: describe" || jobs[1].Item.ID != hid {
		t.Errorf("ids %q, %q; prompt %q", jobs[0].Item.ID, jobs[1].Item.ID, jobs[0].Text)
	}
}
