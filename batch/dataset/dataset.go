// Package dataset turns public medical benchmarks, in the layouts their
// authors publish them in, into batch manifests: VQA-RAD, SLAKE, MedQA,
// MedMCQA and PubMedQA. Each record becomes one manifest item (images
// relative to the manifest, none for a text question) with its question,
// reference answer, options and every useful field as metadata
// (answer_type, organ, modality, language, question_type, …), which eval
// --by splits scores by. Bad input is an error naming the file and the
// record, and nothing is written then: the manifest is written to a
// temporary file and renamed.
package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/internal/atomicfile"
)

// Format is a published dataset layout.
type Format int

// The formats; [Formats] lists them with their help.
const (
	VQARAD Format = iota + 1
	SLAKE
	MedQA
	MedMCQA
	PubMedQA
	HFParquet
)

// format is one row of the formats table.
type format struct {
	f    Format
	name string
	help string
	read func(path string, opt Options) ([]batch.Item, error)
	// images is true when the layout holds the images' bytes, which the
	// import writes to a folder beside the manifest.
	images bool
}

// formats is the one table of layouts: names, help and errors come from
// it.
var formats = []format{
	{VQARAD, "vqa-rad", "VQA-RAD's \"VQA_RAD Dataset Public.json\" (or its folder, with \"VQA_RAD Image Folder\"); --split train|test by phrase_type", readVQARAD, false},
	{SLAKE, "slake", "SLAKE's folder (train.json, validate.json, test.json, imgs/) or one of its JSON files; --split (default test); English only unless --lang all|zh", readSLAKE, false},
	{MedQA, "medqa", "MedQA's JSON Lines (question, options {A: …}, answer_idx), e.g. data_clean/questions/US/4_options/phrases_no_exclude_test.jsonl", readMedQA, false},
	{MedMCQA, "medmcqa", "MedMCQA's JSON lines (question, opa, opb, opc, opd, cop 1-4, subject_name, topic_name), e.g. dev.json", readMedMCQA, false},
	{PubMedQA, "pubmedqa", "PubMedQA's ori_pqal.json or test_set.json (PMID: {QUESTION, CONTEXTS, final_decision})", readPubMedQA, false},
	{HFParquet, "hf-parquet", "a Hugging Face Parquet file of one of these sets (flaviagiammarino/vqa-rad: image {bytes, path}, question, answer; openlifescienceai/medmcqa; qiaojin/PubMedQA pqa_labeled; GBaker/MedQA-USMLE-4-options), recognised by its columns; images go to a folder beside the manifest", readParquet, true},
}

// String is the format's name.
func (f Format) String() string {
	for _, r := range formats {
		if r.f == f {
			return r.name
		}
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Names are the formats' names.
func Names() []string {
	out := make([]string, len(formats))
	for i, r := range formats {
		out[i] = r.name
	}
	return out
}

// Help is one line per format, "name: layout", for a flag's help.
func Help() string {
	var b strings.Builder
	for _, r := range formats {
		fmt.Fprintf(&b, "\n  %s: %s", r.name, r.help)
	}
	return b.String()
}

// Parse reads a format's name.
func Parse(s string) (Format, error) {
	n := strings.ToLower(strings.TrimSpace(s))
	for _, r := range formats {
		if r.name == n {
			return r.f, nil
		}
	}
	return 0, fmt.Errorf("unknown dataset format %q: want %s", s, strings.Join(Names(), ", "))
}

// Options say which records to import.
type Options struct {
	// Split is the split to keep: VQA-RAD "train" or "test" (all when
	// empty), SLAKE's "train", "validate" or "test" (default test). Other
	// formats are one file per split: give that file.
	Split string
	// Lang is SLAKE's question language to keep: "en" (the default), "zh"
	// or "all".
	Lang string
	// Limit, when above 0, keeps the first Limit items.
	Limit int
	// imageDir is where a layout with image bytes writes its images.
	imageDir string
}

// Result is what an import wrote.
type Result struct {
	Format Format `json:"-"`
	Name   string `json:"format"`
	Out    string `json:"out"`
	Items  int    `json:"items"`
	// Images is the number of image files the items name.
	Images int `json:"images"`
}

// Read reads the dataset at path in format f into items whose images are
// absolute paths, each checked to exist.
func Read(f Format, path string, opt Options) ([]batch.Item, error) {
	for _, r := range formats {
		if r.f == f {
			if r.images && opt.imageDir == "" {
				return nil, fmt.Errorf("%s holds the images' bytes: import it (dataset.Import) to write them", f)
			}
			items, err := r.read(path, opt)
			if err != nil {
				return nil, err
			}
			if opt.Limit > 0 && len(items) > opt.Limit {
				items = items[:opt.Limit]
			}
			if len(items) == 0 {
				return nil, &batch.InputError{File: path, Err: fmt.Errorf("no %s records (split %q, language %q)", f, opt.Split, opt.Lang)}
			}
			return items, nil
		}
	}
	return nil, fmt.Errorf("unknown dataset format %d", int(f))
}

// Import reads the dataset at path in format f and writes it as a JSON
// Lines manifest to out, image paths relative to out's folder. Nothing is
// written when the input is bad.
func Import(f Format, path, out string, opt Options) (Result, error) {
	var finish func() error
	for _, r := range formats {
		if r.f == f && r.images {
			var err error
			if opt.imageDir, finish, err = stageImages(out); err != nil {
				return Result{}, err
			}
			defer os.RemoveAll(opt.imageDir) // gone once renamed
		}
	}
	items, err := Read(f, path, opt)
	if err != nil {
		return Result{}, err
	}
	if finish != nil {
		// The images first, then the manifest that names them.
		final := imagesDir(out)
		for i := range items {
			for j, im := range items[i].Images {
				if items[i].Images[j], err = filepath.Abs(filepath.Join(final, filepath.Base(im))); err != nil {
					return Result{}, err
				}
			}
		}
		if err := finish(); err != nil {
			return Result{}, err
		}
	}
	res := Result{Format: f, Name: f.String(), Out: out, Items: len(items)}
	dir, err := filepath.Abs(filepath.Dir(out))
	if err != nil {
		return res, err
	}
	for i := range items {
		for j, im := range items[i].Images {
			rel, err := filepath.Rel(dir, im)
			if err != nil {
				rel = im
			}
			items[i].Images[j] = filepath.ToSlash(rel)
			res.Images++
		}
	}
	err = atomicfile.Write(out, 0o644, func(w io.Writer) error { return WriteManifest(w, items) })
	if err != nil {
		return res, fmt.Errorf("write %s: %w", out, err)
	}
	return res, nil
}

// imagesDir is the folder beside the manifest out that holds the images
// an import writes: "NAME-images" for NAME.jsonl.
func imagesDir(out string) string {
	return strings.TrimSuffix(out, filepath.Ext(out)) + "-images"
}

// stageImages makes a folder for an import's images beside out; finish
// puts it in place of imagesDir(out) (replacing an earlier import's).
func stageImages(out string) (dir string, finish func() error, err error) {
	final := imagesDir(out)
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return "", nil, err
	}
	dir, err = os.MkdirTemp(filepath.Dir(final), filepath.Base(final)+".tmp-")
	if err != nil {
		return "", nil, err
	}
	return dir, func() error {
		if err := os.RemoveAll(final); err != nil {
			return err
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			return err
		}
		return os.Rename(dir, final)
	}, nil
}

// WriteManifest writes items as JSON Lines, one item a line.
func WriteManifest(w io.Writer, items []batch.Item) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, it := range items {
		if err := enc.Encode(it); err != nil {
			return err
		}
	}
	return nil
}

