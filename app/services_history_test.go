package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/dicomtest"
	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/ui"
)

var _ ui.Backend = (*Services)(nil)

// TestGUIHistoryServices exercises what the workbench's side-by-side view,
// prompt library and history browser ask of the services, on a real
// history database and a real DICOM file; it needs no runtime.
func TestGUIHistoryServices(t *testing.T) {
	ctx := context.Background()
	s, err := NewServices(ctx, Config{DataDir: t.TempDir()}, "test gui")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// A logged run on 3.dcm's model input, as Ask logs it.
	path := dicomtest.File(t, "3.dcm")
	_, p, err := PrepareImage(path, dicomview.PrepareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	req := core.Request{Images: []core.Image{p.RequestImage()}}
	run := &core.Run{SessionID: s.sessionID, StartedAt: time.Now(), Model: core.DemoModelName,
		ModelDigest: "sha256:feedface", System: assets.DefaultSystemPrompt, Prompt: "Describe this MR slice quetzal",
		Output: "noise", Status: core.StatusOK, DoneReason: "stop"}
	if err := s.logImages(ctx, req, run); err != nil {
		t.Fatal(err)
	}
	id, err := s.History().SaveRun(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.History().SaveRun(ctx, &core.Run{StartedAt: time.Now(), Model: "other", Prompt: "x", Status: core.StatusError})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("rate and search", func(t *testing.T) {
		if err := s.Rate(ctx, id, 4, "okapi teaching case"); err != nil {
			t.Fatal(err)
		}
		runs, err := s.Runs(ctx, core.Filter{Text: "okapi", MinRating: 4})
		if err != nil || len(runs) != 1 || runs[0].ID != id || runs[0].Rating != 4 || runs[0].Notes != "okapi teaching case" {
			t.Errorf("Runs(okapi, ≥4) = %+v, %v", runs, err)
		}
		if err := s.Rate(ctx, 999999, 3, ""); !errors.Is(err, history.ErrNotFound) {
			t.Errorf("rating a missing run: %v, want ErrNotFound", err)
		}
		if err := s.Rate(ctx, id, 6, ""); err == nil {
			t.Error("a rating of 6 was taken")
		}
	})

	t.Run("run and image", func(t *testing.T) {
		r, err := s.Run(ctx, id)
		if err != nil || r.ImageSHA256[0] != p.SHA256 {
			t.Fatalf("Run = %+v, %v", r, err)
		}
		im, err := s.RunImage(ctx, p.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if im.Width != 896 || im.Height != 896 || !strings.HasPrefix(filepath.Base(im.Path), "model-input-"+p.SHA256[:12]) {
			t.Errorf("RunImage = %d×%d %q", im.Width, im.Height, im.Path)
		}
		if _, err := s.RunImage(ctx, strings.Repeat("0", 64)); !errors.Is(err, history.ErrNotFound) {
			t.Errorf("a missing image: %v, want ErrNotFound", err)
		}
	})

	t.Run("comparison", func(t *testing.T) {
		cid, err := s.SaveComparison(ctx, core.Comparison{Title: "side by side", RunIDs: []int64{id, second}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.History().Comparison(ctx, cid)
		if err != nil || !slices.Equal(c.RunIDs, []int64{id, second}) || c.Title != "side by side" {
			t.Errorf("comparison %d = %+v, %v", cid, c, err)
		}
	})

	t.Run("templates", func(t *testing.T) {
		tmpl := core.PromptTemplate{Name: "lines", System: assets.DefaultSystemPrompt, Prompt: "List the lines and tubes."}
		if err := s.SaveTemplate(ctx, tmpl); err != nil {
			t.Fatal(err)
		}
		tmpl.Prompt = "List every line and tube."
		if err := s.SaveTemplate(ctx, tmpl); err != nil {
			t.Fatal(err)
		}
		ts, err := s.Templates(ctx)
		if err != nil || len(ts) != 1 || ts[0].Prompt != "List every line and tube." {
			t.Errorf("Templates = %+v, %v; want the replaced template", ts, err)
		}
		if err := s.DeleteTemplate(ctx, "lines"); err != nil {
			t.Fatal(err)
		}
		if ts, err := s.Templates(ctx); err != nil || len(ts) != 0 {
			t.Errorf("after delete: %+v, %v", ts, err)
		}
	})

	t.Run("export report", func(t *testing.T) {
		dir := t.TempDir()
		for _, phi := range []bool{false, true} {
			out := filepath.Join(dir, "report.html")
			if err := s.ExportReport(ctx, []int64{id, second}, "html", out, phi); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			text := string(b)
			for _, want := range []string{assets.Disclaimer, "sha256:feedface", "quetzal", p.SHA256[:32]} {
				if !strings.Contains(text, want) {
					t.Errorf("report (phi %v) lacks %q", phi, want)
				}
			}
			if got := strings.Contains(text, "3.dcm"); got != phi {
				t.Errorf("report (phi %v) names the file: %v", phi, got)
			}
		}
		md := filepath.Join(dir, "report.md")
		if err := s.ExportReport(ctx, []int64{id}, "md", md, false); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, "report_files", "figure-1.png")); err != nil {
			t.Errorf("the Markdown report's figure: %v", err)
		}
		if err := s.ExportReport(ctx, []int64{id}, "docx", filepath.Join(dir, "x.docx"), false); err == nil || !strings.Contains(err.Error(), "docx") {
			t.Errorf("format docx: %v, want an error naming it", err)
		}
		if err := s.ExportReport(ctx, []int64{999999}, "md", filepath.Join(dir, "x.md"), false); !errors.Is(err, history.ErrNotFound) {
			t.Errorf("a missing run: %v, want ErrNotFound", err)
		}
		if err := s.ExportReport(ctx, nil, "md", filepath.Join(dir, "x.md"), false); err == nil {
			t.Error("a report of no runs was written")
		}
	})

	t.Run("rerun of a missing run", func(t *testing.T) {
		_, res, err := s.Rerun(ctx, 999999, nil)
		if !errors.Is(err, history.ErrNotFound) || res.Status != core.StatusError {
			t.Errorf("Rerun(999999) = %+v, %v; want an error wrapping ErrNotFound", res, err)
		}
	})
}
