package dataset

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
)

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

const png = "\x89PNG\r\n\x1a\n"

// The small files below are in each dataset's published layout, with its
// authors' field names (see formats.go for where each is published).

// vqaRAD writes a VQA-RAD folder: two records, one train (freeform) and
// one test (test_freeform); an answer that is a JSON number, as some are.
func vqaRAD(t *testing.T) string {
	dir := t.TempDir()
	write(t, filepath.Join(dir, vqaRADImages, "synpic54610.jpg"), png)
	write(t, filepath.Join(dir, vqaRADImages, "synpic29265.jpg"), png)
	write(t, filepath.Join(dir, vqaRADJSON), `[
 {"qid": 0, "image_name": "synpic54610.jpg", "image_case_url": "https://medpix.nlm.nih.gov/case?id=x", "image_organ": "HEAD",
  "answer": "Yes", "answer_type": "CLOSED", "question_type": "PRES", "question": "Are regions of the brain infarcted?",
  "phrase_type": "freeform", "qid_linked_id": "03f451ca-de62-4617-9679-e836026a7642"},
 {"qid": 7, "image_name": "synpic29265.jpg", "image_organ": "CHEST", "answer": 2, "answer_type": "OPEN",
  "question_type": "COUNT", "question": "How many lesions are there?", "phrase_type": "test_freeform"}
]`)
	return dir
}

func TestImportVQARAD(t *testing.T) {
	dir := vqaRAD(t)
	out := filepath.Join(t.TempDir(), "vqarad.jsonl")
	res, err := Import(VQARAD, dir, out, Options{})
	if err != nil || res.Items != 2 || res.Images != 2 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	items, err := batch.LoadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	a, b := items[0], items[1]
	if a.ID != "vqa-rad-0" || a.Answer != "Yes" || a.Question != "Are regions of the brain infarcted?" ||
		a.Meta["answer_type"] != "closed" || a.Meta["organ"] != "head" || a.Meta["question_type"] != "PRES" || a.Meta["split"] != "train" {
		t.Errorf("first item %+v", a)
	}
	if b.Answer != "2" || b.Meta["split"] != "test" || filepath.Base(b.Paths[0]) != "synpic29265.jpg" {
		t.Errorf("second item %+v", b)
	}
	test, err := Read(VQARAD, filepath.Join(dir, vqaRADJSON), Options{Split: "test"})
	if err != nil || len(test) != 1 || test[0].ID != "vqa-rad-7" {
		t.Errorf("--split test: %+v, %v", test, err)
	}
}

func TestImportSLAKE(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "imgs", "xmlab102", "source.jpg"), png)
	write(t, filepath.Join(dir, "test.json"), `[
 {"img_id": 102, "img_name": "xmlab102/source.jpg", "question": "Which organ is abnormal?", "answer": "Lung",
  "q_lang": "en", "location": "Lung", "modality": "CT", "answer_type": "OPEN", "base_type": "vqa",
  "content_type": "Organ", "triple": ["vhead", "_", "_"], "qid": 11934},
 {"img_id": 102, "img_name": "xmlab102/source.jpg", "question": "哪个器官异常？", "answer": "肺",
  "q_lang": "zh", "location": "Lung", "modality": "CT", "answer_type": "OPEN", "base_type": "vqa",
  "content_type": "Organ", "triple": ["vhead", "_", "_"], "qid": 11935},
 {"img_id": 102, "img_name": "xmlab102/source.jpg", "question": "Is the lung healthy?", "answer": "No",
  "q_lang": "en", "location": "Lung", "modality": "CT", "answer_type": "CLOSED", "base_type": "vqa",
  "content_type": "Abnormality", "triple": ["vhead", "_", "_"], "qid": 11936}
]`)
	items, err := Read(SLAKE, dir, Options{})
	if err != nil || len(items) != 2 {
		t.Fatalf("English test split: %d items, %v", len(items), err)
	}
	if it := items[1]; it.ID != "slake-11936" || it.Answer != "No" || it.Meta["answer_type"] != "closed" ||
		it.Meta["modality"] != "CT" || it.Meta["language"] != "en" || it.Meta["organ"] != "Lung" || it.Meta["question_type"] != "Abnormality" {
		t.Errorf("item %+v", it)
	}
	all, err := Read(SLAKE, dir, Options{Lang: "all"})
	if err != nil || len(all) != 3 || all[1].Meta["language"] != "zh" {
		t.Errorf("--lang all: %d, %v", len(all), err)
	}
	if _, err := Read(SLAKE, dir, Options{Split: "train"}); err == nil || !strings.Contains(err.Error(), "train.json") {
		t.Errorf("missing train.json: %v", err)
	}
}

