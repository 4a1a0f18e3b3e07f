//go:build tour

package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

// Tour timing: how often a step's condition is checked, how long a step
// may wait for it, and how long a view is left to draw before its shot.
const (
	tourPoll    = 100 * time.Millisecond
	tourTimeout = 5 * time.Minute
	tourSettle  = 800 * time.Millisecond
)

// TourShot is one view of the tour: the name its screenshot is saved
// under, and what it shows.
type TourShot struct {
	Name, Shows string
}

// TourShots are the views Tour steps through, in order.
var TourShots = []TourShot{
	{"viewer", "the viewer on the first series opened, with its overlay and the study browser"},
	{"tags", "the DICOM tag panel of that image, filtered to the image pixel module (0028)"},
	{"modelseye-ct3", "the model's-eye view of the first CT series: CT 3-window encoding, 896×896, SHA-256"},
	{"compare", "three columns with three prompts, answered by the first model in the list"},
	{"history", "the history browser with the newest run's provenance"},
	{"batch", "the Batch tab after a batch over a manifest, with its scores and chart (when Tour is given a batch folder)"},
	{"models", "the Models tab: runtime, devices, installed models"},
}

// Tour steps the window through its main views for screenshots and
// documentation: the files given on the command line must be open (or
// opening) and a model installed. Before each view's shot it calls shoot
// with the view's name (TourShots) from a goroutine that is not the UI's;
// shoot returns once the screenshot is taken. Tour runs the comparison
// with the first model in the list, and returns when all views are shot
// or ctx is done. With batchDir, a folder holding manifest.jsonl and
// prompts.yaml, it also runs that batch in the Batch tab (8 tokens an
// answer, results in batchDir/results.jsonl) and shoots its scores.
func (w *Workbench) Tour(ctx context.Context, batchDir string, shoot func(ctx context.Context, name string) error) error {
	on := func(f func()) { fyne.DoAndWait(f) }
	wait := func(what string, cond func() bool) error {
		deadline := time.Now().Add(tourTimeout)
		for {
			var ok bool
			on(func() { ok = cond() })
			if ok {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("tour: waited %s for %s", tourTimeout, what)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(tourPoll):
			}
		}
	}
	snap := func(name string) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(tourSettle):
		}
		return shoot(ctx, name)
	}
	settled := func() bool { return !w.rendering && w.display != nil && w.displayFor == w.key() }

	if err := wait("the image and the model list", func() bool {
		return settled() && w.modelSelect.Selected != "" && len(w.pane.series) > 0
	}); err != nil {
		return err
	}
	p := &w.pane
	on(func() { p.tabs.Select(p.imageTab) })
	if err := snap("viewer"); err != nil {
		return err
	}

	on(func() {
		p.tabs.Select(p.tagsTab)
		p.tags.filter.SetText("0028")
	})
	if err := snap("tags"); err != nil {
		return err
	}

	// The model's eye on the first CT series, in the CT 3-window encoding.
	var ct *dicomview.Series
	on(func() {
		for _, s := range p.series {
			if s.Modality == "CT" && ct == nil {
				ct = s
			}
		}
		if ct != nil {
			p.browser.selectSeries(ct)
		}
	})
	if ct != nil {
		if err := wait("the CT series", func() bool { return p.cur == ct && settled() }); err != nil {
			return err
		}
		on(func() {
			p.tabs.Select(p.eyeTab)
			p.eye.encodingSelect.SetSelected(dicomview.EncodingCT3)
		})
		if err := wait("the CT 3-window model input", func() bool {
			spec, err := p.eye.spec()
			return err == nil && p.eye.inputs != nil && p.eye.inputsFor == spec
		}); err != nil {
			return err
		}
		if err := snap("modelseye-ct3"); err != nil {
			return err
		}
	}

	// Three columns, three prompts, one image: the first series again.
	on(func() {
		p.tabs.Select(p.imageTab)
		p.eye.encodingSelect.SetSelected(dicomview.EncodingDisplay)
		p.browser.selectSeries(p.series[0])
	})
	if err := wait("the first series again", func() bool { return p.cur == p.series[0] && settled() }); err != nil {
		return err
	}
	on(func() {
		w.mainSplit.SetOffset(0) // as much room for three columns as the image side leaves
		cv := w.cmp
		for len(cv.columns) < 3 {
			cv.addColumn()
		}
		opts := cv.prompts.options()
		for i, c := range cv.columns[:3] {
			if i < len(opts) {
				c.templateSelect.SetSelected(opts[i])
			}
		}
		// The yes/no template asks for a question.
		if c := cv.columns[2]; c.promptEntry.Text != "" {
			c.promptEntry.SetText("Answer with yes or no only. Question: Is there a pleural effusion?")
		}
		w.maxTokensEntry.SetText("96")
		w.seedEntry.SetText("1")
		cv.runAll()
	})
	if err := wait("the three answers", func() bool { return !w.cmp.anyRunning() }); err != nil {
		return err
	}
	if err := snap("compare"); err != nil {
		return err
	}

	on(func() { w.shell.tabs.Select(w.shell.historyTab) })
	if err := wait("the history list", func() bool { return w.hist != nil && len(w.hist.runs) > 0 }); err != nil {
		return err
	}
	on(func() { w.hist.list.Select(0) })
	if err := wait("the run's details", func() bool { return w.hist.selected != nil }); err != nil {
		return err
	}
	if err := snap("history"); err != nil {
		return err
	}

	if batchDir != "" {
		on(func() {
			sh := w.shell
			sh.tabs.Select(sh.batchTab)
			b := sh.batch
			b.manifest.SetText(filepath.Join(batchDir, "manifest.jsonl"))
			b.prompts.SetText(filepath.Join(batchDir, "prompts.yaml"))
			b.out.SetText(filepath.Join(batchDir, "results.jsonl"))
			b.maxTokens.SetText("8")
			b.seed.SetText("1")
		})
		if err := wait("the batch tab's model list", func() bool { return len(w.shell.batch.models.Selected) > 0 }); err != nil {
			return err
		}
		on(func() { w.shell.batch.startTapped() })
		if err := wait("the batch and its scores", func() bool {
			b := w.shell.batch
			return b.run == nil && b.scores.Visible()
		}); err != nil {
			return err
		}
		if err := snap("batch"); err != nil {
			return err
		}
	}

	on(func() { w.shell.tabs.Select(w.shell.modelsTab) })
	if err := wait("the model list", func() bool { return len(w.shell.models.Models()) > 0 }); err != nil {
		return err
	}
	return snap("models")
}
