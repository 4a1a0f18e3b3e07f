package core

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Options are the generation options a run is made with. Zero values mean
// "the runtime's default", except where a field says otherwise.
type Options struct {
	Seed        *int     `json:"seed,omitempty"`
	Temperature *float64 `json:"temperature,omitempty"`
	NumPredict  int      `json:"num_predict,omitempty"`
	NumCtx      int      `json:"num_ctx,omitempty"`
	// NumGPU is how many layers to put on the GPU (-1 all, 0 none); nil
	// lets the runtime decide.
	NumGPU *int `json:"num_gpu,omitempty"`
}

// Map returns the options as Ollama's options map, with only the set ones.
func (o Options) Map() map[string]any {
	m := map[string]any{}
	if o.Seed != nil {
		m["seed"] = *o.Seed
	}
	if o.Temperature != nil {
		m["temperature"] = *o.Temperature
	}
	if o.NumPredict != 0 {
		m["num_predict"] = o.NumPredict
	}
	if o.NumCtx != 0 {
		m["num_ctx"] = o.NumCtx
	}
	if o.NumGPU != nil {
		m["num_gpu"] = *o.NumGPU
	}
	return m
}

// Image is one model-input image sent with a prompt: the exact PNG bytes
// MedGemma receives and their SHA-256.
type Image struct {
	PNG    []byte
	SHA256 string
	// Source is the base name of the file the image was prepared from.
	Source string
	// Frame (from 1), window and encoding record how the PNG was made.
	Frame        int
	WindowCenter float64
	WindowWidth  float64
	Encoding     string
	Width        int
	Height       int
	// Label names the image in the prompt or the viewer ("SLICE 3",
	// "prior"); "" for a lone image.
	Label string
	// SourceWidth and SourceHeight are the source frame's size, and Fit
	// how it became square ("pad" or "stretch"): what maps an answer's
	// coordinates back to the source. Zero when unknown.
	SourceWidth, SourceHeight int
	Fit                       string
	// SourceX and SourceY are the top-left corner, in the source frame's
	// pixels, of the region the image shows (its size SourceWidth ×
	// SourceHeight); zero for the whole frame. Plane is the reformat the
	// source is ("coronal", "sagittal", "axial"), "" for a stored frame.
	SourceX, SourceY int
	Plane            string
	// Path is the file the image was prepared from and Study its study
	// facts; they go to the local run log only, never to the model.
	Path  string
	Study StudyInfo
	// Codec is the codec step the pixels went through before the resize
	// ("jpeg q75"), and CodecSHA256 the SHA-256 of its bytes (the JPEG);
	// "" when there was none (lossless).
	Codec       string
	CodecSHA256 string
}

// Request is one chat turn: a system prompt, a user prompt and its images.
type Request struct {
	Model   string
	System  string
	Prompt  string
	Images  []Image
	Options Options
	// KeepAlive, when set, is how long the runtime keeps the model loaded
	// after this request (0 unloads it at once).
	KeepAlive *time.Duration
	// Recipe is the model-input recipe that laid out Prompt and made
	// Images, and RecipeJSON the recipe itself (for the run log); a
	// Prompt with one "[img]" an image puts each image where its
	// placeholder stands.
	Recipe     RecipeRef
	RecipeJSON string
	// Boxes says the answer holds localization boxes (a recipe whose
	// output is "boxes"): they are read and kept with the run.
	Boxes bool
	// Schema, when set, is the JSON Schema the answer must fit (compact
	// JSON), sent as Ollama's format; SchemaHash names it in the run log.
	Schema     []byte
	SchemaHash string
	// Logprobs asks the runtime for the log-probability of every
	// generated token (Result.Logprobs).
	Logprobs bool
	// Measurements are the regions the user measured on the images shown
	// when the run was made; they go to the run log, never to the model.
	Measurements []Measurement
	// PromptVersion names the prompt as written (PromptVersion): the
	// system prompt, the template before a recipe laid it out or a batch
	// item filled it in, the schema and the recipe. "" lets the run log
	// name it from System, Prompt, SchemaHash and Recipe.
	PromptVersion string
}

// TokenLogprob is one generated token and its log-probability under the
// model (before any grammar constrained the choice).
type TokenLogprob struct {
	Token   string  `json:"token"`
	Logprob float64 `json:"logprob"`
}