func TestImportMedQA(t *testing.T) {
	p := filepath.Join(t.TempDir(), "phrases_no_exclude_test.jsonl")
	write(t, p, `{"question": "A 23-year-old woman presents with dysuria. Which is the best treatment?", "answer": "Nitrofurantoin", "options": {"A": "Ampicillin", "B": "Ceftriaxone", "C": "Doxycycline", "D": "Nitrofurantoin"}, "meta_info": "step2&3", "answer_idx": "D"}
{"question": "Which enzyme is deficient?", "answer": "Hexosaminidase A", "options": {"A": "Hexosaminidase A", "B": "Glucocerebrosidase", "C": "Sphingomyelinase", "D": "Galactocerebrosidase"}, "meta_info": "step1", "answer_idx": "A"}
`)
	out := filepath.Join(t.TempDir(), "medqa.jsonl")
	if _, err := Import(MedQA, p, out, Options{}); err != nil {
		t.Fatal(err)
	}
	items, err := batch.LoadManifest(out)
	if err != nil || len(items) != 2 {
		t.Fatalf("%d items, %v", len(items), err)
	}
	if it := items[0]; it.ID != "medqa-1" || len(it.Images) != 0 || it.Answer != "D" || it.Choices[3] != "Nitrofurantoin" || it.Meta["meta_info"] != "step2&3" {
		t.Errorf("item %+v", it)
	}
}

func TestImportMedMCQA(t *testing.T) {
	p := filepath.Join(t.TempDir(), "dev.json")
	write(t, p, `{"question": "Which of the following is not true about glomerular capillaries?", "exp": "…", "cop": 1, "opa": "The oncotic pressure of the fluid leaving the capillaries is less than that of fluid entering it", "opb": "Glucose concentration in the capillaries is the same as that in glomerular filtrate", "opc": "Constriction of afferent arteriole decreases the blood flow to the glomerulas", "opd": "Hematocrit of the fluid leaving the capillaries is less than that of the fluid entering it", "subject_name": "Physiology", "topic_name": null, "id": "e9ad821a-c438-4965-9f77-760819dfa155", "choice_type": "multi"}
`)
	items, err := Read(MedMCQA, p, Options{})
	if err != nil || len(items) != 1 {
		t.Fatalf("%+v, %v", items, err)
	}
	if it := items[0]; it.ID != "medmcqa-e9ad821a-c438-4965-9f77-760819dfa155" || it.Answer != "A" || len(it.Choices) != 4 ||
		it.Meta["subject"] != "Physiology" || it.Meta["topic"] != "" || it.Meta["choice_type"] != "multi" {
		t.Errorf("item %+v", it)
	}
}

func TestImportPubMedQA(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ori_pqal.json")
	write(t, p, `{"21645374": {"QUESTION": "Do mitochondria play a role in remodelling lace plant leaves during programmed cell death?",
  "CONTEXTS": ["Programmed cell death (PCD) is the regulated death of cells.", "The following paper elucidates the role of mitochondria."],
  "LABELS": ["BACKGROUND", "RESULTS"], "MESHES": ["Alismataceae"], "YEAR": "2011", "reasoning_required_pred": "yes",
  "reasoning_free_pred": "yes", "final_decision": "yes", "LONG_ANSWER": "Results depicted mitochondrial dynamics in vivo."},
 "16418930": {"QUESTION": "Landolt C and snellen e acuity: differences in strabismus amblyopia?", "CONTEXTS": ["Assessment of visual acuity."],
  "LABELS": ["BACKGROUND"], "MESHES": [], "YEAR": "2006", "reasoning_required_pred": "no", "reasoning_free_pred": "no",
  "final_decision": "no", "LONG_ANSWER": "Using the charts."}}`)
	items, err := Read(PubMedQA, p, Options{})
	if err != nil || len(items) != 2 {
		t.Fatalf("%+v, %v", items, err)
	}
	it := items[1] // PMIDs in order: 16418930, 21645374
	if it.ID != "pubmedqa-21645374" || it.Answer != "yes" || strings.Join(it.Choices, ",") != "yes,no,maybe" ||
		!strings.Contains(it.Question, "Programmed cell death") || !strings.HasSuffix(it.Question, "programmed cell death?") || it.Meta["year"] != "2011" {
		t.Errorf("item %+v", it)
	}
}

