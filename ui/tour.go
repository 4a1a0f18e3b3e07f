//go:build tour

package ui

import (
	"context"
	"fmt"
	"image"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
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
	{"planes", "the Planes tab on the first CT series with 3 slices or more: axial, coronal and sagittal cuts with cross-hairs"},
	{"region", "a region drawn on a slice of that series, measured in HU, sent as the model input"},
	{"compare", "three columns with three prompts, answered by the first model in the list"},
	{"versions", "a saved template's two versions and the word diff between them (the prompt reworded, a schema added)"},
	{"history", "the history browser with the newest run's provenance"},
	{"batch", "the Batch tab after a batch over a manifest, with its scores and chart (when Tour is given a batch folder)"},
	{"pacs", "the PACS tab: a search of a DICOMweb server (the tests' Orthanc with the sample studies) and the CT study's series (when Tour is given a PACS)"},
	{"models", "the Models tab: runtime, devices, installed models"},
}

// Tour steps the window through its main views for screenshots and
// documentation: the files given on the command line must be open (or
// opening) and a model installed. Before each view's shot it calls shoot
// with the view's name (TourShots) from a goroutine that is not the UI's;
// shoot returns once the screenshot is taken. Tour runs the comparison
// with the first model in the list, and returns when all views are shot
// or ctx is done. With opts.BatchDir, a folder holding manifest.jsonl and
// prompts.yaml, it also runs that batch in the Batch tab (8 tokens an
// answer, results in BatchDir/results.jsonl) and shoots its scores; with
// opts.PACS it saves that server in the PACS tab, searches it and shoots
// the results.
func (w *Workbench) Tour(ctx context.Context, opts TourOptions, shoot func(ctx context.Context, name string) error) error {
	t := &tour{w: w, batchDir: opts.BatchDir, pacs: opts.PACS, shoot: shoot}
	if err := t.wait(ctx, "the image and the model list", func() bool {
		return t.settled() && w.cmp.columns[0].modelSelect.Selected != "" && len(w.pane.series) > 0
	}); err != nil {
		return err
	}
	if opts.Columns > 0 {
		return t.columns(ctx, opts.Columns)
	}
	for _, step := range tourSteps {
		if err := step(t, ctx); err != nil {
			return err
		}
	}
	return nil
}

// TourOptions are the tour's optional views.
type TourOptions struct {
	// BatchDir holds manifest.jsonl and prompts.yaml for the Batch tab's
	// view ("": none).
	BatchDir string
	// PACS is the server the PACS tab's view searches (URL "": none),
	// with HTTP basic authentication when User is set.
	PACS core.PACSServer
	// Columns, when above 0, makes the tour one view only: that many
	// columns beside the image, each with a template, answered and shot
	// as "compare-WxH-N" (W×H the window's size): how much of the answers
	// a window of that size shows.
	Columns int
}

// tourSteps are the tour's views in the order of TourShots: each brings
// its view up, waits for it and shoots it.
var tourSteps = []func(*tour, context.Context) error{
	(*tour).viewer,
	(*tour).tags,
	(*tour).modelsEyeCT3,
	(*tour).planes,
	(*tour).region,
	(*tour).compare,
	(*tour).versions,
	(*tour).history,
	(*tour).batch,
	(*tour).pacsSearch,
	(*tour).models,
}

// tour is one run of Tour.
type tour struct {
	w        *Workbench
	batchDir string
	pacs     core.PACSServer
	shoot    func(ctx context.Context, name string) error
}

// on runs f on the UI goroutine and waits for it.
func (t *tour) on(f func()) { fyne.DoAndWait(f) }

// wait checks cond on the UI goroutine until it holds, ctx is done or
// tourTimeout has passed.
func (t *tour) wait(ctx context.Context, what string, cond func() bool) error {
	return t.waitUpTo(ctx, tourTimeout, what, cond)
}

// waitUpTo is wait with its own timeout.
func (t *tour) waitUpTo(ctx context.Context, timeout time.Duration, what string, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		t.on(func() { ok = cond() })
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("tour: waited %s for %s", timeout, what)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(tourPoll):
		}
	}
}

