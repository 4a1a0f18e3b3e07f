package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// This file implements the history part of ui.Backend on Services: the
// history browser, ratings, comparisons, prompt templates, reports and
// re-runs. The command line's `history`, `report` and `ask --rerun` share
// their logic.

// Runs returns the logged runs that match f, newest first.
func (s *Services) Runs(ctx context.Context, f history.Filter) ([]history.Run, error) {
	return s.history.Search(ctx, f)
}

// Run returns the logged run id, or an error wrapping history.ErrNotFound.
func (s *Services) Run(ctx context.Context, id int64) (*history.Run, error) {
	return s.history.Run(ctx, id)
}

// RunImage returns the stored model-input image with the given SHA-256 as
// an image the viewer can show, named after its hash.
func (s *Services) RunImage(ctx context.Context, sha string) (*dicomview.Image, error) {
	png, err := s.history.ImagePNG(ctx, sha)
	if err != nil {
		return nil, err
	}
	name := sha
	if len(name) > 12 {
		name = name[:12]
	}
	return dicomview.Decode("model-input-"+name+".png", png)
}

// Rate sets run id's rating (0 unrated, 1 to 5) and replaces its notes.
func (s *Services) Rate(ctx context.Context, id int64, stars int, note string) error {
	if err := s.history.SetRating(ctx, id, stars); err != nil {
		return err
	}
	return s.history.SetNotes(ctx, id, note)
}

// SaveComparison records runs shown side by side and returns its id.
func (s *Services) SaveComparison(ctx context.Context, c history.Comparison) (int64, error) {
	return s.history.SaveComparison(ctx, &c)
}

// Templates returns the user's saved prompt templates by name.
func (s *Services) Templates(ctx context.Context) ([]history.PromptTemplate, error) {
	return s.history.Templates(ctx)
}

// SaveTemplate creates or replaces the prompt template t.Name.
func (s *Services) SaveTemplate(ctx context.Context, t history.PromptTemplate) error {
	return s.history.SaveTemplate(ctx, t)
}

// DeleteTemplate removes the prompt template called name.
func (s *Services) DeleteTemplate(ctx context.Context, name string) error {
	return s.history.DeleteTemplate(ctx, name)
}

// ExportReport writes the report of the runs ids to path in format (md,
// html or pdf), as the `report` command does: de-identified unless
// includePHI.
func (s *Services) ExportReport(ctx context.Context, ids []int64, format, path string, includePHI bool) error {
	if len(ids) == 0 {
		return errors.New("report: no runs chosen")
	}
	if err := writeReport(ctx, s.history, ids, format, path, includePHI); err != nil {
		return err
	}
	s.log.Info("report", "runs", len(ids), "format", format, "phi", includePHI)
	return nil
}

// Rerun runs the logged run id again, as `ask --rerun` does: with its
// stored model-input images, prompts, model and options. The new run is
// logged like any other; it returns its id.
func (s *Services) Rerun(ctx context.Context, id int64, onChunk func(string)) (int64, inference.Result, error) {
	req, err := s.rerunRequest(ctx, id)
	if err != nil {
		err = fmt.Errorf("re-run %d: %w", id, err)
		return 0, inference.Result{Status: inference.StatusError, Error: err.Error()}, err
	}
	return s.Ask(ctx, req, onChunk)
}
