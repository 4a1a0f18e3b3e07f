package ui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// benchSection is the Batch tab's model-card row: which row, its data,
// Run row, and our score beside the card's value.
type benchSection struct {
	rows   []core.BenchmarkRow
	pick   *widget.Select
	info   *widget.Label // the row's dataset, metric, card value, where to get the data
	data   *widget.Entry
	limit  *widget.Entry
	run    *widget.Button
	result *widget.Label // "ours X [CI] vs card Y" and the report
}

// newBenchSection builds the model-card row section; its rows are listed
// by refreshBenchmarks.
func (b *batchPanel) newBenchSection() fyne.CanvasObject {
	s := &b.bench
	s.pick = widget.NewSelect(nil, func(string) { b.showBenchInfo() })
	s.pick.PlaceHolder = "(choose a row)"
	s.info = widget.NewLabel("")
	s.info.Wrapping = fyne.TextWrapWord
	s.info.Importance = widget.LowImportance
	s.data = widget.NewEntry()
	s.data.SetPlaceHolder("the dataset as published (a file or folder; the row says which)")
	s.limit = widget.NewEntry()
	s.limit.SetPlaceHolder("all")
	s.run = widget.NewButtonWithIcon("Run row", theme.MediaPlayIcon(), b.benchTapped)
	s.result = widget.NewLabel("")
	s.result.Wrapping = fyne.TextWrapWord
	s.result.TextStyle.Bold = true
	s.result.Hide()
	folder := widget.NewButtonWithIcon("Folder…", theme.FolderOpenIcon(), func() { b.chooseFolderInto(s.data) })
	form := widget.NewForm(
		widget.NewFormItem("Row", s.pick),
		widget.NewFormItem("", s.info),
		widget.NewFormItem("Data", withButtons(s.data, folder, b.pickButton("File…", s.data, []string{".json", ".jsonl", ".parquet"}))),
		widget.NewFormItem("Items", container.NewHBox(b.numField(s.limit), widget.NewLabel("(the first N; empty for all) with the first checked model"))),
	)
	return container.NewVBox(sectionTitle("Reproduce a model-card row"), form, container.NewHBox(s.run), s.result)
}

// refreshBenchmarks lists the model card's rows in the picker.
func (b *batchPanel) refreshBenchmarks() {
	ctx, cancel := b.env.opContext()
	go func() {
		defer cancel()
		rows, err := b.backend.Benchmarks(ctx)
		b.env.do(func() {
			if err != nil {
				setShown(b.bench.info, "The model-card rows could not be listed: "+err.Error())
				return
			}
			b.bench.rows = rows
			names := make([]string, len(rows))
			for i, r := range rows {
				names[i] = r.Name
			}
			b.bench.pick.SetOptions(names)
		})
	}()
}

// picked is the row picked, or nil.
func (s *benchSection) picked() *core.BenchmarkRow {
	for i := range s.rows {
		if s.rows[i].Name == s.pick.Selected {
			return &s.rows[i]
		}
	}
	return nil
}

// showBenchInfo says what the picked row runs and what the card says.
func (b *batchPanel) showBenchInfo() {
	r := b.bench.picked()
	if r == nil {
		return
	}
	b.bench.info.SetText(fmt.Sprintf("%s — dataset %s%s, metric %s; model card (MedGemma 4B): %s (%q). Get the data: %s",
		r.Title, r.Format, splitText(r.Split), r.Metric, r.CardText(), r.Wording, r.Get))
}

func splitText(split string) string {
	if split == "" {
		return ""
	}
	return ", split " + split
}

// benchSpec reads the row's fields. The error names the field.
func (b *batchPanel) benchSpec() (core.BenchmarkSpec, error) {
	r := b.bench.picked()
	spec := core.BenchmarkSpec{Data: strings.TrimSpace(b.bench.data.Text)}
	switch {
	case r == nil:
		return spec, errors.New("choose a model-card row")
	case spec.Data == "":
		return spec, fmt.Errorf("choose the %s data (%s)", r.Format, r.Get)
	case len(b.models.Selected) == 0:
		return spec, errors.New("check a model: the row runs with the first checked one")
	}
	spec.Name, spec.Model = r.Name, b.models.Selected[0]
	if t := strings.TrimSpace(b.bench.limit.Text); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 {
			return spec, fmt.Errorf("items %q: want a whole number of 1 or more, or empty for all", t)
		}
		spec.Limit = n
	}
	return spec, nil
}

// benchTapped runs the picked row in the background, its progress in the
// batch's bar, and shows our score beside the card's with the scores of
// its results.
func (b *batchPanel) benchTapped() {
	if b.run != nil {
		return
	}
	spec, err := b.benchSpec()
	if err != nil {
		b.env.showError(err)
		return
	}
	w := b.env
	run, ctx := b.begin("Importing " + spec.Name + "'s data and checking the model…")
	b.bench.run.Disable()
	setShown(b.bench.result, "")
	every := b.every
	go func() {
		defer run.abort()
		var box latest[BatchProgress]
		var res core.BenchmarkResult
		var err error
		streamed(w.do, every, box.take, func(p BatchProgress) { b.showProgress(run, p) },
			func() { res, err = b.backend.RunBenchmark(ctx, spec, run.drain, box.set) })
		var ev BatchEval
		var everr error
		if err == nil {
			ectx, ecancel := w.opContext()
			ev, everr = b.backend.EvalBatch(ectx, res.Results)
			ecancel()
		}
		w.do(func() { b.benchFinished(run, res, err, ev, everr) })
	}()
}

// benchFinished shows how a row's run ended: our score beside the card's.
func (b *batchPanel) benchFinished(run *batchRun, res core.BenchmarkResult, err error, ev BatchEval, everr error) {
	if !b.end(run) {
		return
	}
	b.bench.run.Enable()
	if err != nil {
		b.status.SetText("The row did not finish.")
		b.env.showError(fmt.Errorf("model-card row: %w", err))
		return
	}
	b.bar.Max, b.bar.Value = 1, 1
	b.bar.Refresh()
	b.status.SetText(fmt.Sprintf("%d runs (%d already done)", res.Runs, res.Skipped))
	setShown(b.bench.result, benchResultText(res))
	b.showEval(res.Results, ev, everr)
}

// benchResultText is a row's score beside the card's, with its provenance
// and report.
func benchResultText(res core.BenchmarkResult) string {
	return fmt.Sprintf("Ours %.1f [%.1f, %.1f] vs card %s — %q (MedGemma 4B), %s on %d items.\n"+
		"Model digest %s, runtime %s, prompt %s %s. Report: %s",
		res.Ours, res.Low, res.High, res.CardText(), res.Wording, res.Group.Metric, res.Group.N,
		shortDigest(res.ModelDigest), res.RuntimeVersion, res.Prompt, res.PromptVer, res.Report)
}

func shortDigest(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	return d
}
