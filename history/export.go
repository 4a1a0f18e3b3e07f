package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/csvsafe"
)

// ExportRecord is one run as exported for R or pandas: every provenance
// field, flat where it can be. Times are RFC 3339 UTC; durations are
// milliseconds with three decimals.
type ExportRecord struct {
	RunID          int64    `json:"run_id"`
	SessionID      int64    `json:"session_id"`
	StartedAt      string   `json:"started_at"`
	FinishedAt     string   `json:"finished_at"`
	Status         string   `json:"status"`
	DoneReason     string   `json:"done_reason"`
	Error          string   `json:"error"`
	Model          string   `json:"model"`
	ModelDigest    string   `json:"model_digest"`
	RuntimeVersion string   `json:"runtime_version"`
	Seed           *int     `json:"seed"`
	Temperature    *float64 `json:"temperature"`
	NumPredict     int      `json:"num_predict"`
	NumCtx         int      `json:"num_ctx"`
	System         string   `json:"system"`
	Prompt         string   `json:"prompt"`
	Output         string   `json:"output"`
	Thinking       string   `json:"thinking"`
	// Images holds one entry per image sent, in order.
	Images        []ExportImage `json:"images"`
	StudyKey      string        `json:"study_key"`
	StudyModality string        `json:"study_modality"`
	// StudyDescription is empty unless the export includes PHI.
	StudyDescription   string  `json:"study_description"`
	PromptEvalCount    int     `json:"prompt_eval_count"`
	EvalCount          int     `json:"eval_count"`
	TotalDurationMS    float64 `json:"total_duration_ms"`
	LoadDurationMS     float64 `json:"load_duration_ms"`
	PromptEvalDuration float64 `json:"prompt_eval_duration_ms"`
	EvalDurationMS     float64 `json:"eval_duration_ms"`
	FirstTokenMS       float64 `json:"first_token_ms"`
	Rating             int     `json:"rating"`
	Notes              string  `json:"notes"`
	// Source is the file name(s) the images came from: empty unless the
	// export includes PHI, since file names often hold patient names.
	Source string `json:"source"`
	// BurnInRisk is true when the pixels may carry burned-in annotations.
	BurnInRisk bool `json:"burn_in_risk"`
	// Recipe names the model-input recipe ("medgemma-1.5-ct v1
	// (3f2a9c01b4d2)"), SchemaHash the answer's JSON Schema and
	// SchemaValid whether the answer fit it, PromptVersion the prompt
	// version (core.PromptVersion); "" and null for none.
	Recipe        string `json:"recipe"`
	SchemaHash    string `json:"schema_hash"`
	SchemaValid   *bool  `json:"schema_valid"`
	PromptVersion string `json:"prompt_version"`
}

// ExportImage is the provenance of one model-input image.
type ExportImage struct {
	SHA256       string  `json:"sha256"`
	Frame        int     `json:"frame"`
	WindowCenter float64 `json:"window_center"`
	WindowWidth  float64 `json:"window_width"`
	Encoding     string  `json:"encoding"`
	Width        int     `json:"width"`
	Height       int     `json:"height"`
	// SourcePath is empty unless the export includes PHI.
	SourcePath string `json:"source_path,omitempty"`
}

// Export formats.
const (
	FormatCSV   = "csv"
	FormatJSONL = "jsonl"
)

// Export writes the runs that match f, oldest first, to w as CSV (one
// header row) or JSON Lines. File names, paths and study descriptions are
// left out unless includePHI is set. CSV cells that a spreadsheet would
// run as formulas are neutralised (internal/csvsafe); JSON Lines are
// verbatim. It returns how many runs it wrote.
func (s *Store) Export(ctx context.Context, w io.Writer, format string, f core.Filter, includePHI bool) (int, error) {
	if format != FormatCSV && format != FormatJSONL {
		return 0, fmt.Errorf("export: unknown format %q: use csv or jsonl", format)
	}
	runs, err := s.Search(ctx, f)
	if err != nil {
		return 0, err
	}
	images := map[string]ExportImage{}
	var cw *csvsafe.Writer
	var enc *json.Encoder
	if format == FormatCSV {
		cw = csvsafe.NewWriter(w)
		if err := cw.Write(csvHeader); err != nil {
			return 0, fmt.Errorf("export: %w", err)
		}
	} else {
		enc = json.NewEncoder(w)
	}
	for i := len(runs) - 1; i >= 0; i-- {
		rec, err := s.exportRecord(ctx, runs[i], images, includePHI)
		if err != nil {
			return 0, err
		}
		if cw != nil {
			err = cw.Write(rec.csvRow())
		} else {
			err = enc.Encode(rec)
		}
		if err != nil {
			return 0, fmt.Errorf("export: %w", err)
		}
	}
	if cw != nil {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return 0, fmt.Errorf("export: %w", err)
		}
	}
	return len(runs), nil
}

// ExportRecord returns run r as exported, looking up its images.
func (s *Store) ExportRecord(ctx context.Context, r core.Run, includePHI bool) (ExportRecord, error) {
	return s.exportRecord(ctx, r, map[string]ExportImage{}, includePHI)
}

