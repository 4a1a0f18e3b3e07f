package batch

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/filelock"
	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
	"github.com/medgemma-workbench/medgemma-workbench/internal/units"
)

// Item is one question to ask: its image files (none for a text-only
// question) and, optionally, a question, a reference answer,
// multiple-choice options and metadata.
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
	// Meta are the manifest's other fields (answer_type, organ, modality,
	// language, question_type, split, …): carried into the item's rows,
	// where eval --by splits scores by them. A field that is not a JSON
	// string is kept as its JSON text.
	Meta map[string]string `json:"-"`
	// Source is where the item was read from, "FILE:LINE", for errors.
	Source string `json:"-"`
	// Named is true when the manifest gave the id. Otherwise ID defaults
	// to the image paths, which may name the patient: [Spec.Jobs] then
	// sets HashID, "item-" and 12 hex digits of the SHA-256 of the image
	// contents, which results and prompts use instead unless PHI is
	// asked for.
	Named  bool   `json:"-"`
	HashID string `json:"-"`
}

// PromptID is the id that {{id}} puts in a prompt: the manifest's, or the
// hash id, never a path.
func (it *Item) PromptID() string {
	if it.Named || it.HashID == "" {
		return it.ID
	}
	return it.HashID
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
// Lines (lines starting with # are comments). Image paths are relative to the manifest's folder; every image
// must exist. Errors are [*InputError]s naming the file and line.
func LoadManifest(path string) ([]Item, error) { return LoadManifestWith(path, nil) }

// Locate turns an image named in a manifest that is not a path (a
// dicomweb:// source) into the local file or folder that holds it; ok is
// false for an ordinary path.
type Locate func(image string) (local string, ok bool, err error)

// LoadManifestWith is LoadManifest with images that locate resolves
// (nil: none) taken from where it says; such an image is named in rows
// and errors with its credentials removed.
func LoadManifestWith(path string, locate Locate) ([]Item, error) {
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
		return nil, inputErr(path, 0, "no items: a manifest has one line per item, each with \"images\", \"question\" or both")
	}
	if err := resolve(path, filepath.Dir(path), items, locate); err != nil {
		return nil, err
	}
	return items, nil
}

// itemFields are the fields of a manifest item that are not metadata.
var itemFields = []string{"id", "images", "question", "answer", "choices"}

// UnmarshalJSON reads a manifest line: the item's fields, and every other
// field into Meta.
func (it *Item) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	type plain Item // without this method
	var p plain
	known := map[string]json.RawMessage{}
	for k, v := range raw {
		if slices.Contains(itemFields, k) {
			known[k] = v
			continue
		}
		if p.Meta == nil {
			p.Meta = map[string]string{}
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(bytes.TrimSpace(v))
		}
		p.Meta[k] = s
	}
	kb, _ := json.Marshal(known)
	meta := p.Meta
	if err := json.Unmarshal(kb, &p); err != nil {
		return err
	}
	p.Meta = meta
	*it = Item(p)
	return nil
}

