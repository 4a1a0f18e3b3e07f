// Package report makes draft reports of runs for a researcher to hand to a
// colleague: one run, or several side by side (a comparison), as Markdown,
// HTML or PDF. A report holds the display image and the exact model input,
// the study's facts de-identified with history/deid, the prompts, the model
// with its digest and options, the answers and the timings, and on every
// page the banner assets.Disclaimer. Patient data is left out unless the
// caller asks for it (IncludePHI).
//
// Building a report (Build) reads the history and the source files;
// rendering it (Markdown, HTML, PDF) is pure.
package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/image/draw"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/history/deid"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// Options control what a report holds.
type Options struct {
	// IncludePHI adds the patient's name, IDs, birth date, institution,
	// physicians, the real dates and the file paths. Off by default.
	IncludePHI bool
	// Now is the report's date; the zero time means time.Now().
	Now time.Time
	// AppVersion is the workbench's version, for the footer.
	AppVersion string
}

// Document is a report ready to render.
type Document struct {
	Title, Subtitle string
	Banner          string
	Generated       time.Time
	AppVersion      string
	IncludePHI      bool
	// Study are the study's facts, de-identified unless IncludePHI.
	Study []Fact
	// PHI are the identifying facts, only with IncludePHI.
	PHI []Fact
	// Deidentification says what was removed or replaced.
	Deidentification string
	Figures          []Figure
	Runs             []RunSection
	// Notes are remarks on the report itself, such as a missing file.
	Notes []string
	// Disclaimer is the closing statement on intended use.
	Disclaimer string
}

// Fact is one labelled value.
type Fact struct{ Label, Value string }

// Figure is one image with its caption.
type Figure struct {
	Caption       string
	PNG           []byte
	Width, Height int
}

// RunSection is one run's part of a report.
type RunSection struct {
	ID                                     int64
	Heading                                string
	Facts                                  []Fact
	System, Prompt, Thinking, Answer, Note string
}

// BurnInNote heads a report's notes when a run's source files say (or, by
// their modality, suggest) that the pixels carry burned-in annotations.
const BurnInNote = "Warning: pixels may contain burned-in annotations (names, IDs or dates drawn into the image), which de-identification of the attributes does not remove: check every figure before sharing."

// closing is the statement of intended use at the end of every report,
// after the MedGemma model card.
const closing = "This is a research draft produced by a machine-learning model. MedGemma's outputs are not intended to directly inform clinical diagnosis, patient management decisions, treatment recommendations, or any other direct clinical practice applications. The findings above have not been reviewed by a clinician."

// maxDisplay is the longest side of a display image in a report, in pixels.
const maxDisplay = 1024

