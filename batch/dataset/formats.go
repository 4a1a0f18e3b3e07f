package dataset

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
)

// Each reader follows its dataset's published layout field by field; the
// field names are the authors'.

// VQA-RAD (Lau et al. 2018, OSF https://osf.io/89kps/): one JSON array,
// "VQA_RAD Dataset Public.json", of records {qid, image_name,
// image_case_url, image_organ, answer, answer_type (CLOSED|OPEN),
// question_type, question, phrase_type (freeform|para|test_freeform|
// test_para), …}, the images in "VQA_RAD Image Folder".
const (
	vqaRADJSON   = "VQA_RAD Dataset Public.json"
	vqaRADImages = "VQA_RAD Image Folder"
)

func readVQARAD(path string, opt Options) ([]batch.Item, error) {
	file, dir := path, filepath.Dir(path)
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		file, dir = filepath.Join(path, vqaRADJSON), path
	}
	imgDir := filepath.Join(dir, vqaRADImages)
	split := strings.ToLower(opt.Split)
	if split != "" && split != "train" && split != "test" {
		return nil, &batch.InputError{File: file, Err: fmt.Errorf("split %q: VQA-RAD has train and test (by phrase_type)", opt.Split)}
	}
	var recs []map[string]json.RawMessage
	if err := readJSON(file, &recs, "VQA-RAD's JSON (an array of {qid, image_name, question, answer, answer_type, …})"); err != nil {
		return nil, err
	}
	var items []batch.Item
	for i, r := range recs {
		n, qid := i+1, text(r["qid"])
		if f := required(r, "image_name", "question", "answer"); f != "" {
			return nil, recordErr(file, n, "qid "+qid, "no %q: not VQA-RAD's layout (image_name, question, answer, answer_type, …)", f)
		}
		phrase := text(r["phrase_type"])
		recSplit := "train"
		if strings.HasPrefix(phrase, "test") {
			recSplit = "test"
		}
		if split != "" && split != recSplit {
			continue
		}
		img, err := image(file, n, "qid "+qid, imgDir, text(r["image_name"]))
		if err != nil {
			return nil, err
		}
		id := "vqa-rad-" + qid
		if qid == "" {
			id = fmt.Sprintf("vqa-rad-%d", n)
		}
		items = append(items, batch.Item{
			ID: id, Named: true, Images: []string{img},
			Question: text(r["question"]), Answer: text(r["answer"]),
			Meta: meta("dataset", "vqa-rad", "split", recSplit, "qid", qid,
				"answer_type", strings.ToLower(text(r["answer_type"])), "organ", strings.ToLower(text(r["image_organ"])),
				"question_type", text(r["question_type"]), "phrase_type", phrase),
		})
	}
	return items, nil
}

// SLAKE (Liu et al. 2021, https://www.med-vqa.com/slake/): train.json,
// validate.json and test.json, each a JSON array of {img_id, img_name
// (e.g. "xmlab102/source.jpg"), question, answer, q_lang (en|zh),
// location, modality, answer_type (OPEN|CLOSED), base_type, content_type,
// triple, qid}, the images under imgs/.
func readSLAKE(path string, opt Options) ([]batch.Item, error) {
	split := strings.ToLower(opt.Split)
	if split == "" {
		split = "test"
	}
	file, dir := path, filepath.Dir(path)
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		if !slices.Contains([]string{"train", "validate", "test"}, split) {
			return nil, &batch.InputError{File: path, Err: fmt.Errorf("split %q: SLAKE has train, validate and test", opt.Split)}
		}
		file, dir = filepath.Join(path, split+".json"), path
		if _, err := os.Stat(file); err != nil && split == "validate" {
			file = filepath.Join(path, "validation.json") // as Hugging Face's copy names it
		}
	} else {
		split = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	lang := strings.ToLower(opt.Lang)
	if lang == "" {
		lang = "en"
	}
	var recs []map[string]json.RawMessage
	if err := readJSON(file, &recs, "SLAKE's JSON (an array of {img_name, question, answer, q_lang, answer_type, …})"); err != nil {
		return nil, err
	}
	var items []batch.Item
	for i, r := range recs {
		n, qid := i+1, text(r["qid"])
		if f := required(r, "img_name", "question", "answer", "q_lang"); f != "" {
			return nil, recordErr(file, n, "qid "+qid, "no %q: not SLAKE's layout (img_name, question, answer, q_lang, answer_type, …)", f)
		}
		ql := text(r["q_lang"])
		if lang != "all" && ql != lang {
			continue
		}
		img, err := image(file, n, "qid "+qid, filepath.Join(dir, "imgs"), text(r["img_name"]))
		if err != nil {
			return nil, err
		}
		items = append(items, batch.Item{
			ID: "slake-" + qid, Named: true, Images: []string{img},
			Question: text(r["question"]), Answer: text(r["answer"]),
			Meta: meta("dataset", "slake", "split", split, "qid", qid, "language", ql,
				"answer_type", strings.ToLower(text(r["answer_type"])), "modality", text(r["modality"]),
				"organ", text(r["location"]), "location", text(r["location"]),
				"question_type", text(r["content_type"]), "content_type", text(r["content_type"]),
				"base_type", text(r["base_type"]), "img_id", text(r["img_id"])),
		})
	}
	return items, nil
}