func (s *Store) exportRecord(ctx context.Context, r core.Run, cache map[string]ExportImage, includePHI bool) (ExportRecord, error) {
	rec := ExportRecord{
		RunID: r.ID, SessionID: r.SessionID, StartedAt: exportTime(r.StartedAt), FinishedAt: exportTime(r.FinishedAt),
		Status: string(r.Status), DoneReason: r.DoneReason, Error: r.Error,
		Model: r.Model, ModelDigest: r.ModelDigest, RuntimeVersion: r.RuntimeVersion,
		Seed: r.Options.Seed, Temperature: r.Options.Temperature, NumPredict: r.Options.NumPredict, NumCtx: r.Options.NumCtx,
		System: r.System, Prompt: r.Prompt, Output: r.Output, Thinking: r.Thinking,
		Images:   []ExportImage{},
		StudyKey: r.StudyKey, StudyModality: r.StudyModality,
		PromptEvalCount: r.PromptEvalCount, EvalCount: r.EvalCount,
		TotalDurationMS: ms(r.TotalDuration), LoadDurationMS: ms(r.LoadDuration),
		PromptEvalDuration: ms(r.PromptEvalDuration), EvalDurationMS: ms(r.EvalDuration), FirstTokenMS: ms(r.FirstToken),
		Rating: r.Rating, Notes: r.Notes, BurnInRisk: r.BurnInRisk,
		Recipe: r.Recipe.String(), SchemaHash: r.SchemaHash, SchemaValid: r.SchemaValid, PromptVersion: r.PromptVersion,
	}
	if includePHI {
		rec.Source = r.Source
		rec.StudyDescription = r.StudyDescription
	}
	for i, sha := range r.ImageSHA256 {
		im, ok := cache[sha]
		if !ok {
			var err error
			if im, err = s.imageInfo(ctx, sha); err != nil {
				return ExportRecord{}, err
			}
			cache[sha] = im
		}
		if includePHI && i < len(r.SourcePaths) {
			im.SourcePath = r.SourcePaths[i]
		}
		rec.Images = append(rec.Images, im)
	}
	return rec, nil
}

// imageInfo reads the metadata of one stored image, without its bytes.
func (s *Store) imageInfo(ctx context.Context, sha string) (ExportImage, error) {
	im := ExportImage{SHA256: sha}
	err := s.db.QueryRowContext(ctx, `SELECT frame, window_center, window_width, encoding, width, height FROM images WHERE sha256 = ?`, sha).
		Scan(&im.Frame, &im.WindowCenter, &im.WindowWidth, &im.Encoding, &im.Width, &im.Height)
	if errors.Is(err, sql.ErrNoRows) {
		return im, s.errorf("image %s: %w", sha, ErrNotFound)
	}
	if err != nil {
		return im, s.errorf("image %s: %w", sha, err)
	}
	return im, nil
}

// csvHeader names the CSV columns. Images are flattened to
// semicolon-separated lists, one entry per image in order.
var csvHeader = []string{
	"run_id", "session_id", "started_at", "finished_at", "status", "done_reason", "error",
	"model", "model_digest", "runtime_version", "seed", "temperature", "num_predict", "num_ctx",
	"system", "prompt", "output", "thinking",
	"image_sha256", "image_frame", "image_window_center", "image_window_width", "image_encoding", "image_size",
	"study_key", "study_modality", "study_description",
	"prompt_eval_count", "eval_count", "total_duration_ms", "load_duration_ms", "prompt_eval_duration_ms",
	"eval_duration_ms", "first_token_ms", "rating", "notes", "source", "source_path", "burn_in_risk",
	"recipe", "schema_hash", "schema_valid", "prompt_version",
}

func (r ExportRecord) csvRow() []string {
	var sha, frame, wc, ww, enc, size, paths []string
	for _, im := range r.Images {
		sha = append(sha, im.SHA256)
		frame = append(frame, strconv.Itoa(im.Frame))
		wc = append(wc, num(im.WindowCenter))
		ww = append(ww, num(im.WindowWidth))
		enc = append(enc, im.Encoding)
		size = append(size, fmt.Sprintf("%dx%d", im.Width, im.Height))
		paths = append(paths, im.SourcePath)
	}
	j := func(v []string) string { return strings.Join(v, ";") }
	seed, temp := "", ""
	if r.Seed != nil {
		seed = strconv.Itoa(*r.Seed)
	}
	if r.Temperature != nil {
		temp = num(*r.Temperature)
	}
	pathCol := j(paths)
	if strings.Trim(pathCol, ";") == "" {
		pathCol = ""
	}
	return []string{
		strconv.FormatInt(r.RunID, 10), strconv.FormatInt(r.SessionID, 10), r.StartedAt, r.FinishedAt, r.Status, r.DoneReason, r.Error,
		r.Model, r.ModelDigest, r.RuntimeVersion, seed, temp, strconv.Itoa(r.NumPredict), strconv.Itoa(r.NumCtx),
		r.System, r.Prompt, r.Output, r.Thinking,
		j(sha), j(frame), j(wc), j(ww), j(enc), j(size),
		r.StudyKey, r.StudyModality, r.StudyDescription,
		strconv.Itoa(r.PromptEvalCount), strconv.Itoa(r.EvalCount), num(r.TotalDurationMS), num(r.LoadDurationMS), num(r.PromptEvalDuration),
		num(r.EvalDurationMS), num(r.FirstTokenMS), strconv.Itoa(r.Rating), r.Notes, r.Source, pathCol, strconv.FormatBool(r.BurnInRisk),
		r.Recipe, r.SchemaHash, validText(r.SchemaValid), r.PromptVersion,
	}
}

// validText is a schema verdict in a CSV cell: "true", "false", or ""
// for no schema.
func validText(v *bool) string {
	if v == nil {
		return ""
	}
	return strconv.FormatBool(*v)
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func exportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