// Build assembles the report of the given runs (one, or several compared
// side by side) from the history and the runs' source files.
func Build(ctx context.Context, h *history.Store, runIDs []int64, opts Options) (*Document, error) {
	if len(runIDs) == 0 {
		return nil, fmt.Errorf("report: no runs given")
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	salt, err := h.Salt(ctx)
	if err != nil {
		return nil, err
	}
	doc := &Document{
		Banner: assets.Disclaimer, Generated: opts.Now, AppVersion: opts.AppVersion,
		IncludePHI: opts.IncludePHI, Disclaimer: closing,
	}
	runs, err := loadRuns(ctx, h, runIDs)
	if err != nil {
		return nil, err
	}
	doc.Title, doc.Subtitle = "Draft research report", subtitle(runs)

	// The study: from the first run's first source file when it is still
	// there, else what the history recorded.
	first := runs[0]
	path := ""
	if len(first.SourcePaths) > 0 {
		path = first.SourcePaths[0]
	}
	studyFacts(doc, first, path, deid.Key(salt), opts.IncludePHI)

	if err := addFigures(ctx, h, doc, runs, opts.IncludePHI); err != nil {
		return nil, err
	}
	for _, r := range runs {
		doc.Runs = append(doc.Runs, runSection(r, len(runs) > 1))
	}
	for _, r := range runs {
		if r.BurnInRisk {
			doc.Notes = append([]string{BurnInNote}, doc.Notes...)
			break
		}
	}
	return doc, nil
}

// loadRuns reads the runs from the history, in the order given.
func loadRuns(ctx context.Context, h *history.Store, ids []int64) ([]*core.Run, error) {
	runs := make([]*core.Run, 0, len(ids))
	for _, id := range ids {
		r, err := h.Run(ctx, id)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// subtitle names the run, or the runs compared.
func subtitle(runs []*core.Run) string {
	if len(runs) == 1 {
		return fmt.Sprintf("MedGemma Workbench · run %d", runs[0].ID)
	}
	ids := make([]string, len(runs))
	for i, r := range runs {
		ids[i] = strconv.FormatInt(r.ID, 10)
	}
	return "MedGemma Workbench · comparison of runs " + strings.Join(ids, ", ")
}

// addFigures adds two figures per distinct image of the runs: the display
// image (or a note saying why it could not be made) and the model input.
func addFigures(ctx context.Context, h *history.Store, doc *Document, runs []*core.Run, phi bool) error {
	seen := map[string]bool{}
	for _, r := range runs {
		for i, sha := range r.ImageSHA256 {
			if seen[sha] {
				continue
			}
			seen[sha] = true
			src := ""
			if i < len(r.SourcePaths) {
				src = r.SourcePaths[i]
			}
			if err := addImage(ctx, h, doc, sha, src, phi); err != nil {
				return err
			}
		}
	}
	return nil
}

// addImage adds the figures of the image with digest sha, whose source
// file is src.
func addImage(ctx context.Context, h *history.Store, doc *Document, sha, src string, phi bool) error {
	info, err := h.ImageInfo(ctx, sha)
	if err != nil {
		return err
	}
	n := len(doc.Figures)/2 + 1
	if fig, err := displayFigure(src, info); err == nil {
		fig.Caption = fmt.Sprintf("Figure %d a. Display image: frame %d at window %s/%s (centre/width), %d×%d pixels as stored.",
			n, info.Frame, num(info.WindowCenter), num(info.WindowWidth), fig.Width, fig.Height)
		doc.Figures = append(doc.Figures, fig)
	} else {
		doc.Notes = append(doc.Notes, fmt.Sprintf("Figure %d a: the display image could not be made from the source file (%s); the model input below is the exact image analysed.", n, reason(err, phi)))
	}
	png, err := h.ImagePNG(ctx, sha)
	if err != nil {
		return err
	}
	codec := ""
	if info.Codec != "" {
		codec = fmt.Sprintf(", after a %s codec step (SHA-256 %s)", info.Codec, info.CodecSHA256)
	}
	doc.Figures = append(doc.Figures, Figure{
		Caption: fmt.Sprintf("Figure %d b. Model input exactly as sent: %d×%d, %s encoding%s, SHA-256 %s.",
			n, info.Width, info.Height, info.Encoding, codec, sha),
		PNG: png, Width: info.Width, Height: info.Height,
	})
	return nil
}

// reason describes why a file could not be used, naming it only with PHI.
func reason(err error, phi bool) string {
	if phi {
		return err.Error()
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "the file is no longer there"
	default:
		return "the file could not be read"
	}
}

// facts collects the labelled values of a part of a report; empty values
// are left out.
type facts []Fact

func (f *facts) add(label, v string) {
	if v != "" {
		*f = append(*f, Fact{label, v})
	}
}

// valueText is an attribute's values as a report writes them.
func valueText(values []string) string { return strings.Join(values, " \\ ") }

// studyFacts fills in the study's facts and the de-identification note:
// from the attributes of the source file at path, de-identified with key
// (and as stored, with phi), or from what the history recorded of r when
// the file cannot be read.
func studyFacts(doc *Document, r *core.Run, path string, key deid.Key, phi bool) {
	var attrs []dicomview.Attribute
	readErr := os.ErrNotExist
	if path != "" {
		attrs, readErr = dicomview.Attributes(path)
	}
	if readErr != nil {
		recordedFacts(doc, r, path, readErr, phi)
		return
	}
	deidFacts(doc, r, deid.Apply(attrs, key))
	if phi {
		phiFacts(doc, attrs, path)
	}
}

// recordedFacts fills in the study's facts from the history alone, the
// source file at path being unreadable for readErr.
func recordedFacts(doc *Document, r *core.Run, path string, readErr error, phi bool) {
	study := (*facts)(&doc.Study)
	study.add("Modality", r.StudyModality)
	if phi {
		study.add("Study description", r.StudyDescription)
	}
	if r.StudyKey != "" {
		study.add("Study key (this workbench)", r.StudyKey[:16])
	}
	if path != "" {
		doc.Notes = append(doc.Notes, "The study's DICOM attributes are not shown: "+reason(readErr, phi)+".")
	}
	doc.Deidentification = "No DICOM attributes are shown other than those above. Names, IDs, dates and UIDs are not stored in the workbench's history."
	if phi && path != "" {
		doc.PHI = append(doc.PHI, Fact{"Source file", path})
	}
}

// deidFacts fills in the study's facts from the de-identified attributes
// res, and says what de-identification did.
func deidFacts(doc *Document, r *core.Run, res []deid.Result) {
	clean := map[string]string{}
	removed, replaced, shifted := 0, 0, 0
	for _, a := range res {
		clean[a.Keyword] = valueText(a.Values)
		switch a.Action {
		case deid.Remove, deid.Empty:
			removed++
		case deid.NewUID:
			replaced++
		case deid.Shifted:
			shifted++
		}
	}
	study := (*facts)(&doc.Study)
	study.add("Modality", clean["Modality"])
	study.add("Manufacturer", strings.TrimSpace(clean["Manufacturer"]+" "+clean["ManufacturerModelName"]))
	if d := clean["StudyDate"]; d != "" {
		study.add("Study date (shifted)", formatDate(d))
	}
	if rows, cols := clean["Rows"], clean["Columns"]; rows != "" && cols != "" {
		study.add("Matrix", cols+" × "+rows)
	}
	study.add("Frames", clean["NumberOfFrames"])
	study.add("Pixel spacing (mm)", clean["PixelSpacing"])
	study.add("Slice thickness (mm)", clean["SliceThickness"])
	study.add("kVp", clean["KVP"])
	study.add("Photometric interpretation", clean["PhotometricInterpretation"])
	study.add("Burned-in annotation", clean["BurnedInAnnotation"])
	study.add("Study UID (replaced)", clean["StudyInstanceUID"])
	if r.StudyKey != "" {
		study.add("Study key (this workbench)", r.StudyKey[:16])
	}
	doc.Deidentification = fmt.Sprintf("Study facts de-identified with the %s (PS3.16 CID 7050 codes %s): "+
		"of %d attributes in the file, %d were removed (names, IDs, birth date, institution, physicians, accession number, descriptions, private tags), "+
		"%d UIDs were replaced and %d dates shifted back by a fixed number of days per workbench. "+
		"Pixel data is shown as stored: check it for burned-in text before sharing.",
		deid.Method, strings.Join(deid.MethodCodes, ", "), len(res), removed, replaced, shifted)
}

// phiFacts fills in the identifying facts from the attributes as stored
// and the source file's path.
func phiFacts(doc *Document, attrs []dicomview.Attribute, path string) {
	raw := map[string]string{}
	for _, a := range attrs {
		raw[a.Keyword] = valueText(a.Values)
	}
	out := (*facts)(&doc.PHI)
	out.add("Patient name", strings.ReplaceAll(raw["PatientName"], "^", " "))
	out.add("Patient ID", raw["PatientID"])
	out.add("Birth date", formatDate(raw["PatientBirthDate"]))
	out.add("Sex", raw["PatientSex"])
	out.add("Age", raw["PatientAge"])
	out.add("Institution", raw["InstitutionName"])
	out.add("Referring physician", strings.ReplaceAll(raw["ReferringPhysicianName"], "^", " "))
	out.add("Accession number", raw["AccessionNumber"])
	out.add("Study date", formatDate(raw["StudyDate"]))
	out.add("Study description", raw["StudyDescription"])
	out.add("Series description", raw["SeriesDescription"])
	out.add("Study UID", raw["StudyInstanceUID"])
	out.add("Source file", path)
}

// formatDate writes a DICOM date YYYYMMDD as YYYY-MM-DD.
func formatDate(d string) string {
	if t, err := time.Parse("20060102", d); err == nil {
		return t.Format("2006-01-02")
	}
	return d
}

// displayFigure renders the source file as a viewer showed it, scaled to
// at most maxDisplay pixels on its longer side.
func displayFigure(path string, info history.ImageRecord) (Figure, error) {
	if path == "" {
		return Figure{}, os.ErrNotExist
	}
	im, err := dicomview.Load(path)
	if err != nil {
		return Figure{}, err
	}
	frame := info.Frame
	if frame < 1 {
		frame = 1
	}
	w := dicomview.Window{Center: info.WindowCenter, Width: info.WindowWidth}
	if w.Width <= 0 {
		w = im.DefaultWindow(frame)
	}
	img, err := im.Render(frame, w)
	if err != nil {
		return Figure{}, err
	}
	b := img.Bounds()
	if s := max(b.Dx(), b.Dy()); s > maxDisplay {
		dst := image.NewGray(image.Rect(0, 0, b.Dx()*maxDisplay/s, b.Dy()*maxDisplay/s))
		var scaled draw.Image = dst
		if _, ok := img.(*image.Gray); !ok {
			scaled = image.NewRGBA(dst.Rect)
		}
		draw.CatmullRom.Scale(scaled, scaled.Bounds(), img, b, draw.Src, nil)
		img = scaled
	}
	png, _, err := dicomview.EncodePNG(img)
	if err != nil {
		return Figure{}, err
	}
	return Figure{PNG: png, Width: im.Width, Height: im.Height}, nil
}

// runSection is one run as a report shows it.
func runSection(r *core.Run, compared bool) RunSection {
	s := RunSection{ID: r.ID, System: r.System, Prompt: r.Prompt, Thinking: r.Thinking, Answer: r.Output, Note: r.Notes}
	s.Heading = "Run " + strconv.FormatInt(r.ID, 10)
	if compared {
		s.Heading += " · " + r.Model
	}
	add := (*facts)(&s.Facts).add
	model := r.Model
	if strings.HasPrefix(model, core.DemoModelName) {
		model += " (offline demo model: " + core.DemoModelLabel + ")"
	}
	add("Model", model)
	add("Model digest", r.ModelDigest)
	if r.RuntimeVersion != "" {
		add("Runtime", "Ollama "+r.RuntimeVersion)
	}
	add("Options", options(r))
	add("Started", r.StartedAt.Local().Format("2006-01-02 15:04:05 MST"))
	if !r.FinishedAt.IsZero() {
		add("Finished", r.FinishedAt.Local().Format("2006-01-02 15:04:05 MST"))
	}
	status := string(r.Status)
	if r.DoneReason != "" && r.DoneReason != status {
		status += " (" + r.DoneReason + ")"
	}
	add("Outcome", status)
	add("Error", r.Error)
	if r.PromptEvalCount+r.EvalCount > 0 {
		add("Tokens", fmt.Sprintf("%d in, %d out", r.PromptEvalCount, r.EvalCount))
	}
	if r.TotalDuration > 0 {
		add("Duration", fmt.Sprintf("%s total, first token after %s", r.TotalDuration.Round(time.Millisecond), r.FirstToken.Round(time.Millisecond)))
	}
	add("Model-input recipe", r.Recipe.String())
	for i, sha := range r.ImageSHA256 {
		if i < len(r.ImageLabels) && r.ImageLabels[i] != "" {
			sha += " (" + r.ImageLabels[i] + ")"
		}
		add(fmt.Sprintf("Image %d SHA-256", i+1), sha)
	}
	for i, m := range r.Measurements {
		add(fmt.Sprintf("Measurement %d", i+1), m.String())
	}
	for i, b := range r.Boxes {
		add(fmt.Sprintf("Box %d (draft localization)", i+1),
			fmt.Sprintf("%s: x %.0f–%.0f, y %.0f–%.0f (source pixels of image %d)", b.Label, b.X0, b.X1, b.Y0, b.Y1, b.Image+1))
	}
	if r.Rating > 0 {
		add("Rating", strings.Repeat("★", r.Rating)+strings.Repeat("☆", 5-r.Rating))
	}
	return s
}

// options writes a run's generation options as name=value pairs, with the
// runtime's defaults named as such.
func options(r *core.Run) string {
	b, err := json.Marshal(r.Options)
	if err != nil {
		return ""
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return ""
	}
	var parts []string
	for _, k := range []string{"seed", "temperature", "num_predict", "num_ctx"} {
		if v, ok := m[k]; ok {
			parts = append(parts, fmt.Sprintf("%s=%v", k, v))
			delete(m, k)
		}
	}
	rest := make([]string, 0, len(m))
	for k := range m {
		rest = append(rest, k)
	}
	sort.Strings(rest)
	for _, k := range rest {
		parts = append(parts, fmt.Sprintf("%s=%v", k, m[k]))
	}
	if len(parts) == 0 {
		return "runtime defaults"
	}
	return strings.Join(parts, ", ")
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