// Status says how a run ended.
type Status string

// Run statuses, as stored in history.
const (
	StatusOK        Status = "ok"
	StatusCancelled Status = "cancelled"
	StatusError     Status = "error"
)

// Result is what a run produced, with the runtime's own accounting.
type Result struct {
	Model          string `json:"model"`
	ModelDigest    string `json:"model_digest"`
	RuntimeVersion string `json:"runtime_version"`
	Output         string `json:"output"`
	// Thinking is the text the model wrote between MedGemma's thinking
	// markers; it is never part of Output.
	Thinking string `json:"thinking,omitempty"`
	// Truncated is true when the answer was cut off by num_predict or the
	// context window (done_reason "length").
	Truncated bool `json:"truncated"`
	// Logprobs are the generated tokens' log-probabilities, when the
	// request asked for them.
	Logprobs []TokenLogprob `json:"logprobs,omitempty"`
	// SchemaValid and SchemaError say whether the answer fits the
	// request's Schema (nil: no schema), and why not.
	SchemaValid *bool  `json:"schema_valid,omitempty"`
	SchemaError string `json:"schema_error,omitempty"`
	// Fields are the top-level fields of an answer that fits its schema.
	Fields map[string]string `json:"fields,omitempty"`
	// NumCtx is the context window the run was sent with.
	NumCtx             int           `json:"num_ctx,omitempty"`
	Chunks             int           `json:"chunks"`
	PromptEvalCount    int           `json:"prompt_eval_count"`
	EvalCount          int           `json:"eval_count"`
	TotalDuration      time.Duration `json:"-"`
	LoadDuration       time.Duration `json:"-"`
	PromptEvalDuration time.Duration `json:"-"`
	EvalDuration       time.Duration `json:"-"`
	// FirstToken is the time from sending the request to the first chunk.
	FirstToken time.Duration `json:"-"`
	DoneReason string        `json:"done_reason"`
	Status     Status        `json:"status"`
	Error      string        `json:"error,omitempty"`
}

// RuntimeRepeatLimit is how many identical tokens in a row the runtime
// lets through: Ollama's server (llm/server.go, "token repeat limit")
// counts each token's text, trimmed, against the one before, and at the
// 32nd alike ends the stream with no final record — no done_reason and
// no counts. Greedy decoding (temperature 0, every Google recipe) loops
// like this on long answers.
const RuntimeRepeatLimit = 31

// Done reasons the workbench sets itself, beside the runtime's own
// ("stop", "length"); they are stored in history and printed by ask --json.
const (
	// DoneRepeatLimit: the runtime ended the answer after
	// RuntimeRepeatLimit identical tokens. The run is a result (StatusOK)
	// whose EvalCount the workbench counted (one token a streamed chunk).
	DoneRepeatLimit = "repeat_limit"
	// DoneCancelled: the user stopped the run.
	DoneCancelled = "cancelled"
)

// DoneReasonText says in words why an answer ended, for a done reason
// the workbench sets; any other reason is returned as it is.
func DoneReasonText(reason string) string {
	switch reason {
	case DoneRepeatLimit:
		return fmt.Sprintf("stopped: the runtime ends an answer after %d identical tokens", RuntimeRepeatLimit)
	}
	return reason
}

// Run statuses beyond those of [Status]: a run is saved as
// running when it starts, and one whose process died before it finished is
// marked interrupted when the database is next opened.
const (
	StatusRunning     Status = "running"
	StatusInterrupted Status = "interrupted"
)

// StudyInfo holds the de-identified facts of a study that may be shown or
// logged.
type StudyInfo struct {
	Modality          string
	StudyDescription  string
	SeriesDescription string
	BodyPart          string
	// StudyDate is the study's date as DICOM writes it (YYYYMMDD), or "":
	// the longitudinal recipe orders a patient's studies by it.
	StudyDate string
	// BurnedInAnnotation is the file's (0028,0301): "YES", "NO", or "" when
	// absent. See BurnInRisk.
	BurnedInAnnotation string
	// StudyInstanceUID identifies the study. It is used only to compute a
	// salted hash and must never be shown.
	StudyInstanceUID string
	// SOPInstanceUID identifies the file's instance. Like
	// StudyInstanceUID it is used only to compute a salted hash (the
	// history's instance key) and must never be shown or stored.
	SOPInstanceUID string
}