// MarshalJSON writes an item as a manifest line: id, images, question,
// answer, choices, then its metadata's fields in name order.
func (it Item) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	field := func(k string, v any) {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(v)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	field("id", it.ID)
	if len(it.Images) > 0 {
		field("images", it.Images)
	}
	if it.Question != "" {
		field("question", it.Question)
	}
	if it.Answer != "" {
		field("answer", it.Answer)
	}
	if len(it.Choices) > 0 {
		field("choices", it.Choices)
	}
	for _, k := range slices.Sorted(maps.Keys(it.Meta)) {
		if !slices.Contains(itemFields, k) {
			field(k, it.Meta[k])
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func parseJSONLManifest(path string, data []byte) ([]Item, error) {
	var items []Item
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue // blank, or a comment
		}
		var it Item
		if err := json.Unmarshal(line, &it); err != nil {
			return nil, inputErr(path, i+1, "not a JSON object with id, images, question, answer, choices (and metadata fields): %v", err)
		}
		it.Source = fmt.Sprintf("%s:%d", path, i+1)
		it.Named = it.ID != ""
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
		if _, ok := col["question"]; !ok {
			return nil, inputErr(path, 1, "the CSV header has neither an \"images\" nor a \"question\" column (want id,images,question,answer,choices)")
		}
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
		var meta map[string]string
		for name, i := range col {
			if !slices.Contains(itemFields, name) && name != "" && i < len(rec) {
				if meta == nil {
					meta = map[string]string{}
				}
				meta[name] = strings.TrimSpace(rec[i])
			}
		}
		items = append(items, Item{
			Meta:     meta,
			ID:       get(rec, "id"),
			Images:   split(get(rec, "images"), ";"),
			Question: get(rec, "question"),
			Answer:   get(rec, "answer"),
			Choices:  split(get(rec, "choices"), "|"),
			Source:   fmt.Sprintf("%s:%d", path, line),
			Named:    get(rec, "id") != "",
		})
	}
	return items, nil
}

// resolve checks the items (images present and readable, ids unique) and
// fills Paths, relative to dir, and missing ids.
func resolve(file, dir string, items []Item, locate Locate) error {
	seen := map[string]string{}
	for i := range items {
		it := &items[i]
		line := lineOf(it.Source)
		if len(it.Images) == 0 {
			// A text-only question (MedQA, PubMedQA, EHR questions).
			if strings.TrimSpace(it.Question) == "" {
				return inputErr(file, line, "neither images nor a question: give \"images\": [\"path\", ...], \"question\": \"…\" or both")
			}
			if it.ID == "" {
				// Named from its text, which a path never is.
				it.ID, it.Named = textID(it), true
			}
		}
		it.Paths = make([]string, len(it.Images))
		for j, im := range it.Images {
			if locate != nil {
				local, ok, err := locate(im)
				if ok || err != nil {
					it.Images[j] = redact.URL(im)
				}
				if err != nil {
					return inputErr(file, line, "image %s: %v", it.Images[j], err)
				}
				if ok {
					it.Paths[j] = local
					continue
				}
			}
			p := filepath.FromSlash(im)
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			st, err := os.Stat(p)
			if err != nil {
				return inputErr(file, line, "image %s: %v", im, cause(err))
			}
			if !st.Mode().IsRegular() && !st.IsDir() {
				return inputErr(file, line, "image %s: not a file or folder", im)
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

// textID is the id of a text-only item the manifest did not name:
// "text-" and 12 hex digits of the SHA-256 of its question, answer and
// choices.
func textID(it *Item) string {
	sum := sha256.Sum256([]byte(it.Question + "\x00" + it.Answer + "\x00" + strings.Join(it.Choices, "\x00")))
	return "text-" + hex.EncodeToString(sum[:6])
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

// ZipLimits bound what ExtractZip writes, so that a ZIP bomb or a huge
// archive fails with a message instead of filling the disk. Sizes are the
// bytes actually decompressed, not the sizes the archive claims.
type ZipLimits struct {
	// EntryBytes is the most one file may hold, TotalBytes the most all
	// of them together, and Entries the most entries (folders included).
	EntryBytes, TotalBytes int64
	Entries                int
}

// DefaultZipLimits allow 1 GiB a file, 16 GiB in all and 100,000 entries:
// more than a large CT or whole-slide study needs, less than a bomb.
var DefaultZipLimits = ZipLimits{EntryBytes: 1 << 30, TotalBytes: 16 << 30, Entries: 100_000}

// ExtractZip unpacks the ZIP file at path into dir (which must exist and
// be empty) and returns its image items, as [ScanDir] does, with ids being
// the paths inside the ZIP. Entries that would land outside dir, entries
// named twice and anything over the limits are refused with an
// [*InputError] naming the ZIP, the entry and the limit; what was written
// stays in dir for the caller to remove.
func ExtractZip(path, dir string, lim ZipLimits) ([]Item, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, &InputError{File: path, Err: fmt.Errorf("not a readable ZIP: %w", err)}
	}
	defer zr.Close()
	if lim.Entries > 0 && len(zr.File) > lim.Entries {
		return nil, inputErr(path, 0, "%d entries, over the limit of %d entries per ZIP", len(zr.File), lim.Entries)
	}
	total := int64(0)
	for _, f := range zr.File {
		name := filepath.FromSlash(f.Name)
		if !filepath.IsLocal(name) {
			return nil, inputErr(path, 0, "entry %q points outside the archive", f.Name)
		}
		if f.FileInfo().IsDir() || !f.Mode().IsRegular() {
			continue
		}
		if lim.EntryBytes > 0 && f.UncompressedSize64 > uint64(lim.EntryBytes) {
			return nil, inputErr(path, 0, "entry %s: %s, over the limit of %s per file", f.Name, units.Bytes(int64(f.UncompressedSize64)), units.Bytes(lim.EntryBytes))
		}
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return nil, err
		}
		n, err := extractOne(f, dst, lim, total)
		total += n
		if err != nil {
			return nil, inputErr(path, 0, "entry %s: %v", f.Name, err)
		}
	}
	items, err := ScanDir(dir)
	if err != nil {
		return nil, inputErr(path, 0, "no DICOM, PNG or JPEG files in the archive")
	}
	return items, nil
}

// errZipLimit is a limit of [ZipLimits] reached while decompressing.
type errZipLimit struct {
	what  string
	limit int64
}

func (e errZipLimit) Error() string {
	return fmt.Sprintf("decompresses to more than the limit of %s %s", units.Bytes(e.limit), e.what)
}

// extractOne writes one entry to dst, a new file, counting the bytes
// decompressed against the limits (done is what earlier entries wrote).
// It returns how many bytes it wrote.
func extractOne(f *zip.File, dst string, lim ZipLimits, done int64) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return 0, errors.New("named twice in the archive")
	}
	if err != nil {
		return 0, err
	}
	// Read at most one byte past the tighter limit, to tell "at the limit"
	// from "over it" without trusting the header.
	allow, over := int64(-1), error(nil)
	if lim.EntryBytes > 0 {
		allow, over = lim.EntryBytes, errZipLimit{"per file", lim.EntryBytes}
	}
	if lim.TotalBytes > 0 && (allow < 0 || lim.TotalBytes-done < allow) {
		allow, over = max(lim.TotalBytes-done, 0), errZipLimit{"per ZIP in all", lim.TotalBytes}
	}
	var src io.Reader = rc
	if allow >= 0 {
		src = io.LimitReader(rc, allow+1)
	}
	n, err := io.Copy(out, src)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && allow >= 0 && n > allow {
		err = over
	}
	return n, err
}

// TempDir makes a folder for one batch's extracted files under root's
// tmp folder (root is the data folder), named batch-*, with a lock held
// in it while the batch runs. remove unlocks and removes it. A folder whose
// lock nobody holds is left over from a killed run: [CleanTemp] removes it.
func TempDir(root string) (dir string, remove func(), err error) {
	parent := filepath.Join(root, "tmp")
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return "", nil, err
	}
	dir, err = os.MkdirTemp(parent, "batch-")
	if err != nil {
		return "", nil, err
	}
	lock, err := filelock.TryLock(filepath.Join(dir, tempLockName))
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return dir, func() {
		lock.Unlock()
		os.RemoveAll(dir)
	}, nil
}

// tempLockName is the lock file in each folder TempDir makes.
const tempLockName = ".lock"

// tempGrace is how long a batch-* folder without a lock file is left
// alone: TempDir is between making it and locking it.
const tempGrace = time.Minute

// CleanTemp removes the batch-* folders under root's tmp folder that no
// running batch holds (left by a run that was killed), and returns how
// many it removed.
func CleanTemp(root string) (int, error) {
	parent := filepath.Join(root, "tmp")
	entries, err := os.ReadDir(parent)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "batch-") {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		lockPath := filepath.Join(dir, tempLockName)
		if _, err := os.Stat(lockPath); errors.Is(err, fs.ErrNotExist) {
			if info, err := e.Info(); err != nil || time.Since(info.ModTime()) < tempGrace {
				continue
			}
		}
		lock, err := filelock.TryLock(lockPath)
		if err != nil {
			continue // in use
		}
		lock.Unlock()
		if err := os.RemoveAll(dir); err == nil {
			n++
		}
	}
	return n, nil
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