// snap lets the view settle and shoots it.
func (t *tour) snap(ctx context.Context, name string) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(tourSettle):
	}
	return t.shoot(ctx, name)
}

// settled reports whether the viewer shows the current frame. Call it on
// the UI goroutine.
func (t *tour) settled() bool {
	p := t.w.pane
	return !p.rendering && p.display != nil && p.displayFor == p.key()
}

// viewer shoots the viewer on the first series opened.
func (t *tour) viewer(ctx context.Context) error {
	p := t.w.pane
	t.on(func() { p.tabs.Select(p.imageTab) })
	return t.snap(ctx, "viewer")
}

// tags shoots the tag panel filtered to the image pixel module.
func (t *tour) tags(ctx context.Context) error {
	p := t.w.pane
	t.on(func() {
		p.tabs.Select(p.tagsTab)
		p.tags.filter.SetText("0028")
	})
	return t.snap(ctx, "tags")
}

// modelsEyeCT3 shoots the model's eye on the first CT series, in the CT
// 3-window encoding; without a CT series there is no shot.
func (t *tour) modelsEyeCT3(ctx context.Context) error {
	p := t.w.pane
	var ct *dicomview.Series
	t.on(func() {
		for _, s := range p.series {
			if s.Modality == "CT" && ct == nil {
				ct = s
			}
		}
		if ct != nil {
			p.browser.selectSeries(ct)
		}
	})
	if ct == nil {
		return nil
	}
	if err := t.wait(ctx, "the CT series", func() bool { return p.cur == ct && t.settled() }); err != nil {
		return err
	}
	t.on(func() {
		p.tabs.Select(p.eyeTab)
		p.eye.encodingSelect.SetSelected(dicomview.EncodingCT3)
	})
	if err := t.wait(ctx, "the CT 3-window model input", func() bool {
		spec, err := p.eye.spec()
		return err == nil && p.eye.inputs != nil && p.eye.inputsFor == spec
	}); err != nil {
		return err
	}
	return t.snap(ctx, "modelseye-ct3")
}

// volume is the first CT series with 3 slices or more, or nil.
func (t *tour) volume() *dicomview.Series {
	var vol *dicomview.Series
	t.on(func() {
		for _, s := range t.w.pane.series {
			if s.Modality == "CT" && len(s.Slices) >= 3 && vol == nil {
				vol = s
			}
		}
	})
	return vol
}

// planes shoots the Planes tab on the tour's volume; without one there
// is no shot.
func (t *tour) planes(ctx context.Context) error {
	p := t.w.pane
	vol := t.volume()
	if vol == nil {
		return nil
	}
	t.on(func() {
		p.eye.encodingSelect.SetSelected(dicomview.EncodingDisplay)
		p.browser.selectSeries(vol)
	})
	if err := t.wait(ctx, "the volume", func() bool { return p.cur == vol && t.settled() }); err != nil {
		return err
	}
	t.on(func() { p.tabs.Select(p.mprTab) })
	if err := t.wait(ctx, "the three planes", func() bool { return p.mpr.done() }); err != nil {
		return err
	}
	return t.snap(ctx, "planes")
}

// region draws a region around the middle of the volume's middle slice,
// waits for its statistics and its model input, and shoots the viewer
// showing that input.
func (t *tour) region(ctx context.Context) error {
	p := t.w.pane
	vol := t.volume()
	if vol == nil {
		return nil
	}
	t.on(func() {
		p.tabs.Select(p.imageTab)
		p.showSeries(vol, len(vol.Slices)/2)
	})
	if err := t.wait(ctx, "the middle slice", func() bool { return t.settled() }); err != nil {
		return err
	}
	t.on(func() {
		w, h := p.img.Width, p.img.Height
		r := image.Rect(w/2-w/8, h/2-h/4, w/2+w/4, h/2+h/16)
		p.viewer.SetRegion(r)
		p.regionDrawn(r)
	})
	if err := t.wait(ctx, "the region's statistics", func() bool { return strings.Contains(p.regionInfo.Text, "mean") }); err != nil {
		return err
	}
	t.on(func() {
		p.sendRegion.SetChecked(true)
		p.modelInputCheck.SetChecked(true)
	})
	if err := t.wait(ctx, "the region's model input", func() bool {
		return p.prepared != nil && p.preparedFor == p.inputKey() && !p.prepared.Region.Empty()
	}); err != nil {
		return err
	}
	if err := t.snap(ctx, "region"); err != nil {
		return err
	}
	t.on(func() {
		p.modelInputCheck.SetChecked(false)
		p.clearRegion()
	})
	return nil
}

