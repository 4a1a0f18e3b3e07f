package dataset

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
)

// The Hugging Face datasets of these benchmarks, as Parquet files (one a
// split, e.g. data/test-00000-of-00001.parquet), in the column layouts
// their dataset cards publish:
//
//   - flaviagiammarino/vqa-rad (and the same layout: path-vqa, SLAKE
//     exports): image {bytes, path}, question, answer;
//   - openlifescienceai/medmcqa: id, question, opa, opb, opc, opd, cop
//     (the correct option, 0-3 here: a ClassLabel), choice_type, exp,
//     subject_name, topic_name;
//   - qiaojin/PubMedQA (pqa_labeled): pubid, question, context {contexts,
//     labels, meshes, reasoning_required_pred, reasoning_free_pred},
//     long_answer, final_decision;
//   - GBaker/MedQA-USMLE-4-options (its Parquet conversion): question,
//     answer, options {A, B, C, D}, meta_info, answer_idx.
//
// Which one a file is comes from its columns. Images are written to a
// folder beside the manifest.

type hfImage struct {
	Bytes []byte `parquet:"bytes,optional"`
	Path  string `parquet:"path,optional"`
}

type hfVQA struct {
	Image    hfImage `parquet:"image,optional"`
	Question string  `parquet:"question,optional"`
	Answer   string  `parquet:"answer,optional"`
}

type hfMedMCQA struct {
	ID          string `parquet:"id,optional"`
	Question    string `parquet:"question,optional"`
	OpA         string `parquet:"opa,optional"`
	OpB         string `parquet:"opb,optional"`
	OpC         string `parquet:"opc,optional"`
	OpD         string `parquet:"opd,optional"`
	Cop         *int64 `parquet:"cop,optional"`
	ChoiceType  string `parquet:"choice_type,optional"`
	SubjectName string `parquet:"subject_name,optional"`
	TopicName   string `parquet:"topic_name,optional"`
}

type hfPubMedQA struct {
	PubID    int64  `parquet:"pubid,optional"`
	Question string `parquet:"question,optional"`
	Context  struct {
		Contexts              []string `parquet:"contexts,list"`
		ReasoningRequiredPred string   `parquet:"reasoning_required_pred,optional"`
	} `parquet:"context,optional"`
	FinalDecision string `parquet:"final_decision,optional"`
}

type hfMedQA struct {
	Question string `parquet:"question,optional"`
	Options  struct {
		A string `parquet:"A,optional"`
		B string `parquet:"B,optional"`
		C string `parquet:"C,optional"`
		D string `parquet:"D,optional"`
	} `parquet:"options,optional"`
	MetaInfo  string `parquet:"meta_info,optional"`
	AnswerIdx string `parquet:"answer_idx,optional"`
}

// readParquet reads a Hugging Face Parquet file, recognising its dataset
// by its columns, and writes its images into opt.imageDir.
func readParquet(path string, opt Options) ([]batch.Item, error) {
	f, size, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pf, err := parquet.OpenFile(f, size)
	if err != nil {
		return nil, &batch.InputError{File: path, Err: fmt.Errorf("not a Parquet file: %v", err)}
	}
	top := map[string]bool{}
	for _, c := range pf.Schema().Fields() {
		top[c.Name()] = true
	}
	has := func(cols ...string) bool {
		for _, c := range cols {
			if !top[c] {
				return false
			}
		}
		return true
	}
	split := splitOf(path)
	switch {
	case has("image", "question", "answer"):
		return readHFVQA(pf, path, split, opt)
	case has("opa", "opb", "opc", "opd", "cop"):
		return readHFMedMCQA(pf, path, split)
	case has("pubid", "question", "final_decision"):
		return readHFPubMedQA(pf, path, split)
	case has("question", "options", "answer_idx"):
		return readHFMedQA(pf, path, split)
	}
	var cols []string
	for _, c := range pf.Schema().Fields() {
		cols = append(cols, c.Name())
	}
	return nil, &batch.InputError{File: path, Err: fmt.Errorf("columns %s are none of the Hugging Face layouts known (vqa-rad: image, question, answer; medmcqa: opa…opd, cop; pubmedqa: pubid, question, context, final_decision; medqa: question, options, answer_idx)", strings.Join(cols, ", "))}
}

// splitOf is the split a Hugging Face Parquet file's name gives
// ("test-00000-of-00001.parquet" is test), or "".
func splitOf(path string) string {
	base := filepath.Base(path)
	if i := strings.IndexAny(base, "-."); i > 0 {
		return base[:i]
	}
	return ""
}

// maxPreallocRows bounds the rows readAll allocates room for before it
// reads them.
const maxPreallocRows = 1 << 14