// recordErr is bad input in record n (from 1) of file, named by id where
// it has one.
func recordErr(file string, n int, id, format string, args ...any) error {
	what := fmt.Sprintf("record %d", n)
	if id != "" {
		what += " (" + id + ")"
	}
	return &batch.InputError{File: file, Err: fmt.Errorf(what+": "+format, args...)}
}

// lineErr is bad input on line n of a JSON Lines file.
func lineErr(file string, n int, format string, args ...any) error {
	return &batch.InputError{File: file, Line: n, Err: fmt.Errorf(format, args...)}
}

// text is a JSON value as text: a string as it is, a number or boolean
// as written, null as "".
func text(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return strings.TrimSpace(s)
	}
	return string(v)
}

// maxFileSize bounds a dataset file (JSON, JSON Lines or Parquet), whose
// records are all held at once: the published ones are far smaller
// (MedMCQA's train set, the largest, is about 90 MB as JSON).
var maxFileSize int64 = 1 << 30

// openFile opens a dataset file and returns its size, refusing one over
// maxFileSize before anything is read, naming the file.
func openFile(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, &batch.InputError{File: path, Err: err}
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, &batch.InputError{File: path, Err: err}
	}
	if st.Size() > maxFileSize {
		f.Close()
		return nil, 0, &batch.InputError{File: path, Err: fmt.Errorf("%d bytes, over the %d a dataset file may have", st.Size(), maxFileSize)}
	}
	return f, st.Size(), nil
}

// readFile reads a dataset file whole, refusing one over maxFileSize
// before reading it.
func readFile(path string) ([]byte, error) {
	f, _, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err == nil && int64(len(data)) > maxFileSize {
		err = fmt.Errorf("grew past the %d bytes a dataset file may have while read", maxFileSize)
	}
	if err != nil {
		return nil, &batch.InputError{File: path, Err: err}
	}
	return data, nil
}

// readJSON reads a whole JSON file into v, an error naming the file and
// the layout wanted when it is not.
func readJSON(path string, v any, want string) error {
	data, err := readFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return &batch.InputError{File: path, Err: fmt.Errorf("not %s: %v", want, err)}
	}
	return nil
}

// eachLine calls fn with each non-blank line of a JSON Lines file and its
// number.
func eachLine(path string, fn func(n int, line []byte) error) error {
	data, err := readFile(path)
	if err != nil {
		return err
	}
	for i, line := range bytes.Split(data, []byte("\n")) {
		if line = bytes.TrimSpace(line); len(line) == 0 {
			continue
		}
		if err := fn(i+1, line); err != nil {
			return err
		}
	}
	return nil
}

// image checks that an image a record names is a file under dir and
// returns its absolute path.
func image(file string, n int, id, dir, name string) (string, error) {
	if name == "" {
		return "", recordErr(file, n, id, "no image name")
	}
	p := filepath.Join(dir, filepath.FromSlash(name))
	if !filepath.IsLocal(filepath.FromSlash(name)) {
		return "", recordErr(file, n, id, "image %q is outside %s", name, dir)
	}
	st, err := os.Stat(p)
	if err != nil || !st.Mode().IsRegular() {
		return "", recordErr(file, n, id, "image %s is not in %s", name, dir)
	}
	return filepath.Abs(p)
}

// meta is item metadata without its empty values.
func meta(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			m[kv[i]] = kv[i+1]
		}
	}
	return m
}

// required names the first of the fields a record lacks, or "".
func required(rec map[string]json.RawMessage, fields ...string) string {
	for _, f := range fields {
		if text(rec[f]) == "" {
			return f
		}
	}
	return ""
}