// compare shoots three columns, three prompts, one image: the first
// series again.
func (t *tour) compare(ctx context.Context) error {
	w, p := t.w, t.w.pane
	t.on(func() {
		p.tabs.Select(p.imageTab)
		p.eye.encodingSelect.SetSelected(dicomview.EncodingDisplay)
		p.browser.selectSeries(p.series[0])
	})
	if err := t.wait(ctx, "the first series again", func() bool { return p.cur == p.series[0] && t.settled() }); err != nil {
		return err
	}
	t.on(func() {
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
		cv.maxTokensEntry.SetText("96")
		cv.seedEntry.SetText("1")
		cv.runAll()
	})
	if err := t.wait(ctx, "the three answers", func() bool { return !w.cmp.anyRunning() }); err != nil {
		return err
	}
	return t.snap(ctx, "compare")
}

// versions saves the first column's prompt as a template twice, reworded
// and with an answer schema the second time, and shoots the versions
// dialog's word diff between the two.
func (t *tour) versions(ctx context.Context) error {
	cv := t.w.cmp
	c := cv.columns[0]
	save := func(prompt, schema string) error {
		t.on(func() {
			c.promptEntry.SetText(prompt)
			c.useSchemaText(schema)
			tp := core.PromptTemplate{Name: "effusion", System: c.system(), Prompt: prompt, Schema: indentedSchema(c.schema)}
			cv.prompts.save(tp, func(option string) { c.templateSelect.SetSelected(option) })
		})
		return t.wait(ctx, "the template saved", func() bool {
			t, ok := cv.prompts.lookup(c.templateSelect.Selected)
			return ok && t.User && t.Prompt == prompt
		})
	}
	if err := save("Is there a pleural effusion on this chest X-ray? Answer yes or no.", ""); err != nil {
		return err
	}
	if err := save("Is there a pleural effusion on this chest radiograph? Answer in JSON with your confidence.",
		`{"type": "object", "properties": {"effusion": {"enum": ["yes", "no"]}, "confidence": {"enum": ["low", "medium", "high"]}}, "required": ["effusion", "confidence"]}`); err != nil {
		return err
	}
	t.on(func() { cv.versions = nil; c.versionsTapped() })
	if err := t.wait(ctx, "the versions dialog", func() bool { return cv.versions != nil }); err != nil {
		return err
	}
	if err := t.snap(ctx, "versions"); err != nil {
		return err
	}
	t.on(func() { cv.versions.dialog.Hide() })
	return nil
}

// history shoots the history browser with the newest run's details.
func (t *tour) history(ctx context.Context) error {
	w := t.w
	t.on(func() { w.shell.tabs.Select(w.shell.historyTab) })
	if err := t.wait(ctx, "the history list", func() bool { return w.hist != nil && len(w.hist.runs) > 0 }); err != nil {
		return err
	}
	t.on(func() { w.hist.list.Select(0) })
	if err := t.wait(ctx, "the run's details", func() bool { return w.hist.selected != nil }); err != nil {
		return err
	}
	return t.snap(ctx, "history")
}

