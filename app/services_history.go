package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/history/report"
	"github.com/medgemma-workbench/medgemma-workbench/history/report/dicomout"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// This file implements the history part of ui.Backend on Services: the
// history browser, ratings, comparisons, prompt templates, reports and
// re-runs. The command line's `history`, `report` and `ask --rerun` share
// their logic.

// Runs returns the logged runs that match f, newest first.
func (s *Services) Runs(ctx context.Context, f core.Filter) ([]core.Run, error) {
	return s.history.Search(ctx, f)
}

// Run returns the logged run id, or an error wrapping history.ErrNotFound.
func (s *Services) Run(ctx context.Context, id int64) (*core.Run, error) {
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
func (s *Services) SaveComparison(ctx context.Context, c core.Comparison) (int64, error) {
	return s.history.SaveComparison(ctx, &c)
}

// Templates returns the user's saved prompt templates by name.
func (s *Services) Templates(ctx context.Context) ([]core.PromptTemplate, error) {
	return s.history.Templates(ctx)
}

// SaveTemplate creates or replaces the prompt template t.Name.
func (s *Services) SaveTemplate(ctx context.Context, t core.PromptTemplate) error {
	return s.history.SaveTemplate(ctx, t)
}

// TemplateVersions returns every saved version of the prompt template
// called name, oldest first.
func (s *Services) TemplateVersions(ctx context.Context, name string) ([]core.PromptTemplate, error) {
	return s.history.TemplateVersions(ctx, name)
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
func (s *Services) Rerun(ctx context.Context, id int64, onChunk func(string)) (int64, core.Result, error) {
	req, err := s.rerunRequest(ctx, id)
	if err != nil {
		err = fmt.Errorf("re-run %d: %w", id, err)
		return 0, core.Result{Status: core.StatusError, Error: err.Error()}, err
	}
	return s.Ask(ctx, req, onChunk)
}

// rerunRequest is the request of the logged run id, made again: its exact
// model-input images as stored, its system prompt, prompt, model and
// options. A missing run is an error wrapping history.ErrNotFound.
func (s *Services) rerunRequest(ctx context.Context, id int64) (core.Request, error) {
	run, err := s.history.Run(ctx, id)
	if err != nil {
		return core.Request{}, err
	}
	req := core.Request{Model: run.Model, System: run.System, Prompt: run.Prompt, Options: run.Options,
		Recipe: run.Recipe, RecipeJSON: run.RecipeJSON}
	if run.SchemaHash == "" {
		// The same texts are the same prompt version. (A run with a
		// schema is made again without it: the log keeps only its hash,
		// so the re-run is another version, named from its texts.)
		req.PromptVersion = run.PromptVersion
	}
	if run.RecipeJSON != "" {
		if r, err := recipe.Parse("run "+strconv.FormatInt(id, 10), []byte(run.RecipeJSON)); err == nil {
			req.Boxes = r.Output == "boxes"
		}
	}
	sources := strings.Split(run.Source, ",")
	for i, sha := range run.ImageSHA256 {
		png, err := s.history.ImagePNG(ctx, sha)
		if err != nil {
			// Not %w: a missing image is not a missing run.
			return req, fmt.Errorf("rerun %d: image %s: %v", id, sha, err)
		}
		im := core.Image{PNG: png, SHA256: sha}
		if run.BurnInRisk {
			// The stored PNG has no attributes: the run's flag stands for
			// them, so the warning and the flag carry over to the rerun.
			im.Study.BurnedInAnnotation = "YES"
		}
		if len(sources) == len(run.ImageSHA256) {
			im.Source = sources[i]
		}
		if len(run.ImageLabels) == len(run.ImageSHA256) {
			im.Label = run.ImageLabels[i]
		}
		if len(run.ImageGeometry) == len(run.ImageSHA256) {
			g := run.ImageGeometry[i]
			im.SourceWidth, im.SourceHeight, im.Fit = g.Width, g.Height, g.Fit
			im.SourceX, im.SourceY, im.Plane = g.X, g.Y, g.Plane
		}
		req.Images = append(req.Images, im)
	}
	return req, nil
}

// writeReport builds the report of the runs ids from h and writes it to
// out in format (md, html or pdf), de-identified unless phi. A missing run
// is an error wrapping history.ErrNotFound.
func writeReport(ctx context.Context, h *history.Store, ids []int64, format, out string, phi bool) error {
	f, err := parseRunReportFormat(format, false)
	if err != nil {
		return fmt.Errorf("report %s: %w", out, err)
	}
	doc, err := report.Build(ctx, h, ids, report.Options{IncludePHI: phi, AppVersion: Version})
	if err != nil {
		return err
	}
	if err := f.write(doc, out); err != nil {
		return fmt.Errorf("report %s: %w", out, err)
	}
	return nil
}

// writeMarkdownReport writes the Markdown to path and its figures to a
// folder beside it, named after it: report.md and report_files/.
func writeMarkdownReport(doc *report.Document, path string) error {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + "_files"
	dir := filepath.Join(filepath.Dir(path), base)
	var links []string
	if len(doc.Figures) > 0 {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	for i, f := range doc.Figures {
		name := fmt.Sprintf("figure-%d.png", i+1)
		if err := writeFileAtomic(filepath.Join(dir, name), f.PNG); err != nil {
			return err
		}
		links = append(links, base+"/"+name)
	}
	return writeFileAtomic(path, report.Markdown(doc, links))
}

// writeDICOMReport writes run id's draft report to out as a DICOM
// document of the given format (dicom-sr or dicom-pdf) in a new series of
// the run's source study, with UIDs from ids, and returns it (its Bytes
// are what a STOW-RS request would send).
func writeDICOMReport(ctx context.Context, h *history.Store, id int64, format, out string, phi bool, ids dicomout.UIDs) (*dicomout.Document, error) {
	doc, err := buildDICOMReport(ctx, h, id, format, phi, ids)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(out, doc.Bytes); err != nil {
		return nil, fmt.Errorf("report %s: %w", out, err)
	}
	return doc, nil
}

// buildDICOMReport makes run id's DICOM document (dicom-sr or dicom-pdf),
// de-identified unless phi.
func buildDICOMReport(ctx context.Context, h *history.Store, id int64, format string, phi bool, ids dicomout.UIDs) (*dicomout.Document, error) {
	f, err := parseRunReportFormat(format, true)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	rep, err := dicomout.FromRun(ctx, h, id, dicomout.Options{IncludePHI: phi, AppVersion: Version})
	if err != nil {
		return nil, err
	}
	return f.build(ctx, h, id, rep, phi, ids)
}