// readAll reads every row of pf as T.
func readAll[T any](pf *parquet.File, path string) ([]T, error) {
	r := parquet.NewGenericReader[T](pf)
	defer r.Close()
	// The row count is the file's own claim: it sizes the first
	// allocation only up to a bound, and the rows read decide the rest.
	out := make([]T, 0, min(max(pf.NumRows(), 0), maxPreallocRows))
	buf := make([]T, 64)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, &batch.InputError{File: path, Err: fmt.Errorf("record %d: %v", len(out)+1, err)}
		}
	}
}

func readHFVQA(pf *parquet.File, path, split string, opt Options) ([]batch.Item, error) {
	rows, err := readAll[hfVQA](pf, path)
	if err != nil {
		return nil, err
	}
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	var items []batch.Item
	for i, r := range rows {
		n := i + 1
		if strings.TrimSpace(r.Question) == "" || strings.TrimSpace(r.Answer) == "" {
			return nil, recordErr(path, n, "", "no question or answer: not the layout image, question, answer")
		}
		ext := imageExt(r.Image.Bytes)
		if ext == "" {
			return nil, recordErr(path, n, "", "image bytes are not a JPEG or PNG (%d bytes)", len(r.Image.Bytes))
		}
		name := fmt.Sprintf("%s-%05d%s", stem, n, ext)
		img := filepath.Join(opt.imageDir, name)
		if err := os.WriteFile(img, r.Image.Bytes, 0o644); err != nil {
			return nil, err
		}
		answerType := "open"
		if a := strings.ToLower(r.Answer); a == "yes" || a == "no" {
			answerType = "closed" // the card's VQA-RAD copy has no answer_type: yes/no is closed
		}
		items = append(items, batch.Item{
			ID: fmt.Sprintf("%s-%d", stem, n), Named: true, Images: []string{img},
			Question: r.Question, Answer: r.Answer,
			Meta: meta("dataset", "hf-parquet", "split", split, "answer_type", answerType, "source_image", r.Image.Path),
		})
	}
	return items, nil
}

func readHFMedMCQA(pf *parquet.File, path, split string) ([]batch.Item, error) {
	rows, err := readAll[hfMedMCQA](pf, path)
	if err != nil {
		return nil, err
	}
	var items []batch.Item
	for i, r := range rows {
		n := i + 1
		if r.Cop == nil || *r.Cop < 0 || *r.Cop > 3 {
			return nil, recordErr(path, n, "id "+r.ID, "cop is not the correct option 0-3 (the test split has no answers: use validation)")
		}
		items = append(items, batch.Item{
			ID: "medmcqa-" + r.ID, Named: true, Question: r.Question,
			Choices: []string{r.OpA, r.OpB, r.OpC, r.OpD}, Answer: batch.Letter(int(*r.Cop)),
			Meta: meta("dataset", "medmcqa", "split", split, "subject", r.SubjectName, "topic", r.TopicName, "choice_type", r.ChoiceType),
		})
	}
	return items, nil
}

func readHFPubMedQA(pf *parquet.File, path, split string) ([]batch.Item, error) {
	rows, err := readAll[hfPubMedQA](pf, path)
	if err != nil {
		return nil, err
	}
	var items []batch.Item
	for i, r := range rows {
		n, pmid := i+1, fmt.Sprint(r.PubID)
		d := strings.ToLower(r.FinalDecision)
		if d != "yes" && d != "no" && d != "maybe" {
			return nil, recordErr(path, n, "pubid "+pmid, "final_decision %q: want yes, no or maybe", r.FinalDecision)
		}
		items = append(items, batch.Item{
			ID: "pubmedqa-" + pmid, Named: true,
			Question: "Context: " + strings.Join(r.Context.Contexts, "\n") + "\nQuestion: " + r.Question,
			Choices:  []string{"yes", "no", "maybe"}, Answer: d,
			Meta: meta("dataset", "pubmedqa", "split", split, "pmid", pmid, "reasoning_required_pred", r.Context.ReasoningRequiredPred),
		})
	}
	return items, nil
}

func readHFMedQA(pf *parquet.File, path, split string) ([]batch.Item, error) {
	rows, err := readAll[hfMedQA](pf, path)
	if err != nil {
		return nil, err
	}
	var items []batch.Item
	for i, r := range rows {
		n := i + 1
		choices := []string{r.Options.A, r.Options.B, r.Options.C, r.Options.D}
		idx := strings.Index("ABCD", r.AnswerIdx)
		if len(r.AnswerIdx) != 1 || idx < 0 || choices[idx] == "" {
			return nil, recordErr(path, n, "", "answer_idx %q names none of the options A-D", r.AnswerIdx)
		}
		items = append(items, batch.Item{
			ID: fmt.Sprintf("medqa-%d", n), Named: true, Question: r.Question, Answer: r.AnswerIdx, Choices: choices,
			Meta: meta("dataset", "medqa", "split", split, "meta_info", r.MetaInfo),
		})
	}
	return items, nil
}

// imageExt is the extension of an image's bytes by their signature.
func imageExt(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}):
		return ".jpg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return ".png"
	}
	return ""
}