// BurnInRisk reports whether the pixels may carry burned-in text (names,
// IDs, dates): BurnedInAnnotation is YES, or it is absent on a modality
// that often burns text in (ultrasound, secondary capture, other). Such
// pixels must not leave the machine without the user's say-so.
func (s StudyInfo) BurnInRisk() bool {
	switch strings.ToUpper(strings.TrimSpace(s.BurnedInAnnotation)) {
	case "YES":
		return true
	case "NO":
		return false
	}
	switch strings.ToUpper(strings.TrimSpace(s.Modality)) {
	case "US", "SC", "OT", "XC", "ES":
		return true
	}
	return false
}

// RecipeRef is what a request and a run record of the model-input recipe
// that made them: its name, version and the hash of its parameters.
type RecipeRef struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Hash    string `json:"hash"`
}

// String writes "medgemma-1.5-ct v1 (3f2a9c01b4d2)", or "" for none.
func (r RecipeRef) String() string {
	if r.Name == "" {
		return ""
	}
	return r.Name + " v" + r.Version + " (" + r.Hash + ")"
}

// Box is a localization box read from an answer, in source pixels of the
// image it is about (Image, from 0, in the order sent): X0, Y0 the
// top-left corner, X1, Y1 exclusive.
type Box struct {
	Image int     `json:"image"`
	X0    float64 `json:"x0"`
	Y0    float64 `json:"y0"`
	X1    float64 `json:"x1"`
	Y1    float64 `json:"y1"`
	Label string  `json:"label"`
	// Box2D is the model's own [y0, x0, y1, x1] on 0–1000.
	Box2D [4]float64 `json:"box_2d"`
}

// ImagePlaceholder stands for an image in a prompt: Ollama (v0.17.4 to v0.24.0)
// replaces each, in order, with the next image of the message
// (server/prompt.go), and without one puts the images before the text.
const ImagePlaceholder = "[img]"

// Part is one piece of a user turn, in order: a text, or an image (an
// index into Request.Images).
type Part struct {
	Text  string
	Image int // -1 for a text part
}

// Parts returns the user turn in the order the model reads it: when the
// prompt holds exactly one ImagePlaceholder an image, the texts between
// them with each image where its placeholder stands; otherwise every image
// first, then the prompt, which is what Ollama's /api/chat does.
func (r Request) Parts() []Part {
	var out []Part
	text := func(s string) {
		if s != "" {
			out = append(out, Part{Text: s, Image: -1})
		}
	}
	if n := len(r.Images); n > 0 && strings.Count(r.Prompt, ImagePlaceholder) == n {
		pieces := strings.Split(r.Prompt, ImagePlaceholder)
		for i, p := range pieces {
			text(p)
			if i < n {
				out = append(out, Part{Image: i})
			}
		}
		return out
	}
	for i := range r.Images {
		out = append(out, Part{Image: i})
	}
	text(r.Prompt)
	return out
}

// Rendered is a request's prompt as the runtime renders it: the model's
// chat template applied, each image shown as the runtime's own tag
// ("[img-0]", "[img-1]", …) where it stands.
type Rendered struct {
	Prompt string
	// Images is how many images the runtime attached, and Order the image
	// numbers of the tags in the order they appear.
	Images int
	Order  []int
	// NumCtx is the context the request asks for (after the pre-flight)
	// and PromptTokens the pre-flight's estimate of its prompt.
	NumCtx, PromptTokens int
}

// Geometry is where a model input came from: its source frame's size and
// how it became square.
type Geometry struct {
	Width  int    `json:"w"`
	Height int    `json:"h"`
	Fit    string `json:"fit"`
	// X and Y are the corner of the region the image shows (Image.SourceX,
	// SourceY) and Plane its reformat, when it is one.
	X     int    `json:"x,omitempty"`
	Y     int    `json:"y,omitempty"`
	Plane string `json:"plane,omitempty"`
}

// MeasurementKind is what a [Measurement] measures. Its value is the name
// printed and kept in the run log.
type MeasurementKind string

