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
		if err := cw.Write(csvsafe.Header(exportColumns)); err != nil {
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

// exportColumns are the CSV export's columns, in order: the header and
// every row come from this one table. Images are flattened to
// semicolon-separated lists, one entry per image in order.
var exportColumns = []csvsafe.Column[ExportRecord]{
	csvsafe.Col("run_id", func(r ExportRecord) string { return strconv.FormatInt(r.RunID, 10) }),
	csvsafe.Col("session_id", func(r ExportRecord) string { return strconv.FormatInt(r.SessionID, 10) }),
	csvsafe.Col("started_at", func(r ExportRecord) string { return r.StartedAt }),
	csvsafe.Col("finished_at", func(r ExportRecord) string { return r.FinishedAt }),
	csvsafe.Col("status", func(r ExportRecord) string { return r.Status }),
	csvsafe.Col("done_reason", func(r ExportRecord) string { return r.DoneReason }),
	csvsafe.Col("error", func(r ExportRecord) string { return r.Error }),
	csvsafe.Col("model", func(r ExportRecord) string { return r.Model }),
	csvsafe.Col("model_digest", func(r ExportRecord) string { return r.ModelDigest }),
	csvsafe.Col("runtime_version", func(r ExportRecord) string { return r.RuntimeVersion }),
	csvsafe.Col("seed", func(r ExportRecord) string { return csvsafe.Opt(r.Seed, strconv.Itoa) }),
	csvsafe.Col("temperature", func(r ExportRecord) string { return csvsafe.Opt(r.Temperature, num) }),
	csvsafe.Col("num_predict", func(r ExportRecord) string { return strconv.Itoa(r.NumPredict) }),
	csvsafe.Col("num_ctx", func(r ExportRecord) string { return strconv.Itoa(r.NumCtx) }),
	csvsafe.Col("system", func(r ExportRecord) string { return r.System }),
	csvsafe.Col("prompt", func(r ExportRecord) string { return r.Prompt }),
	csvsafe.Col("output", func(r ExportRecord) string { return r.Output }),
	csvsafe.Col("thinking", func(r ExportRecord) string { return r.Thinking }),
	csvsafe.Col("image_sha256", perImage(func(im ExportImage) string { return im.SHA256 })),
	csvsafe.Col("image_frame", perImage(func(im ExportImage) string { return strconv.Itoa(im.Frame) })),
	csvsafe.Col("image_window_center", perImage(func(im ExportImage) string { return num(im.WindowCenter) })),
	csvsafe.Col("image_window_width", perImage(func(im ExportImage) string { return num(im.WindowWidth) })),
	csvsafe.Col("image_encoding", perImage(func(im ExportImage) string { return im.Encoding })),
	csvsafe.Col("image_size", perImage(func(im ExportImage) string { return fmt.Sprintf("%dx%d", im.Width, im.Height) })),
	csvsafe.Col("study_key", func(r ExportRecord) string { return r.StudyKey }),
	csvsafe.Col("study_modality", func(r ExportRecord) string { return r.StudyModality }),
	csvsafe.Col("study_description", func(r ExportRecord) string { return r.StudyDescription }),
	csvsafe.Col("prompt_eval_count", func(r ExportRecord) string { return strconv.Itoa(r.PromptEvalCount) }),
	csvsafe.Col("eval_count", func(r ExportRecord) string { return strconv.Itoa(r.EvalCount) }),
	csvsafe.Col("total_duration_ms", func(r ExportRecord) string { return num(r.TotalDurationMS) }),
	csvsafe.Col("load_duration_ms", func(r ExportRecord) string { return num(r.LoadDurationMS) }),
	csvsafe.Col("prompt_eval_duration_ms", func(r ExportRecord) string { return num(r.PromptEvalDuration) }),
	csvsafe.Col("eval_duration_ms", func(r ExportRecord) string { return num(r.EvalDurationMS) }),
	csvsafe.Col("first_token_ms", func(r ExportRecord) string { return num(r.FirstTokenMS) }),
	csvsafe.Col("rating", func(r ExportRecord) string { return strconv.Itoa(r.Rating) }),
	csvsafe.Col("notes", func(r ExportRecord) string { return r.Notes }),
	csvsafe.Col("source", func(r ExportRecord) string { return r.Source }),
	csvsafe.Col("source_path", sourcePaths),
	csvsafe.Col("burn_in_risk", func(r ExportRecord) string { return strconv.FormatBool(r.BurnInRisk) }),
	csvsafe.Col("recipe", func(r ExportRecord) string { return r.Recipe }),
	csvsafe.Col("schema_hash", func(r ExportRecord) string { return r.SchemaHash }),
	csvsafe.Col("schema_valid", func(r ExportRecord) string { return csvsafe.Opt(r.SchemaValid, strconv.FormatBool) }),
	csvsafe.Col("prompt_version", func(r ExportRecord) string { return r.PromptVersion }),
}

// csvRow is r's cells, one a column.
func (r ExportRecord) csvRow() []string {
	return csvsafe.Row(nil, exportColumns, r)
}

// perImage is a column of one value per image, joined with ";".
func perImage(value func(ExportImage) string) func(ExportRecord) string {
	return func(r ExportRecord) string {
		v := make([]string, len(r.Images))
		for i, im := range r.Images {
			v[i] = value(im)
		}
		return strings.Join(v, ";")
	}
}

// sourcePaths is the images' source paths joined with ";", or "" when
// none has one (an export without PHI).
func sourcePaths(r ExportRecord) string {
	p := perImage(func(im ExportImage) string { return im.SourcePath })(r)
	if strings.Trim(p, ";") == "" {
		return ""
	}
	return p
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func exportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
