package core

import (
	"errors"
	"time"
)

// ErrNotFound is returned, wrapped, when a run or image is not in the store.
var ErrNotFound = errors.New("not found")

// Run is one model run as recorded: what was sent, to which model and
// runtime, what came back and how it ended.
type Run struct {
	// ID is assigned by SaveRun. SessionID is the session the run belongs
	// to, or 0 for none.
	ID, SessionID int64
	// StartedAt is when the request was sent and is required. FinishedAt is
	// when the run ended; the zero time means unknown.
	StartedAt, FinishedAt time.Time
	// Source is the base name of the image file(s), comma-separated.
	Source string
	// ImageSHA256 are the hashes of the images sent, in the order sent. Each
	// must have been stored with PutImage before SaveRun.
	ImageSHA256 []string
	// System and Prompt are the system and user prompts as sent.
	System, Prompt string
	// Model is the model name, ModelDigest its digest, and RuntimeVersion
	// the version of the Ollama runtime that served it.
	Model, ModelDigest, RuntimeVersion string
	// Options are the generation options, stored as JSON.
	Options Options
	// Output is the generated text, as far as the run got.
	Output string
	// PromptEvalCount and EvalCount are the runtime's token counts.
	PromptEvalCount, EvalCount int
	// The durations are the runtime's own accounting; FirstToken is the time
	// from sending the request to the first chunk.
	TotalDuration, LoadDuration, PromptEvalDuration, EvalDuration, FirstToken time.Duration
	// DoneReason is why the runtime stopped generating, such as "stop".
	DoneReason string
	// Status says how the run ended.
	Status Status
	// Error is the error message of a run that failed.
	Error string

	// Thinking is the model's separated thinking text, if it produced one.
	Thinking string
	// StudyKey links the run to its study (see PutStudy); "" for none.
	StudyKey string
	// SourcePaths are the paths of the files the images were prepared
	// from, parallel to ImageSHA256 (or empty). They stay in the local
	// database: exports and reports leave them out unless asked for PHI.
	SourcePaths []string
	// SourceKeys are, per image, the salted hash of its source instance's
	// SOPInstanceUID (history's InstanceKey; "" for a PNG or JPEG), so
	// that a DICOM document written back later can tell that a source
	// file still holds that instance. Nil for runs logged without them.
	SourceKeys []string
	// Rating (0 unrated, 1 to 5) and Notes are the researcher's; set them
	// with SetRating and SetNotes.
	Rating int
	Notes  string

	// Recipe is the model-input recipe the run used (name, version, hash
	// of its parameters), RecipeJSON the recipe itself; empty for runs
	// made before recipes. ImageLabels are the images' labels in the order
	// sent ("SLICE 1", "prior"), parallel to ImageSHA256 or empty.
	Recipe      RecipeRef
	RecipeJSON  string
	ImageLabels []string
	// ImageGeometry are the images' source sizes and fits, parallel to
	// ImageSHA256 or empty: what maps an answer's boxes back.
	ImageGeometry []Geometry
	// Boxes are the localization boxes read from the answer, in source
	// pixels of the image they are about.
	Boxes []Box
	// SchemaHash names the JSON Schema the answer was asked to fit ("":
	// none); SchemaValid says whether it did (nil: no schema) and
	// SchemaError why not.
	SchemaHash  string
	SchemaValid *bool
	SchemaError string
	// PromptVersion names the prompt as written (Request.PromptVersion).
	PromptVersion string
	// Measurements are the regions measured when the run was made
	// (Request.Measurements).
	Measurements []Measurement

	// BurnInRisk is true when a source image's pixels may carry burned-in
	// annotations (StudyInfo.BurnInRisk): BurnedInAnnotation
	// YES, or absent on a modality that often has them.
	BurnInRisk bool

	// StudyModality and StudyDescription are read from the linked study;
	// SaveRun ignores them.
	StudyModality, StudyDescription string
}

// Filter selects runs. Zero fields do not filter.
type Filter struct {
	// Text is searched in system prompts, prompts, answers and notes with
	// SQLite FTS5: every word must occur (case and accents ignored), and a
	// word ending in * matches as a prefix. It is not FTS5 query syntax:
	// quotes and operators are taken as words.
	Text string
	// Model is the exact model name.
	Model string
	// From and To bound the start time: From <= started < To.
	From, To time.Time
	// MinRating keeps runs rated at least this.
	MinRating int
	// StudyKey keeps the runs of one study.
	StudyKey string
	// Status keeps the runs that ended so.
	Status Status
	// Recipe keeps the runs made with the named recipe.
	Recipe string
	// PromptVersion keeps the runs of one prompt version; a prefix of at
	// least 4 hex digits is enough.
	PromptVersion string
	// Limit is the most runs returned, newest first; 0 or less means all.
	Limit int
}

// Comparison is a group of runs shown side by side, for example one image
// asked of two models, or one model with two prompts.
type Comparison struct {
	ID        int64
	CreatedAt time.Time
	Title     string
	Notes     string
	// RunIDs are the runs in the order they are shown.
	RunIDs []int64
}

// PromptTemplate is a named system and user prompt a researcher reuses,
// with the JSON Schema its answer must fit ("" for free text) and the
// recipe it was saved with (RecipeRef.Key, "" for none). Every saved edit
// is kept as a version; Version names this one (PromptVersion) and
// UpdatedAt is when it was saved.
type PromptTemplate struct {
	Name, System, Prompt string
	Schema, Recipe       string
	Version              string
	UpdatedAt            time.Time
}

// Versioned returns t with Version set from its system prompt, prompt,
// schema and recipe.
func (t PromptTemplate) Versioned() PromptTemplate {
	t.Version = PromptVersion(t.System, t.Prompt, SchemaHash([]byte(t.Schema)), t.Recipe)
	return t
}