// TestImportMalformedNamesRecord: a record that does not fit its layout,
// or names an image that is not there, fails with the file and the record
// named, and no manifest is written.
func TestImportMalformedNamesRecord(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "medqa.jsonl"), `{"question": "Q1", "options": {"A": "x", "B": "y"}, "answer_idx": "A"}
{"question": "Q2", "options": {"A": "x", "B": "y"}, "answer_idx": "E"}
`)
	write(t, filepath.Join(dir, "dev.json"), `{"question": "Q", "opa": "a", "opb": "b", "opc": "c", "opd": "d"}`)
	write(t, filepath.Join(dir, "ori_pqal.json"), `{"1": {"QUESTION": "Q", "CONTEXTS": ["c"], "final_decision": "yes"}, "2": {"QUESTION": "Q"}}`)
	write(t, filepath.Join(dir, "slake", "test.json"), `[{"img_name": "x/source.jpg", "question": "Q", "answer": "A", "q_lang": "en", "qid": 5}]`)
	vqa := vqaRAD(t)
	write(t, filepath.Join(vqa, vqaRADJSON), `[{"qid": 0, "image_name": "synpic54610.jpg", "question": "Q", "answer": "A"}, {"qid": 3, "image": "a.jpg", "question": "Q", "answer": "A"}]`)
	for _, tc := range []struct {
		f    Format
		path string
		want string
	}{
		{MedQA, filepath.Join(dir, "medqa.jsonl"), `medqa.jsonl:2: answer_idx "E" names none of the options`},
		{MedMCQA, filepath.Join(dir, "dev.json"), "dev.json:1: cop missing"},
		{PubMedQA, filepath.Join(dir, "ori_pqal.json"), `record 2 (PMID 2): no "CONTEXTS"`},
		{SLAKE, filepath.Join(dir, "slake"), "record 1 (qid 5): image x/source.jpg is not in"},
		{VQARAD, vqa, `record 2 (qid 3): no "image_name": not VQA-RAD's layout`},
		{VQARAD, filepath.Join(dir, "medqa.jsonl"), "not VQA-RAD's JSON"},
	} {
		out := filepath.Join(dir, "out.jsonl")
		_, err := Import(tc.f, tc.path, out, Options{})
		var ie *batch.InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: %v, want %q", tc.f, tc.path, err, tc.want)
		}
		if _, serr := os.Stat(out); serr == nil {
			t.Errorf("%s: %s was written", tc.f, out)
		}
	}
}

func TestFormatNames(t *testing.T) {
	for _, n := range Names() {
		f, err := Parse(strings.ToUpper(n))
		if err != nil || f.String() != n || !strings.Contains(Help(), n+": ") {
			t.Errorf("%s: %v %v", n, f, err)
		}
	}
	if _, err := Parse("csv"); err == nil || !strings.Contains(err.Error(), "vqa-rad, slake") {
		t.Errorf("Parse(csv): %v", err)
	}
}

// TestImportRefusesAnOversizedFile: a dataset file is read whole, so one
// over the size bound is refused before it is read, naming the file and
// nothing written (the bound is lowered here to a few bytes).
func TestImportRefusesAnOversizedFile(t *testing.T) {
	defer func(n int64) { maxFileSize = n }(maxFileSize)
	maxFileSize = 64
	dir := t.TempDir()
	path := filepath.Join(dir, "medqa.jsonl")
	write(t, path, `{"question": "Q1 is longer than the bound", "options": {"A": "x", "B": "y"}, "answer_idx": "A"}
`)
	out := filepath.Join(dir, "out.jsonl")
	_, err := Import(MedQA, path, out, Options{})
	var ie *batch.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "medqa.jsonl") || !strings.Contains(err.Error(), "over the 64") {
		t.Errorf("an oversized file: %v", err)
	}
	if _, serr := os.Stat(out); serr == nil {
		t.Errorf("%s was written", out)
	}
}