// The kinds of measurement.
const (
	MeasureRectangle MeasurementKind = "rectangle" // the pixels inside a rectangle
	MeasureEllipse   MeasurementKind = "ellipse"   // the pixels inside the ellipse a rectangle bounds
	MeasureLength    MeasurementKind = "length"    // a line's length; no statistics
	MeasureArrow     MeasurementKind = "arrow"     // an arrow with a note
)

// MeasurementKinds are the kinds, in the order the window offers them.
var MeasurementKinds = []MeasurementKind{MeasureRectangle, MeasureEllipse, MeasureLength, MeasureArrow}

// String is the kind's name: rectangle, ellipse, length or arrow.
func (k MeasurementKind) String() string { return string(k) }

// ParseMeasurementKind reads a kind's name, as String writes it.
func ParseMeasurementKind(s string) (MeasurementKind, error) {
	if k := MeasurementKind(s); slices.Contains(MeasurementKinds, k) {
		return k, nil
	}
	return "", fmt.Errorf("measurement %q: want rectangle, ellipse, length or arrow", s)
}

// Measurement is a region measured on an image: where (a rectangle or
// the ellipse it bounds, in source pixels of a frame or of a reformatted
// cut) and what its pixels hold in modality units (HU for CT).
type Measurement struct {
	// Kind is MeasureRectangle, MeasureEllipse (the one the rectangle
	// bounds), MeasureLength (a line from X, Y to X2, Y2, LengthMM long;
	// no statistics) or MeasureArrow (from X, Y pointing at X2, Y2, with
	// Text).
	Kind MeasurementKind `json:"kind"`
	// Frame is the frame (from 1) or, with Plane, the cut; Plane the
	// reformat ("" for a stored frame). X, Y, W, H are the region.
	Frame int    `json:"frame"`
	Plane string `json:"plane,omitempty"`
	X     int    `json:"x"`
	Y     int    `json:"y"`
	W     int    `json:"w"`
	H     int    `json:"h"`
	// N pixels inside, their mean, standard deviation, least and greatest
	// value, in Units ("HU", or "" for unitless modality values); AreaMM2
	// the area (0 without a PixelSpacing).
	N       int     `json:"n"`
	Mean    float64 `json:"mean"`
	SD      float64 `json:"sd"`
	Min     float64 `json:"min"`
	Max     float64 `json:"max"`
	Units   string  `json:"units,omitempty"`
	AreaMM2 float64 `json:"area_mm2,omitempty"`
	// X2, Y2 and LengthMM are a length's end and length (0 without a
	// PixelSpacing).
	X2       int     `json:"x2,omitempty"`
	Y2       int     `json:"y2,omitempty"`
	LengthMM float64 `json:"length_mm,omitempty"`
	// Text is an arrow's annotation.
	Text string `json:"text,omitempty"`
}

// String is "rectangle 26,32 13×13 px of frame 1: mean 200.0 HU, SD 0.0,
// min 200, max 200, 169 pixels, 108.2 mm²".
func (m Measurement) String() string {
	where := "frame"
	if m.Plane != "" {
		where = m.Plane + " cut"
	}
	if m.Kind == MeasureArrow {
		return fmt.Sprintf("arrow %d,%d → %d,%d px of %s %d: %q", m.X, m.Y, m.X2, m.Y2, where, m.Frame, m.Text)
	}
	if m.Kind == MeasureLength {
		l := "no PixelSpacing: length in pixels only"
		if m.LengthMM > 0 {
			l = fmt.Sprintf("%.1f mm", m.LengthMM)
		}
		return fmt.Sprintf("length %d,%d → %d,%d px of %s %d: %s", m.X, m.Y, m.X2, m.Y2, where, m.Frame, l)
	}
	u := ""
	if m.Units != "" {
		u = " " + m.Units
	}
	s := fmt.Sprintf("%s %d,%d %d×%d px of %s %d: mean %.1f%s, SD %.1f, min %g, max %g, %d pixels",
		m.Kind, m.X, m.Y, m.W, m.H, where, m.Frame, m.Mean, u, m.SD, m.Min, m.Max, m.N)
	if m.AreaMM2 > 0 {
		s += fmt.Sprintf(", %.1f mm²", m.AreaMM2)
	}
	return s
}
