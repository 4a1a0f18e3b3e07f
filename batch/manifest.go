package batch

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Item is one study to ask about: its image files and, optionally, a
// question, a reference answer and multiple-choice options.
type Item struct {
	// ID names the item in results; unique within a batch.
	ID string `json:"id"`
	// Images are the image files as the manifest gives them (relative to
	// the manifest, or absolute); Paths are the same files resolved.
	Images []string `json:"images"`
	Paths  []string `json:"-"`
	// Question, Answer and Choices fill the prompt templates and are the
	// reference for eval; all are optional.
	Question string   `json:"question,omitempty"`
	Answer   string   `json:"answer,omitempty"`
	Choices  []string `json:"choices,omitempty"`
	// Source is where the item was read from, "FILE:LINE", for errors.
	Source string `json:"-"`
}

// InputError is bad input in a manifest or prompts file: it names the
// file and, where there is one, the line.
type InputError struct {
	File string
	Line int
	Err  error
}

func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *InputError) Unwrap() error { return e.Err }

func inputErr(file string, line int, format string, args ...any) error {
	return &InputError{File: file, Line: line, Err: fmt.Errorf(format, args...)}
}

// LoadManifest reads a manifest: CSV when the name ends in .csv, else JSON
// Lines. Image paths are relative to the manifest's folder; every image
// must exist. Errors are [*InputError]s naming the file and line.
func LoadManifest(path string) ([]Item, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &InputError{File: path, Err: cause(err)}
	}
	var items []Item
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		items, err = parseCSVManifest(path, data)
	} else {
		items, err = parseJSONLManifest(path, data)
	}
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, inputErr(path, 0, "no items: a manifest has one line per item, each with \"images\"")
	}
	if err := resolve(path, filepath.Dir(path), items); err != nil {
		return nil, err
	}
	return items, nil
}

func parseJSONLManifest(path string, data []byte) ([]Item, error) {
	var items []Item
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var it Item
		if err := json.Unmarshal(line, &it); err != nil {
			return nil, inputErr(path, i+1, "not a JSON object with id, images, question, answer, choices: %v", err)
		}
		it.Source = fmt.Sprintf("%s:%d", path, i+1)
		items = append(items, it)
	}
	return items, nil
}

func parseCSVManifest(path string, data []byte) ([]Item, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, inputErr(path, 1, "no CSV header (want id,images,question,answer,choices): %v", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	if _, ok := col["images"]; !ok {
		return nil, inputErr(path, 1, "the CSV header has no \"images\" column (want id,images,question,answer,choices)")
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	split := func(s, sep string) []string {
		var out []string
		for _, p := range strings.Split(s, sep) {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	var items []Item
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			return nil, inputErr(path, line, "%v", err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		items = append(items, Item{
			ID:       get(rec, "id"),
			Images:   split(get(rec, "images"), ";"),
			Question: get(rec, "question"),
			Answer:   get(rec, "answer"),
			Choices:  split(get(rec, "choices"), "|"),
			Source:   fmt.Sprintf("%s:%d", path, line),
		})
	}
	return items, nil
}

// resolve checks the items (images present and readable, ids unique) and
// fills Paths, relative to dir, and missing ids.
func resolve(file, dir string, items []Item) error {
	seen := map[string]string{}
	for i := range items {
		it := &items[i]
		line := lineOf(it.Source)
		if len(it.Images) == 0 {
			return inputErr(file, line, "no images: give \"images\": [\"path\", ...]")
		}
		it.Paths = make([]string, len(it.Images))
		for j, im := range it.Images {
			p := filepath.FromSlash(im)
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			st, err := os.Stat(p)
			if err != nil {
				return inputErr(file, line, "image %s: %v", im, cause(err))
			}
			if !st.Mode().IsRegular() {
				return inputErr(file, line, "image %s: not a file", im)
			}
			it.Paths[j] = p
		}
		if it.ID == "" {
			it.ID = strings.Join(it.Images, ";")
		}
		if prev, ok := seen[it.ID]; ok {
			return inputErr(file, line, "id %q is used twice (first at %s): ids must be unique", it.ID, prev)
		}
		seen[it.ID] = it.Source
	}
	return nil
}

func lineOf(source string) int {
	var n int
	if i := strings.LastIndexByte(source, ':'); i >= 0 {
		fmt.Sscan(source[i+1:], &n)
	}
	return n
}

// ScanDir makes one item per image file (DICOM, PNG or JPEG, recognised by
// their content) under dir, in path order, with the path relative to dir
// as the id. Hidden files and folders are skipped.
func ScanDir(dir string) ([]Item, error) {
	var items []Item
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		ok, err := isImageFile(p)
		if err != nil || !ok {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		items = append(items, Item{ID: rel, Images: []string{rel}, Paths: []string{p}, Source: p})
		return nil
	})
	if err != nil {
		return nil, &InputError{File: dir, Err: err}
	}
	if len(items) == 0 {
		return nil, inputErr(dir, 0, "no DICOM, PNG or JPEG files")
	}
	sort.Slice(items, func(i, j int) bool { return items[i].ID < items[j].ID })
	return items, nil
}

// isImageFile reports whether the file starts like a DICOM (the "DICM"
// preamble), PNG or JPEG file.
func isImageFile(p string) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, err
	}
	defer f.Close()
	var head [132]byte
	n, _ := io.ReadFull(f, head[:])
	b := head[:n]
	switch {
	case n == 132 && string(b[128:132]) == "DICM":
		return true, nil
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return true, nil
	case bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}):
		return true, nil
	}
	// A DICOM file without the preamble: accept the usual extensions.
	ext := strings.ToLower(filepath.Ext(p))
	return ext == ".dcm" || ext == ".dicom", nil
}

// ExtractZip unpacks the ZIP file at path into dir (which must exist) and
// returns its image items, as [ScanDir] does, with ids being the paths
// inside the ZIP. Entries that would land outside dir are refused.
func ExtractZip(path, dir string) ([]Item, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, &InputError{File: path, Err: fmt.Errorf("not a readable ZIP: %w", err)}
	}
	defer zr.Close()
	for _, f := range zr.File {
		name := filepath.FromSlash(f.Name)
		if !filepath.IsLocal(name) {
			return nil, inputErr(path, 0, "entry %q points outside the archive", f.Name)
		}
		if f.FileInfo().IsDir() {
			continue
		}
		if !f.Mode().IsRegular() {
			continue
		}
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return nil, err
		}
		if err := extractOne(f, dst); err != nil {
			return nil, inputErr(path, 0, "entry %s: %v", f.Name, err)
		}
	}
	items, err := ScanDir(dir)
	if err != nil {
		return nil, inputErr(path, 0, "no DICOM, PNG or JPEG files in the archive")
	}
	return items, nil
}

func extractOne(f *zip.File, dst string) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, rc); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// cause drops the path from an *fs.PathError, which the message names
// already.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