// MedQA (Jin et al. 2020, https://github.com/jind11/MedQA): JSON Lines of
// {question, answer, options: {A: …, B: …, …}, meta_info, answer_idx}.
func readMedQA(path string, _ Options) ([]batch.Item, error) {
	var items []batch.Item
	err := eachLine(path, func(n int, line []byte) error {
		var r struct {
			Question  string            `json:"question"`
			Answer    string            `json:"answer"`
			Options   map[string]string `json:"options"`
			MetaInfo  string            `json:"meta_info"`
			AnswerIdx string            `json:"answer_idx"`
		}
		if err := json.Unmarshal(line, &r); err != nil {
			return lineErr(path, n, "not MedQA's layout ({question, options: {A: …}, answer_idx}): %v", err)
		}
		switch {
		case strings.TrimSpace(r.Question) == "":
			return lineErr(path, n, "no \"question\": not MedQA's layout")
		case len(r.Options) == 0:
			return lineErr(path, n, "no \"options\" {A: …, B: …}: not MedQA's layout")
		case r.Options[r.AnswerIdx] == "":
			return lineErr(path, n, "answer_idx %q names none of the options", r.AnswerIdx)
		}
		keys := make([]string, 0, len(r.Options))
		for k := range r.Options {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		choices := make([]string, len(keys))
		for i, k := range keys {
			if k != batch.Letter(i) {
				return lineErr(path, n, "options are %s: want A, B, C, … in turn", strings.Join(keys, ", "))
			}
			choices[i] = r.Options[k]
		}
		items = append(items, batch.Item{
			ID: fmt.Sprintf("medqa-%d", n), Named: true, Question: strings.TrimSpace(r.Question),
			Answer: r.AnswerIdx, Choices: choices,
			Meta: meta("dataset", "medqa", "meta_info", r.MetaInfo, "options", fmt.Sprint(len(choices))),
		})
		return nil
	})
	return items, err
}

// MedMCQA (Pal et al. 2022, https://github.com/medmcqa/medmcqa): JSON
// lines of {id, question, opa, opb, opc, opd, cop (the correct option,
// 1-4), choice_type (single|multi), exp, subject_name, topic_name}. Its
// test.json has no cop: the answers are not public.
func readMedMCQA(path string, _ Options) ([]batch.Item, error) {
	var items []batch.Item
	err := eachLine(path, func(n int, line []byte) error {
		var r map[string]json.RawMessage
		if err := json.Unmarshal(line, &r); err != nil {
			return lineErr(path, n, "not MedMCQA's layout ({question, opa, opb, opc, opd, cop}): %v", err)
		}
		if f := required(r, "question", "opa", "opb", "opc", "opd"); f != "" {
			return lineErr(path, n, "no %q: not MedMCQA's layout (question, opa, opb, opc, opd, cop)", f)
		}
		var cop int
		if err := json.Unmarshal(r["cop"], &cop); err != nil || cop < 1 || cop > 4 {
			return lineErr(path, n, "cop %s: want the correct option 1-4 (MedMCQA's test.json has no answers: use dev.json)", orNull(text(r["cop"])))
		}
		id := text(r["id"])
		if id == "" {
			id = fmt.Sprint(n)
		}
		items = append(items, batch.Item{
			ID: "medmcqa-" + id, Named: true, Question: text(r["question"]),
			Choices: []string{text(r["opa"]), text(r["opb"]), text(r["opc"]), text(r["opd"])},
			Answer:  batch.Letter(cop - 1),
			Meta: meta("dataset", "medmcqa", "subject", text(r["subject_name"]), "topic", text(r["topic_name"]),
				"choice_type", text(r["choice_type"])),
		})
		return nil
	})
	return items, err
}

func orNull(s string) string {
	if s == "" {
		return "missing"
	}
	return s
}

// PubMedQA (Jin et al. 2019, https://github.com/pubmedqa/pubmedqa):
// ori_pqal.json (and test_set.json, its 500 test questions) is one JSON
// object keyed by PMID, each {QUESTION, CONTEXTS: [...], LABELS, MESHES,
// YEAR, reasoning_required_pred, reasoning_free_pred, final_decision
// (yes|no|maybe), LONG_ANSWER}. The item's question is the abstract's
// contexts and the question; its options yes, no, maybe.
func readPubMedQA(path string, _ Options) ([]batch.Item, error) {
	var recs map[string]map[string]json.RawMessage
	if err := readJSON(path, &recs, "PubMedQA's JSON (an object of PMID: {QUESTION, CONTEXTS, final_decision})"); err != nil {
		return nil, err
	}
	pmids := make([]string, 0, len(recs))
	for k := range recs {
		pmids = append(pmids, k)
	}
	slices.Sort(pmids)
	var items []batch.Item
	for i, pmid := range pmids {
		r := recs[pmid]
		n := i + 1
		if f := required(r, "QUESTION", "CONTEXTS", "final_decision"); f != "" {
			return nil, recordErr(path, n, "PMID "+pmid, "no %q: not PubMedQA's layout (QUESTION, CONTEXTS, final_decision)", f)
		}
		var contexts []string
		if err := json.Unmarshal(r["CONTEXTS"], &contexts); err != nil {
			return nil, recordErr(path, n, "PMID "+pmid, "CONTEXTS is not a list of texts: %v", err)
		}
		decision := strings.ToLower(text(r["final_decision"]))
		if !slices.Contains([]string{"yes", "no", "maybe"}, decision) {
			return nil, recordErr(path, n, "PMID "+pmid, "final_decision %q: want yes, no or maybe", decision)
		}
		items = append(items, batch.Item{
			ID: "pubmedqa-" + pmid, Named: true,
			Question: "Context: " + strings.Join(contexts, "\n") + "\nQuestion: " + text(r["QUESTION"]),
			Choices:  []string{"yes", "no", "maybe"}, Answer: decision,
			Meta: meta("dataset", "pubmedqa", "pmid", pmid, "year", text(r["YEAR"]),
				"reasoning_required_pred", text(r["reasoning_required_pred"])),
		})
	}
	return items, nil
}