// batch runs the batch of batchDir in the Batch tab and shoots its
// scores; without batchDir there is no shot.
func (t *tour) batch(ctx context.Context) error {
	if t.batchDir == "" {
		return nil
	}
	sh := t.w.shell
	t.on(func() {
		sh.tabs.Select(sh.batchTab)
		b := sh.batch
		b.manifest.SetText(filepath.Join(t.batchDir, "manifest.jsonl"))
		b.prompts.SetText(filepath.Join(t.batchDir, "prompts.yaml"))
		b.out.SetText(filepath.Join(t.batchDir, "results.jsonl"))
		b.maxTokens.SetText("8")
		b.seed.SetText("1")
	})
	if err := t.wait(ctx, "the batch tab's model list", func() bool { return len(sh.batch.models.Selected) > 0 }); err != nil {
		return err
	}
	t.on(func() { sh.batch.startTapped() })
	if err := t.wait(ctx, "the batch and its scores", func() bool {
		return sh.batch.run == nil && sh.batch.scores.Visible()
	}); err != nil {
		return err
	}
	return t.snap(ctx, "batch")
}

// pacsSearch saves the tour's PACS in the PACS tab, lists its studies,
// chooses the CT study and shoots the table and the study's series;
// without a PACS there is no shot.
func (t *tour) pacsSearch(ctx context.Context) error {
	if t.pacs.URL == "" {
		return nil
	}
	sh := t.w.shell
	var err error
	t.on(func() {
		sh.tabs.Select(sh.pacsTab)
		cfg := PACSServerConfig{Name: "Orthanc (sample studies)", URL: t.pacs.URL, Auth: core.PACSAuthNone}
		if t.pacs.User != "" {
			cfg.Auth, cfg.User = core.PACSAuthBasic, t.pacs.User
		}
		if err = sh.pacs.servers.AddServer(cfg, t.pacs.Password); err == nil {
			sh.pacs.searchTapped()
		}
	})
	if err != nil {
		return err
	}
	p := sh.pacs
	if err := t.wait(ctx, "the PACS search", func() bool { return len(p.results.studies) > 0 || p.query.status.Importance == widget.DangerImportance }); err != nil {
		return err
	}
	var failed string
	t.on(func() {
		if len(p.results.studies) == 0 {
			failed = p.query.status.Text
			return
		}
		row := 0
		for i, s := range p.results.studies {
			if slices.Contains(s.Modalities, "CT") {
				row = i
			}
		}
		p.results.table.Select(widget.TableCellID{Row: row, Col: 0})
	})
	if failed != "" {
		return fmt.Errorf("tour: PACS search: %s", failed)
	}
	if err := t.wait(ctx, "the study's series", func() bool { return len(p.results.series) > 0 }); err != nil {
		return err
	}
	return t.snap(ctx, "pacs")
}

// models shoots the Models tab.
func (t *tour) models(ctx context.Context) error {
	sh := t.w.shell
	t.on(func() { sh.tabs.Select(sh.modelsTab) })
	if err := t.wait(ctx, "the model list", func() bool { return len(sh.models.Models()) > 0 }); err != nil {
		return err
	}
	return t.snap(ctx, "models")
}

// columns shoots n columns, answered, beside the first series at the
// window's size, as a researcher sees them: the split as it opens, the
// answers long enough to fill the columns.
func (t *tour) columns(ctx context.Context, n int) error {
	w := t.w
	var name string
	t.on(func() {
		cv := w.cmp
		for len(cv.columns) < n {
			cv.addColumn()
		}
		opts := cv.prompts.options()
		for i, c := range cv.columns[:n] {
			if i < len(opts) {
				c.templateSelect.SetSelected(opts[i])
			}
			if strings.Contains(c.promptEntry.Text, "{{") { // the yes/no template asks for a question
				c.promptEntry.SetText("Answer with yes or no only. Question: Is there a pleural effusion?")
			}
		}
		cv.maxTokensEntry.SetText("300")
		cv.seedEntry.SetText("1")
		cv.runAll()
		size := w.win.Canvas().Size()
		name = fmt.Sprintf("compare-%dx%d-%d", int(size.Width), int(size.Height), n)
	})
	// Three answers of 300 tokens on a CPU take minutes: the runtime
	// answers one request at a time by default.
	if err := t.waitUpTo(ctx, 3*tourTimeout, "the answers", func() bool { return !w.cmp.anyRunning() }); err != nil {
		return err
	}
	return t.snap(ctx, name)
}
