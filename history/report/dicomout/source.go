package dicomout

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/history/deid"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// Options control what FromRun copies.
type Options struct {
	// IncludePHI copies the Patient and General Study modules as the
	// source instance has them. Without it they are de-identified with
	// history/deid, as the Markdown, HTML and PDF reports are: names and
	// IDs removed (left empty where DICOM requires the attribute), dates
	// shifted, times removed. UIDs are kept either way: a document written
	// back must belong to the source study and reference its instances.
	IncludePHI bool
	// Now is the document's creation time; zero means time.Now().
	Now time.Time
	// AppVersion is the workbench's version.
	AppVersion string
}

// headerTags are the attributes of the Patient, Patient Study and General
// Study modules copied from the source instance (StudyInstanceUID is the
// Source's).
var headerTags = map[uint32]bool{
	0x00100010: true, 0x00100020: true, 0x00100021: true, 0x00100030: true, 0x00100032: true,
	0x00100040: true, 0x00101002: true, 0x00102160: true, 0x00104000: true,
	0x00120062: true, 0x00120063: true, 0x00120064: true,
	0x00101010: true, 0x00101020: true, 0x00101030: true,
	0x00080020: true, 0x00080030: true, 0x00080090: true, 0x00200010: true, 0x00080050: true, 0x00081030: true,
}

// deidOwn are the header attributes a de-identified document writes
// itself, saying what was done, instead of copying the source's.
var deidOwn = map[uint32]bool{tagPatientIdentityRemoved: true, tagDeidentificationMethod: true, tagDeidentificationMethodCodeSeq: true}

