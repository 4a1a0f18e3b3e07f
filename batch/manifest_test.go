package batch

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// dicomDir is a folder with the test manifests and stand-ins for the
// DICOM files they name (LoadManifest only checks that they exist).
func dicomDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"manifest.jsonl", "manifest.csv", "prompts.yaml"} {
		b, err := os.ReadFile(filepath.Join("testdata", "dicom", name))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dir, name), string(b))
	}
	for i := 1; i <= 5; i++ {
		write(t, filepath.Join(dir, string(rune('0'+i))+".dcm"), strings.Repeat("\x00", 128)+"DICM"+string(rune('0'+i)))
	}
	return dir
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestLoadManifestJSONLAndCSVAgree(t *testing.T) {
	dir := dicomDir(t)
	j, err := LoadManifest(filepath.Join(dir, "manifest.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := LoadManifest(filepath.Join(dir, "manifest.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(j) != 5 || len(c) != 5 {
		t.Fatalf("%d and %d items, want 5", len(j), len(c))
	}
	for i := range j {
		j[i].Source, c[i].Source = "", ""
		if !reflect.DeepEqual(j[i], c[i]) {
			t.Errorf("item %d: JSONL %+v, CSV %+v", i, j[i], c[i])
		}
	}
	first := j[0]
	if first.ID != "pet-1" || first.Paths[0] != filepath.Join(dir, "1.dcm") || first.Answer != "C" || len(first.Choices) != 4 {
		t.Errorf("first item %+v", first)
	}
}

func TestManifestErrorsNameFileAndLine(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.png"), "\x89PNG\r\n\x1a\n")
	for _, tc := range []struct {
		name, text string
		line       int
		want       string
	}{
		{"m.jsonl", `{"images":["a.png"]}` + "\n" + `{"images": [` + "\n", 2, "not a JSON object"},
		{"m.jsonl", `{"id":"x","images":["a.png"]}` + "\n\n" + `{"id":"x","images":["a.png"]}`, 3, "used twice"},
		{"m.jsonl", `{"id":"x","images":["missing.dcm"]}`, 1, "missing.dcm"},
		{"m.jsonl", `{"id":"x","answer":"a"}`, 1, "neither images nor a question"},
		{"m.jsonl", "\n", 0, "no items"},
		{"m.csv", "id,answer\nx,q\n", 1, `neither an "images" nor a "question" column`},
		{"m.csv", "id,images\nx,a.png\ny,\"unclosed\n", 3, "quote"},
	} {
		p := filepath.Join(dir, tc.name)
		write(t, p, tc.text)
		_, err := LoadManifest(p)
		var ie *InputError
		if !errors.As(err, &ie) || ie.File != p || ie.Line != tc.line || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want %s:%d … %s", tc.text, err, p, tc.line, tc.want)
		}
	}
}

func TestScanDirAndZip(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sub"), 0o700)
	os.MkdirAll(filepath.Join(dir, ".hidden"), 0o700)
	write(t, filepath.Join(dir, "b.png"), "\x89PNG\r\n\x1a\nrest")
	write(t, filepath.Join(dir, "sub", "IM0001"), strings.Repeat("\x00", 128)+"DICMrest")
	write(t, filepath.Join(dir, "sub", "c.jpg"), "\xff\xd8\xff\xe0rest")
	write(t, filepath.Join(dir, "notes.txt"), "not an image")
	write(t, filepath.Join(dir, ".hidden", "d.png"), "\x89PNG\r\n\x1a\n")
	items, err := ScanDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	if want := []string{"b.png", "sub/IM0001", "sub/c.jpg"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ScanDir ids %v, want %v", ids, want)
	}

	zpath := filepath.Join(t.TempDir(), "study.zip")
	f, _ := os.Create(zpath)
	zw := zip.NewWriter(f)
	for name, body := range map[string]string{"x/1.png": "\x89PNG\r\n\x1a\n1", "x/2.dcm": strings.Repeat("\x00", 128) + "DICM", "readme.txt": "hi"} {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	zw.Close()
	f.Close()
	items, err = ExtractZip(zpath, t.TempDir(), DefaultZipLimits)
	if err != nil || len(items) != 2 || items[0].ID != "x/1.png" || items[1].ID != "x/2.dcm" {
		t.Errorf("ExtractZip = %+v, %v", items, err)
	}

	evil := filepath.Join(t.TempDir(), "evil.zip")
	f, _ = os.Create(evil)
	zw = zip.NewWriter(f)
	w, _ := zw.Create("../escape.png")
	w.Write([]byte("\x89PNG\r\n\x1a\n"))
	zw.Close()
	f.Close()
	if _, err := ExtractZip(evil, t.TempDir(), DefaultZipLimits); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("a ZIP entry outside the folder: %v", err)
	}
}

func TestLoadPromptsAndRender(t *testing.T) {
	dir := dicomDir(t)
	set, err := LoadPrompts(filepath.Join(dir, "prompts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if set.System != "You are an expert radiologist." || len(set.Prompts) != 2 || set.Prompts[0].Name != "direct" {
		t.Fatalf("prompts %+v", set)
	}
	it := Item{ID: "x", Question: "Which modality?", Choices: []string{"CT", "MRI"}}
	if got, want := Render(set.Prompts[0].Template, it), "Which modality?\nA. CT\nB. MRI\nAnswer with one word."; got != want {
		t.Errorf("Render = %q, want %q", got, want)
	}
	it.Choices = nil
	if got, want := Render(set.Prompts[0].Template, it), "Which modality?\nAnswer with one word."; got != want {
		t.Errorf("Render without choices = %q, want %q", got, want)
	}
	if got := Render("Q: {{ question }} ({{id}})", it); got != "Q: Which modality? (x)" {
		t.Errorf("Render = %q", got)
	}

	// JSON is accepted too.
	jp := filepath.Join(dir, "p.json")
	write(t, jp, `{"system": "S", "prompts": [{"name": "a", "template": "{{question}}", "system": "T"}]}`)
	if set, err := LoadPrompts(jp); err != nil || set.SystemFor(set.Prompts[0]) != "T" {
		t.Errorf("JSON prompts: %+v, %v", set, err)
	}

	for _, tc := range []struct {
		text string
		line int
		want string
	}{
		{"prompts:\n  - name: a\n    template: '{{question}}'\n  - name: a\n    template: x\n", 4, "used twice"},
		{"prompts:\n  - name: a\n    template: '{{answer}}'\n", 2, "{{answer}}"},
		{"prompts:\n  - name: a\n    templat: x\n", 2, "templat"},
		{"prompts:\n  - name: a\n", 2, "no template"},
		{"system: x\n", 0, "no prompts"},
		{"system: [\n", 1, "not a prompts file"},
		{"sistem: x\nprompts: []\n", 1, "not a prompts file"},
	} {
		p := filepath.Join(dir, "bad.yaml")
		write(t, p, tc.text)
		_, err := LoadPrompts(p)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Line != tc.line || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err %v, want line %d … %s", tc.text, err, tc.line, tc.want)
		}
	}
}

// TestManifestTextOnlyAndMetadata reads text-only items (no images: MedQA,
// PubMedQA) and the fields beyond id, images, question, answer and
// choices as metadata, from JSON Lines and CSV; an unnamed text-only item
// is named from its text, and a line written back reads the same.
func TestManifestTextOnlyAndMetadata(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.png"), "\x89PNG\r\n\x1a\n")
	p := filepath.Join(dir, "m.jsonl")
	write(t, p, `{"id":"q1","question":"Which?","choices":["x","y"],"answer":"B","subject":"Anatomy","year":2019}`+"\n"+
		`{"question":"Is it?","answer":"yes"}`+"\n"+
		`{"id":"img","images":["a.png"],"question":"Where?","answer_type":"CLOSED"}`+"\n")
	items, err := LoadManifest(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 || len(items[0].Paths) != 0 || items[0].Meta["subject"] != "Anatomy" || items[0].Meta["year"] != "2019" {
		t.Fatalf("items %+v", items)
	}
	if !strings.HasPrefix(items[1].ID, "text-") || !items[1].Named || items[2].Meta["answer_type"] != "CLOSED" {
		t.Errorf("unnamed text item %+v, image item meta %v", items[1], items[2].Meta)
	}
	line, _ := json.Marshal(items[0])
	if want := `{"id":"q1","question":"Which?","answer":"B","choices":["x","y"],"subject":"Anatomy","year":"2019"}`; string(line) != want {
		t.Errorf("written back as %s, want %s", line, want)
	}
	c := filepath.Join(dir, "m.csv")
	write(t, c, "id,question,answer,organ\nq1,Is it?,no,CHEST\n")
	items, err = LoadManifest(c)
	if err != nil || len(items) != 1 || items[0].Meta["organ"] != "CHEST" || len(items[0].Images) != 0 {
		t.Errorf("CSV: %+v, %v", items, err)
	}
}
