package dataset

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
)

// The structs below write Parquet files in the Hugging Face datasets'
// column layouts (names as their dataset cards publish them), to be read
// back by the importer's own types.

type vqaRADParquet struct {
	Image struct {
		Bytes []byte `parquet:"bytes"`
		Path  string `parquet:"path,optional"`
	} `parquet:"image"`
	Question string `parquet:"question"`
	Answer   string `parquet:"answer"`
}

type medmcqaParquet struct {
	ID          string `parquet:"id"`
	Question    string `parquet:"question"`
	OpA         string `parquet:"opa"`
	OpB         string `parquet:"opb"`
	OpC         string `parquet:"opc"`
	OpD         string `parquet:"opd"`
	Cop         int64  `parquet:"cop"`
	ChoiceType  string `parquet:"choice_type"`
	Exp         string `parquet:"exp,optional"`
	SubjectName string `parquet:"subject_name"`
	TopicName   string `parquet:"topic_name,optional"`
}

type pubmedqaParquet struct {
	PubID    int64  `parquet:"pubid"`
	Question string `parquet:"question"`
	Context  struct {
		Contexts              []string `parquet:"contexts,list"`
		Labels                []string `parquet:"labels,list"`
		Meshes                []string `parquet:"meshes,list"`
		ReasoningRequiredPred string   `parquet:"reasoning_required_pred"`
		ReasoningFreePred     string   `parquet:"reasoning_free_pred"`
	} `parquet:"context"`
	LongAnswer    string `parquet:"long_answer"`
	FinalDecision string `parquet:"final_decision"`
}

type medqaParquet struct {
	Question string `parquet:"question"`
	Answer   string `parquet:"answer"`
	Options  struct {
		A string `parquet:"A"`
		B string `parquet:"B"`
		C string `parquet:"C"`
		D string `parquet:"D"`
	} `parquet:"options"`
	MetaInfo  string `parquet:"meta_info"`
	AnswerIdx string `parquet:"answer_idx"`
}

func writeParquet[T any](t *testing.T, path string, rows []T) {
	t.Helper()
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
}

func TestImportHFParquet(t *testing.T) {
	dir := t.TempDir()
	jpeg := "\xff\xd8\xff\xe0 not really a whole JPEG"
	var v [2]vqaRADParquet
	v[0].Image.Bytes, v[0].Question, v[0].Answer = []byte(jpeg), "is there a pneumothorax?", "yes"
	v[1].Image.Bytes, v[1].Question, v[1].Answer = []byte(png+"rest"), "where is the mass?", "left upper lobe"
	vqa := filepath.Join(dir, "test-00000-of-00001.parquet")
	writeParquet(t, vqa, v[:])
	out := filepath.Join(dir, "out", "vqarad.jsonl")
	res, err := Import(HFParquet, vqa, out, Options{})
	if err != nil || res.Items != 2 || res.Images != 2 {
		t.Fatalf("import: %+v %v", res, err)
	}
	items, err := batch.LoadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	if it := items[0]; it.Images[0] != "vqarad-images/test-00000-of-00001-00001.jpg" || it.Meta["answer_type"] != "closed" || it.Meta["split"] != "test" {
		t.Errorf("item %+v", it)
	}
	if b, _ := os.ReadFile(items[1].Paths[0]); string(b) != png+"rest" || items[1].Meta["answer_type"] != "open" {
		t.Errorf("second image %q, item %+v", b, items[1])
	}

	m := []medmcqaParquet{{ID: "e9ad", Question: "Q?", OpA: "a", OpB: "b", OpC: "c", OpD: "d", Cop: 2, ChoiceType: "single", SubjectName: "Anatomy"}}
	mp := filepath.Join(dir, "validation-00000-of-00001.parquet")
	writeParquet(t, mp, m)
	got, err := Read(HFParquet, mp, Options{imageDir: dir})
	if err != nil || len(got) != 1 || got[0].Answer != "C" || got[0].Meta["subject"] != "Anatomy" || got[0].Meta["split"] != "validation" {
		t.Errorf("medmcqa: %+v %v", got, err)
	}

	var p [1]pubmedqaParquet
	p[0].PubID, p[0].Question, p[0].FinalDecision = 21645374, "Do mitochondria play a role?", "yes"
	p[0].Context.Contexts = []string{"Programmed cell death.", "Mitochondria."}
	pp := filepath.Join(dir, "train-00000-of-00001.parquet")
	writeParquet(t, pp, p[:])
	got, err = Read(HFParquet, pp, Options{imageDir: dir})
	if err != nil || len(got) != 1 || got[0].ID != "pubmedqa-21645374" || !strings.Contains(got[0].Question, "Mitochondria.\nQuestion: Do") {
		t.Errorf("pubmedqa: %+v %v", got, err)
	}

	var q [1]medqaParquet
	q[0].Question, q[0].AnswerIdx, q[0].MetaInfo = "Which?", "B", "step1"
	q[0].Options.A, q[0].Options.B, q[0].Options.C, q[0].Options.D = "w", "x", "y", "z"
	qp := filepath.Join(dir, "test-medqa.parquet")
	writeParquet(t, qp, q[:])
	got, err = Read(HFParquet, qp, Options{imageDir: dir})
	if err != nil || len(got) != 1 || got[0].Answer != "B" || got[0].Choices[1] != "x" {
		t.Errorf("medqa: %+v %v", got, err)
	}

	// A record whose image is not an image: the file and record named,
	// neither the manifest nor the images folder written.
	v[1].Image.Bytes = []byte("GIF89a")
	bad := filepath.Join(dir, "bad.parquet")
	writeParquet(t, bad, v[:])
	badOut := filepath.Join(dir, "bad", "m.jsonl")
	_, err = Import(HFParquet, bad, badOut, Options{})
	var ie *batch.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "bad.parquet: record 2: image bytes are not a JPEG or PNG") {
		t.Errorf("bad image: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(badOut)); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
	// Columns of no known layout.
	writeParquet(t, bad, []struct {
		X string `parquet:"x"`
	}{{"1"}})
	if _, err := Import(HFParquet, bad, badOut, Options{}); err == nil || !strings.Contains(err.Error(), "columns x are none") {
		t.Errorf("unknown layout: %v", err)
	}
}

// TestImportRefusesAnOversizedParquet: a Parquet file over the size bound
// is refused before it is read, naming the file, nothing written.
func TestImportRefusesAnOversizedParquet(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "validation-00000-of-00001.parquet")
	writeParquet(t, path, []medmcqaParquet{{ID: "e9ad", Question: "Q?", OpA: "a", OpB: "b", OpC: "c", OpD: "d", Cop: 2}})
	defer func(n int64) { maxFileSize = n }(maxFileSize)
	maxFileSize = 64
	out := filepath.Join(dir, "out.jsonl")
	_, err := Import(HFParquet, path, out, Options{})
	var ie *batch.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "validation-00000-of-00001.parquet") || !strings.Contains(err.Error(), "over the 64") {
		t.Errorf("an oversized Parquet file: %v", err)
	}
	if _, serr := os.Stat(out); serr == nil {
		t.Errorf("%s was written", out)
	}
}