// FromRun reads what a DICOM document of run id says: the run from the
// history, and from each of its source files (which must still be there,
// the history storing no UIDs, only their salted hashes) the UIDs to
// reference and, from the first, the patient and study attributes. Each
// file must still hold the instance the run analysed (its instance key,
// for runs that recorded one) and the first the run's study. A run whose
// images are not all DICOM files returns an error wrapping ErrNoSource; a
// missing or changed file one wrapping fs.ErrNotExist or ErrSourceChanged.
func FromRun(ctx context.Context, h *history.Store, id int64, opts Options) (*Report, error) {
	r, err := h.Run(ctx, id)
	if err != nil {
		return nil, err
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	rep := &Report{
		RunID: r.ID, Answer: r.Output, Prompt: r.Prompt, System: r.System,
		Model: r.Model, ModelDigest: r.ModelDigest, RuntimeVersion: r.RuntimeVersion,
		PromptVersion: PromptVersion(r), BurnIn: r.BurnInRisk, Measurements: r.Measurements,
		Deidentified: !opts.IncludePHI, Created: opts.Now, AppVersion: opts.AppVersion,
	}
	if r.Recipe.Name != "" {
		rep.Recipe = strings.TrimSpace(r.Recipe.Name + " " + r.Recipe.Version + " " + r.Recipe.Hash)
	}
	if len(r.SourcePaths) == 0 {
		return nil, fmt.Errorf("run %d recorded no source files: %w", id, ErrNoSource)
	}
	for i, path := range r.SourcePaths {
		attrs, err := sourceAttributes(id, i, path)
		if err != nil {
			return nil, err
		}
		src, err := sourceOf(attrs)
		if err != nil {
			return nil, fmt.Errorf("run %d, image %d (%s): %w", id, i+1, path, err)
		}
		if i < len(r.ImageSHA256) && src.Frame > 0 {
			if info, err := h.ImageInfo(ctx, r.ImageSHA256[i]); err == nil && info.Frame > 0 {
				src.Frame = info.Frame
			}
		}
		if i < len(r.SourceKeys) && r.SourceKeys[i] != "" {
			k, err := h.InstanceKey(ctx, src.SOPInstanceUID)
			if err != nil {
				return nil, err
			}
			if k != r.SourceKeys[i] {
				return nil, fmt.Errorf("run %d, image %d: %s now holds another instance than the one the run analysed: %w", id, i+1, path, ErrSourceChanged)
			}
		}
		if i == 0 {
			if err := sameStudy(ctx, h, r, path, src.StudyInstanceUID); err != nil {
				return nil, err
			}
			salt, err := h.Salt(ctx)
			if err != nil {
				return nil, err
			}
			if rep.Header, err = header(attrs, deid.Key(salt), opts.IncludePHI); err != nil {
				return nil, fmt.Errorf("run %d, image 1 (%s): %w", id, path, err)
			}
		}
		rep.Sources = append(rep.Sources, src)
	}
	return rep, nil
}

// ErrSourceChanged is returned, wrapped, when a source file no longer
// holds the study its run was asked about.
var ErrSourceChanged = errors.New("source file holds another study")

// sourceAttributes reads the attributes of image i's source file.
func sourceAttributes(id int64, i int, path string) ([]dicomview.Attribute, error) {
	if path == "" {
		return nil, fmt.Errorf("run %d, image %d: no source file recorded: %w", id, i+1, ErrNoSource)
	}
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("run %d, image %d: source file %s is no longer there, and the history keeps no DICOM UIDs: put the file back to reference it: %w", id, i+1, path, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("run %d, image %d: %w", id, i+1, err)
	}
	attrs, err := dicomview.Attributes(path)
	if err != nil {
		return nil, fmt.Errorf("run %d, image %d: %s is not a readable DICOM file (a DICOM document must belong to a DICOM study; use --format pdf for other images): %w", id, i+1, path, ErrNoSource)
	}
	return attrs, nil
}

// sourceOf is the instance the attributes describe.
func sourceOf(attrs []dicomview.Attribute) (Source, error) {
	var s Source
	frames := 0
	for _, a := range attrs {
		if a.Group == 0x0002 || len(a.Values) == 0 {
			continue
		}
		v := strings.TrimSpace(a.Values[0])
		switch a.Keyword {
		case "StudyInstanceUID":
			s.StudyInstanceUID = v
		case "SeriesInstanceUID":
			s.SeriesInstanceUID = v
		case "SOPInstanceUID":
			s.SOPInstanceUID = v
		case "SOPClassUID":
			s.SOPClassUID = v
		case "NumberOfFrames":
			frames, _ = strconv.Atoi(v)
		}
	}
	for _, u := range []struct{ name, v string }{{"StudyInstanceUID", s.StudyInstanceUID},
		{"SeriesInstanceUID", s.SeriesInstanceUID}, {"SOPInstanceUID", s.SOPInstanceUID}, {"SOPClassUID", s.SOPClassUID}} {
		if !validUID(u.v) {
			return s, fmt.Errorf("%s %q is missing or not a UID: %w", u.name, u.v, ErrNoSource)
		}
	}
	if frames > 1 {
		s.Frame = 1
	}
	return s, nil
}

// sameStudy checks that the source file at path still holds the study run
// r was asked about: its StudyInstanceUID has the study key recorded.
func sameStudy(ctx context.Context, h *history.Store, r *core.Run, path, studyUID string) error {
	if r.StudyKey == "" {
		return nil
	}
	k, err := h.StudyKey(ctx, studyUID)
	if err != nil {
		return err
	}
	if k != r.StudyKey {
		return fmt.Errorf("run %d: %s now holds another study than the one the run was asked about: %w", r.ID, path, ErrSourceChanged)
	}
	return nil
}

// header is the Patient and General Study attributes of the source's
// attrs: as stored with phi, else de-identified with key (text values
// only; sequences, which deid does not descend into, are left out).
func header(attrs []dicomview.Attribute, key deid.Key, phi bool) ([]Attribute, error) {
	var top []dicomview.Attribute
	charset := ""
	for _, a := range attrs {
		t := uint32(a.Group)<<16 | uint32(a.Element)
		if a.Keyword == "SpecificCharacterSet" {
			charset = strings.Join(a.Values, `\`)
		}
		if headerTags[t] && (phi || !deidOwn[t]) {
			top = append(top, a)
		}
	}
	var out []Attribute
	if phi {
		for _, a := range top {
			c, ok, err := copyAttr(a, charset)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, c)
			}
		}
		return out, nil
	}
	for _, r := range deid.Apply(top, key) {
		if r.Action == deid.Remove || r.VR == "SQ" {
			continue
		}
		a := r.Attribute
		a.Items = nil
		c, ok, err := copyAttr(a, charset)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// copyAttr is a as an Attribute to write, its text in UTF-8, false for a
// VR this package does not copy (binary values, which dicomview leaves
// out). charset is the source's SpecificCharacterSet.
func copyAttr(a dicomview.Attribute, charset string) (Attribute, bool, error) {
	c := Attribute{Tag: uint32(a.Group)<<16 | uint32(a.Element), VR: a.VR}
	if a.VR == "SQ" {
		for _, it := range a.Items {
			var item []Attribute
			for _, e := range it {
				ce, ok, err := copyAttr(e, charset)
				if err != nil {
					return c, false, err
				}
				if ok {
					item = append(item, ce)
				}
			}
			c.Items = append(c.Items, item)
		}
		return c, true, nil
	}
	if _, known := maxLen[a.VR]; !known && a.VR != "UT" && a.VR != "UC" && a.VR != "UR" {
		return c, false, nil
	}
	for _, v := range a.Values {
		u, err := toUTF8(v, charset)
		if err != nil {
			return c, false, fmt.Errorf("%s: %w", nonEmpty(a.Keyword, "attribute"), err)
		}
		c.Values = append(c.Values, u)
	}
	return c, true, nil
}

// toUTF8 is v, in the character set charset (a SpecificCharacterSet),
// as UTF-8: ASCII, UTF-8 (ISO_IR 192) and Latin-1 (ISO_IR 100) are read;
// other sets are an error when v is not plain ASCII.
func toUTF8(v, charset string) (string, error) {
	ascii := true
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x80 || v[i] == 0x1b { // 8-bit text or an ISO 2022 escape
			ascii = false
			break
		}
	}
	if ascii {
		return v, nil
	}
	latin1 := func() string {
		r := make([]rune, len(v))
		for i := 0; i < len(v); i++ {
			r[i] = rune(v[i])
		}
		return string(r)
	}
	switch strings.TrimSpace(charset) {
	case "", "ISO_IR 6", "ISO_IR 192":
		if utf8.ValidString(v) {
			return v, nil
		}
		return latin1(), nil // undeclared 8-bit text is most often Latin-1
	case "ISO_IR 100", "ISO 2022 IR 100":
		return latin1(), nil
	}
	return "", fmt.Errorf("the source's character set %q is not one this writer converts (ASCII, UTF-8, Latin-1): give --include-phi only for such files, or convert them first", charset)
}

// PromptVersion names exactly what run r asked: the prompt version the
// run log recorded (core.PromptVersion, as a batch row's prompt_version
// and a template's version name it), or for a run logged before versions
// were recorded the one its texts as sent name.
func PromptVersion(r *core.Run) string {
	if r.PromptVersion != "" {
		return r.PromptVersion
	}
	return core.PromptVersion(r.System, r.Prompt, r.SchemaHash, r.Recipe.Key())
}
