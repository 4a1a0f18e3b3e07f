package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/evalchart"
)

// batchRefresh is the shortest time between two refreshes of a batch's
// progress: runs take seconds, so ten a second is plenty.
const batchRefresh = 100 * time.Millisecond

// batchResultName is the result file's default name, next to the manifest.
const batchResultName = "results.jsonl"

// concurrencyNote warns about image batches at higher concurrency.
const concurrencyNote = "Image batches on the managed runtime are safest at 1: with images and 4 requests in " +
	"flight, Ollama (0.24.0 as 0.17.4) crashes now and then and the retries make the batch slower (docs/perf.md)."

// batchPanel is the Batch tab: a batch's inputs, Start and Cancel, its
// progress, and the scores of its result file with their chart. It is
// reaches the services only through BatchBackend, and is used only on the
// UI goroutine.
type batchPanel struct {
	env     *tabEnv
	backend BatchBackend
	every   time.Duration // between two progress refreshes
	content fyne.CanvasObject

	manifest, images, prompts, out *widget.Entry
	repeat, concurrency            *widget.Entry
	maxTokens, temp, seed          *widget.Entry
	models                         *widget.CheckGroup
	modelHint                      *widget.Label
	autoOut                        string // the result path last filled in for the user

	start, cancel *widget.Button
	bar           *widget.ProgressBar
	status        *widget.Label // counts, rate and ETA
	message       *widget.Label // how the batch ended

	scores    *fyne.Container // the section below, hidden until a batch ends
	summary   *fyne.Container // the scores' grid
	evalNote  *widget.Label
	saveCSV   *widget.Button
	chart     *canvas.Image
	sections  *fyne.Container  // the paired differences, calibration, kappa
	report    *core.EvalReport // the scores shown, for Save CSV
	reportOut string           // the result file they score

	run       *batchRun // the batch running, or nil
	modelsSeq int

	bench benchSection // a model-card row: run it, its score beside the card's
}

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

// manifestHelp says what goes in a manifest and a prompts file.
const manifestHelp = "A manifest has one item a line (JSON Lines, or CSV): id, images (none for a text-only question), " +
	"question, answer (the reference), choices, and any other field as metadata that eval --by splits scores by. " +
	"A prompts file (YAML) has a system prompt and named templates using {{question}}, {{choices}} and {{id}}. " +
	"New from example… writes a commented sample of each."

// batchRun is a running batch's controls.
type batchRun struct {
	drain   chan struct{}
	abort   context.CancelFunc
	drained bool // Cancel was pressed once
	last    BatchProgress
}

func newBatchPanel(env *tabEnv, be BatchBackend) *batchPanel {
	b := &batchPanel{env: env, backend: be, every: batchRefresh}
	entry := func(placeholder string) *widget.Entry {
		e := widget.NewEntry()
		e.SetPlaceHolder(placeholder)
		return e
	}
	b.manifest = entry("manifest.jsonl or manifest.csv")
	b.manifest.OnChanged = func(string) { b.suggestOut() }
	b.images = entry("a folder or a ZIP of DICOM, PNG or JPEG files (instead of a manifest)")
	b.images.OnChanged = func(string) { b.suggestOut() }
	b.prompts = entry("prompts.yaml or prompts.json")
	b.out = entry("results.jsonl (resumed if it exists)")
	b.repeat = entry("1")
	b.repeat.SetText("1")
	b.concurrency = entry("1")
	b.concurrency.SetText("1")
	b.maxTokens = entry("")
	b.maxTokens.SetText(strconv.Itoa(defaultMaxTokens))
	b.temp = entry("default")
	b.seed = entry("none")
	b.models = widget.NewCheckGroup(nil, nil)
	b.models.Horizontal = true
	b.modelHint = widget.NewLabel("")
	b.modelHint.Hide()

	pick := func(label string, e *widget.Entry, exts []string) *widget.Button {
		return widget.NewButtonWithIcon(label, theme.FolderOpenIcon(), func() { b.chooseFile(e, exts) })
	}
	withButtons := func(e *widget.Entry, buttons ...fyne.CanvasObject) fyne.CanvasObject {
		return container.NewBorder(nil, nil, nil, container.NewHBox(buttons...), e)
	}
	folder := widget.NewButtonWithIcon("Folder…", theme.FolderOpenIcon(), b.chooseFolder)
	saveAs := widget.NewButtonWithIcon("Save as…", theme.DocumentSaveIcon(), func() {
		b.env.chooseSaveFile(batchResultName, func(path string) { b.out.SetText(path) })
	})
	note := widget.NewLabel(concurrencyNote)
	note.Wrapping = fyne.TextWrapWord
	note.Importance = widget.LowImportance
	numSize := fyne.NewSize(80, b.repeat.MinSize().Height)
	num := func(e *widget.Entry) fyne.CanvasObject { return container.NewGridWrap(numSize, e) }
	help := widget.NewLabel(manifestHelp)
	help.Wrapping = fyne.TextWrapWord
	help.Importance = widget.LowImportance
	example := widget.NewButtonWithIcon("New from example…", theme.DocumentCreateIcon(), b.exampleTapped)
	form := widget.NewForm(
		widget.NewFormItem("", container.NewBorder(nil, nil, nil, example, help)),
		widget.NewFormItem("Manifest", withButtons(b.manifest, pick("Choose…", b.manifest, []string{".jsonl", ".csv"}))),
		widget.NewFormItem("or images", withButtons(b.images, folder, pick("ZIP…", b.images, []string{".zip"}))),
		widget.NewFormItem("Prompts", withButtons(b.prompts, pick("Choose…", b.prompts, []string{".yaml", ".yml", ".json"}))),
		widget.NewFormItem("Models", container.NewVBox(b.models, b.modelHint)),
		widget.NewFormItem("Repetitions", container.NewHBox(num(b.repeat),
			widget.NewLabel("Concurrency"), num(b.concurrency))),
		widget.NewFormItem("", note),
		widget.NewFormItem("Options", container.NewHBox(
			widget.NewLabel("Max tokens"), num(b.maxTokens),
			widget.NewLabel("Temperature"), num(b.temp),
			widget.NewLabel("Seed"), num(b.seed))),
		widget.NewFormItem("Result file", withButtons(b.out, saveAs)),
	)

	b.start = widget.NewButtonWithIcon("Start", theme.MediaPlayIcon(), b.startTapped)
	b.start.Importance = widget.HighImportance
	b.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), b.cancelTapped)
	b.cancel.Disable()
	b.bar = widget.NewProgressBar()
	b.status = widget.NewLabel("Runs every prompt with every model on every item, and scores the answers.")
	b.status.Wrapping = fyne.TextWrapWord
	b.message = widget.NewLabel("")
	b.message.Wrapping = fyne.TextWrapWord
	b.message.Hide()

	b.summary = container.NewGridWithColumns(6)
	b.evalNote = widget.NewLabel("")
	b.evalNote.Wrapping = fyne.TextWrapWord
	b.evalNote.Hide()
	b.saveCSV = widget.NewButtonWithIcon("Save scores as CSV…", theme.DocumentSaveIcon(), b.saveCSVTapped)
	b.chart = &canvas.Image{FillMode: canvas.ImageFillContain, ScaleMode: canvas.ImageScaleSmooth}
	b.sections = container.NewVBox()
	b.scores = container.NewVBox(sectionTitle("Scores (automatic metric, 95% bootstrap intervals)"),
		b.summary, b.evalNote, container.NewHBox(b.saveCSV), b.chart, b.sections)
	b.scores.Hide()

	b.content = container.NewVScroll(container.NewVBox(
		form,
		container.NewHBox(b.start, b.cancel),
		b.bar, b.status, b.message,
		b.scores,
		b.newBenchSection(withButtons, pick, num),
	))
	return b
}

// newBenchSection builds the model-card row section; its rows are listed
// by refreshBenchmarks.
func (b *batchPanel) newBenchSection(withButtons func(*widget.Entry, ...fyne.CanvasObject) fyne.CanvasObject,
	pick func(string, *widget.Entry, []string) *widget.Button, num func(*widget.Entry) fyne.CanvasObject) fyne.CanvasObject {
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
		widget.NewFormItem("Data", withButtons(s.data, folder, pick("File…", s.data, []string{".json", ".jsonl", ".parquet"}))),
		widget.NewFormItem("Items", container.NewHBox(num(s.limit), widget.NewLabel("(the first N; empty for all) with the first checked model"))),
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

// benchRow is the row picked, or nil.
func (b *batchPanel) benchRow() *core.BenchmarkRow {
	for i := range b.bench.rows {
		if b.bench.rows[i].Name == b.bench.pick.Selected {
			return &b.bench.rows[i]
		}
	}
	return nil
}

// showBenchInfo says what the picked row runs and what the card says.
func (b *batchPanel) showBenchInfo() {
	r := b.benchRow()
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
	r := b.benchRow()
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
	drain := make(chan struct{})
	ctx, abort := w.opContext()
	run := &batchRun{drain: drain, abort: abort}
	b.run = run
	b.start.Disable()
	b.bench.run.Disable()
	b.cancel.SetText("Cancel")
	b.cancel.Enable()
	b.bar.Max, b.bar.Value = 1, 0
	b.bar.Refresh()
	b.status.SetText("Importing " + spec.Name + "'s data and checking the model…")
	setShown(b.bench.result, "")
	every := b.every
	go func() {
		defer abort()
		var box latest[BatchProgress]
		var res core.BenchmarkResult
		var err error
		streamed(w.do, every, box.take, func(p BatchProgress) { b.showProgress(run, p) },
			func() { res, err = b.backend.RunBenchmark(ctx, spec, drain, box.set) })
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
	if b.run != run {
		return
	}
	b.run = nil
	b.start.Enable()
	b.bench.run.Enable()
	b.cancel.SetText("Cancel")
	b.cancel.Disable()
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

// exampleTapped asks for a folder, writes the sample manifest and
// prompts file there, and puts them in the form.
func (b *batchPanel) exampleTapped() {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil {
			b.env.showError(err)
			return
		}
		if u == nil {
			return
		}
		if u.Scheme() != "file" {
			b.env.showError(errors.New(u.String() + ": choose a folder on this computer"))
			return
		}
		b.writeExamples(u.Path())
	}, b.env.win)
	d.Resize(fyne.NewSize(900, 640))
	d.Show()
}

// writeExamples writes the samples into dir and fills the form with them.
func (b *batchPanel) writeExamples(dir string) {
	var manifest, prompts string
	b.env.background(func(ctx context.Context) (err error) {
		manifest, prompts, err = b.backend.WriteExamples(ctx, dir)
		return err
	}, func() {
		b.images.SetText("")
		b.manifest.SetText(manifest)
		b.prompts.SetText(prompts)
		dialog.ShowInformation("Examples written", "Wrote "+manifest+" and "+prompts+
			": open them in an editor, each line says what goes there. They run as they are.", b.env.win)
	})
}

// chooseFolderInto asks for a folder and puts its path in e.
func (b *batchPanel) chooseFolderInto(e *widget.Entry) {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil {
			b.env.showError(err)
			return
		}
		if u != nil {
			b.setLocal(e, u)
		}
	}, b.env.win)
	d.Resize(fyne.NewSize(900, 640))
	d.Show()
}

// refreshModels lists the runtime's models as check boxes, keeping the
// checked ones, and checks the first when none is.
func (b *batchPanel) refreshModels() {
	if len(b.bench.rows) == 0 {
		b.refreshBenchmarks()
	}
	b.modelsSeq++
	seq := b.modelsSeq
	ctx, cancel := b.env.opContext()
	go func() {
		defer cancel()
		models, err := b.backend.Models(ctx)
		b.env.do(func() {
			if seq != b.modelsSeq {
				return
			}
			if err != nil {
				setShown(b.modelHint, "The runtime's models could not be listed: "+err.Error())
				return
			}
			var names []string
			for _, m := range models {
				names = append(names, m.Name)
			}
			b.setModels(names)
		})
	}()
}

func (b *batchPanel) setModels(names []string) {
	var keep []string
	for _, n := range b.models.Selected {
		if slices.Contains(names, n) {
			keep = append(keep, n)
		}
	}
	if len(keep) == 0 && len(names) > 0 {
		keep = names[:1]
	}
	b.models.Options = names
	b.models.Selected = keep
	b.models.Refresh()
	if len(names) == 0 {
		setShown(b.modelHint, "No models installed: get one in the Models tab.")
	} else {
		setShown(b.modelHint, "")
	}
}

// suggestOut fills the result file next to the manifest or the images
// while the user has not chosen another.
func (b *batchPanel) suggestOut() {
	if cur := strings.TrimSpace(b.out.Text); cur != "" && cur != b.autoOut {
		return
	}
	b.autoOut = defaultBatchOut(strings.TrimSpace(b.manifest.Text), strings.TrimSpace(b.images.Text))
	b.out.SetText(b.autoOut)
}

// defaultBatchOut is the result file for a manifest, or for a folder or
// ZIP of images: results.jsonl beside the manifest or the ZIP, or
// FOLDER-results.jsonl beside the folder; "" when neither is given.
func defaultBatchOut(manifest, images string) string {
	switch {
	case manifest != "":
		return filepath.Join(filepath.Dir(manifest), batchResultName)
	case strings.EqualFold(filepath.Ext(images), ".zip"):
		return filepath.Join(filepath.Dir(images), batchResultName)
	case images != "":
		images = filepath.Clean(images)
		return filepath.Join(filepath.Dir(images), filepath.Base(images)+"-"+batchResultName)
	}
	return ""
}

// spec reads the form. The error names the field and what to give.
func (b *batchPanel) spec() (core.BatchSpec, error) {
	s := core.BatchSpec{
		Manifest: strings.TrimSpace(b.manifest.Text),
		Images:   strings.TrimSpace(b.images.Text),
		Prompts:  strings.TrimSpace(b.prompts.Text),
		Out:      strings.TrimSpace(b.out.Text),
		Models:   slices.Clone(b.models.Selected),
	}
	switch {
	case s.Manifest == "" && s.Images == "":
		return s, errors.New("choose a manifest (JSON Lines or CSV), or a folder or ZIP of images")
	case s.Manifest != "" && s.Images != "":
		return s, errors.New("give a manifest or images, not both: clear one of the two fields")
	case s.Prompts == "":
		return s, errors.New("choose a prompts file (YAML or JSON)")
	case len(b.models.Options) == 0:
		return s, errors.New("no models installed: get one in the Models tab first")
	case len(s.Models) == 0:
		return s, errors.New("check at least one model")
	case s.Out == "":
		return s, errors.New("choose a result file (JSON Lines, e.g. results.jsonl)")
	case strings.EqualFold(filepath.Ext(s.Out), ".csv"):
		return s, fmt.Errorf("result file %s: name it FILE.jsonl; its CSV copy is written beside it", s.Out)
	}
	var err error
	if s.Repeat, err = atLeastOne("repetitions", b.repeat.Text); err != nil {
		return s, err
	}
	if s.Concurrency, err = atLeastOne("concurrency", b.concurrency.Text); err != nil {
		return s, err
	}
	s.Options, err = parseOptions(b.maxTokens.Text, b.temp.Text, b.seed.Text)
	return s, err
}

func atLeastOne(field, text string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s %q: want a whole number of 1 or more", field, text)
	}
	return n, nil
}

// startTapped checks the form and runs the batch in the background.
func (b *batchPanel) startTapped() {
	if b.run != nil {
		return
	}
	spec, err := b.spec()
	if err != nil {
		b.env.showError(err)
		return
	}
	w := b.env
	drain := make(chan struct{})
	ctx, abort := w.opContext()
	run := &batchRun{drain: drain, abort: abort}
	b.run = run
	b.start.Disable()
	b.cancel.SetText("Cancel")
	b.cancel.Enable()
	b.bar.Max, b.bar.Value = 1, 0
	b.bar.Refresh()
	b.status.SetText("Starting: reading the inputs and checking the models…")
	setShown(b.message, "")
	every := b.every
	go func() {
		defer abort()
		var box latest[BatchProgress]
		var res core.BatchResult
		var err error
		streamed(w.do, every, box.take, func(p BatchProgress) { b.showProgress(run, p) },
			func() { res, err = b.backend.RunBatch(ctx, spec, drain, box.set) })
		var ev BatchEval
		var everr error
		if err == nil && res.Rows > 0 {
			ectx, ecancel := w.opContext()
			ev, everr = b.backend.EvalBatch(ectx, spec.Out)
			ecancel()
		}
		w.do(func() { b.finished(run, spec, res, err, ev, everr) })
	}()
}

// cancelTapped stops the batch: the first press lets the runs in flight
// finish and be written, the second stops them too.
func (b *batchPanel) cancelTapped() {
	r := b.run
	if r == nil {
		return
	}
	if !r.drained {
		r.drained = true
		close(r.drain)
		b.cancel.SetText("Stop now")
		b.status.SetText(batchStatusText(r.last) + statsSep + "stopping: finishing the runs in flight (Stop now stops them too)")
		return
	}
	r.abort()
	b.cancel.Disable()
	b.status.SetText(batchStatusText(r.last) + statsSep + "stopping the runs in flight…")
}

// showProgress shows where run stands.
func (b *batchPanel) showProgress(run *batchRun, p BatchProgress) {
	if b.run != run {
		return
	}
	run.last = p
	if p.Total == 0 {
		b.bar.Max, b.bar.Value = 1, 1
	} else {
		b.bar.Max, b.bar.Value = float64(p.Total), float64(p.Done)
	}
	b.bar.Refresh()
	text := batchStatusText(p)
	if run.drained {
		text += statsSep + "stopping: finishing the runs in flight"
	}
	b.status.SetText(text)
}

// batchStatusText is a batch's counts, rate and time left.
func batchStatusText(p BatchProgress) string {
	parts := []string{fmt.Sprintf("%d of %d runs", p.Done, p.Total), fmt.Sprintf("%d ok", p.Done-p.Failed)}
	if p.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", p.Failed))
	}
	if p.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d already done, skipped", p.Skipped))
	}
	if p.Done > 0 && p.Elapsed > 0 {
		parts = append(parts, fmt.Sprintf("%.2f runs/s", float64(p.Done)/p.Elapsed.Seconds()))
	}
	if eta := p.ETA(); eta > 0 {
		parts = append(parts, "about "+eta.Round(time.Second).String()+" left")
	}
	text := strings.Join(parts, statsSep)
	if p.Note != "" {
		text += "\n" + p.Note
	}
	return text
}

// finished shows how run ended and the scores of its result file.
func (b *batchPanel) finished(run *batchRun, spec core.BatchSpec, res core.BatchResult, err error, ev BatchEval, everr error) {
	if b.run != run {
		return
	}
	b.run = nil
	b.start.Enable()
	b.cancel.SetText("Cancel")
	b.cancel.Disable()
	if err != nil && res.Runs == 0 {
		// Stopped before it ran: a bad input or an unknown model.
		b.status.SetText("Not started.")
		// The message starts with the dialog's own capital, not the file's.
		b.env.showError(fmt.Errorf("batch not started: %w", err))
		return
	}
	b.bar.Max = float64(max(res.Runs, 1))
	b.bar.Value = float64(res.Skipped + res.OK + res.Failed)
	b.bar.Refresh()
	b.status.SetText(batchStatusText(BatchProgress{BatchProgress: core.BatchProgress{Total: res.Total, Done: res.OK + res.Failed,
		Failed: res.Failed, Elapsed: run.last.Elapsed}, Skipped: res.Skipped}))
	setShown(b.message, batchEndText(res))
	if err != nil {
		b.env.showError(fmt.Errorf("batch: %w", err))
	}
	if res.Rows > 0 {
		b.showEval(spec.Out, ev, everr)
	}
}

// batchEndText says how a batch ended, what is left and how to resume.
func batchEndText(res core.BatchResult) string {
	left := res.Cancelled + res.NotStarted
	var parts []string
	switch {
	case res.Total == 0 && res.Runs > 0:
		parts = append(parts, fmt.Sprintf("All %d runs were already done in %s.", res.Runs, res.Out))
	case left > 0:
		parts = append(parts, fmt.Sprintf("Stopped: %d of %d runs left to do (%d stopped in flight). Start again with the same settings to resume: the %d runs done are skipped.",
			left, res.Runs, res.Cancelled, res.Runs-left))
	default:
		done := fmt.Sprintf("Done: %s (%d ok, %d failed)", runsText(res.OK+res.Failed), res.OK, res.Failed)
		if res.Skipped > 0 {
			done += fmt.Sprintf(", %d already done, skipped", res.Skipped)
		}
		parts = append(parts, done+".")
	}
	if res.Failed > 0 {
		first := ""
		if res.FirstError != nil {
			first = " The first: " + strings.TrimSuffix(res.FirstError.Error(), ".") + "."
		}
		parts = append(parts, fmt.Sprintf("%s failed; their rows have status error, and starting again retries them.%s", runsText(res.Failed), first))
	}
	if res.Rows > 0 {
		parts = append(parts, fmt.Sprintf("%d rows in %s and %s.", res.Rows, res.Out, res.CSV))
	}
	return strings.Join(parts, " ")
}

// runsText is "1 run" or "n runs".
func runsText(n int) string {
	if n == 1 {
		return "1 run"
	}
	return fmt.Sprintf("%d runs", n)
}

// showEval shows the scores of the result file out, or why there are none.
func (b *batchPanel) showEval(out string, ev BatchEval, err error) {
	b.scores.Show()
	b.summary.RemoveAll()
	b.report, b.reportOut = nil, out
	b.chart.Image = nil
	b.chart.Hide()
	b.sections.RemoveAll()
	b.saveCSV.Disable()
	note := ""
	if ev.Truncated {
		note = out + " ends with a half-written row (an interrupted batch); it is ignored. "
	}
	if err != nil {
		setShown(b.evalNote, note+"No scores: "+err.Error())
		return
	}
	rep := ev.Report
	b.report = &rep
	bold := fyne.TextStyle{Bold: true}
	for _, h := range []string{"Prompt", "Model", "Metric", "n", "Score", "95% CI"} {
		b.summary.Add(widget.NewLabelWithStyle(h, fyne.TextAlignLeading, bold))
	}
	for _, g := range rep.Groups {
		b.summary.Add(widget.NewLabel(g.Prompt))
		b.summary.Add(widget.NewLabel(g.Model))
		b.summary.Add(widget.NewLabel(string(g.Metric)))
		b.summary.Add(widget.NewLabel(strconv.Itoa(g.N)))
		b.summary.Add(widget.NewLabel(fmt.Sprintf("%.3f", g.Score)))
		b.summary.Add(widget.NewLabel(fmt.Sprintf("[%.3f, %.3f]", g.Low, g.High)))
	}
	if rep.NoReference > 0 {
		note += fmt.Sprintf("%d runs not scored: no reference answer the metric can use. ", rep.NoReference)
	}
	setShown(b.evalNote, strings.TrimSpace(note))
	img := evalchart.Draw(rep)
	b.chart.Image = img
	b.chart.SetMinSize(fyne.NewSize(float32(img.Bounds().Dx()), float32(img.Bounds().Dy())))
	b.chart.Show()
	b.chart.Refresh()
	for _, s := range ev.Sections {
		b.sections.Add(evalSectionView(s))
	}
	b.saveCSV.Enable()
}

// evalSectionView shows one of the evaluation report's tables, with its
// note and its plot (at its own size) under it.
func evalSectionView(s EvalSection) fyne.CanvasObject {
	grid := container.NewGridWithColumns(max(len(s.Header), 1))
	bold := fyne.TextStyle{Bold: true}
	for _, h := range s.Header {
		grid.Add(widget.NewLabelWithStyle(h, fyne.TextAlignLeading, bold))
	}
	for _, r := range s.Rows {
		for i := range s.Header {
			cell := ""
			if i < len(r) {
				cell = r[i]
			}
			l := widget.NewLabel(cell)
			l.Wrapping = fyne.TextWrapWord
			grid.Add(l)
		}
	}
	box := container.NewVBox(sectionTitle(s.Title), grid)
	if s.Note != "" {
		note := widget.NewLabel(s.Note)
		note.Wrapping = fyne.TextWrapWord
		note.Importance = widget.LowImportance
		box.Add(note)
	}
	if len(s.PNG) > 0 {
		if img, err := png.Decode(bytes.NewReader(s.PNG)); err == nil {
			plot := canvas.NewImageFromImage(img)
			plot.FillMode = canvas.ImageFillContain
			plot.SetMinSize(fyne.NewSize(float32(img.Bounds().Dx()), float32(img.Bounds().Dy())))
			box.Add(container.NewHBox(plot))
			if s.Caption != "" {
				c := widget.NewLabel(s.Caption)
				c.Wrapping = fyne.TextWrapWord
				c.Importance = widget.LowImportance
				box.Add(c)
			}
		}
	}
	return box
}

// saveCSVTapped asks where to save the scores as CSV and writes them there.
func (b *batchPanel) saveCSVTapped() {
	if b.report == nil {
		return
	}
	rep := *b.report
	name := strings.TrimSuffix(filepath.Base(b.reportOut), filepath.Ext(b.reportOut)) + "-scores.csv"
	b.env.chooseSaveFile(name, func(path string) {
		b.env.background(func(ctx context.Context) error { return b.backend.WriteEvalCSV(ctx, rep, path) },
			func() { dialog.ShowInformation("Scores saved", "Wrote "+path+".", b.env.win) })
	})
}

// chooseFile asks for a file with one of exts and puts its path in e.
func (b *batchPanel) chooseFile(e *widget.Entry, exts []string) {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil {
			b.env.showError(err)
			return
		}
		if rc == nil {
			return // cancelled
		}
		u := rc.URI()
		_ = rc.Close()
		b.setLocal(e, u)
	}, b.env.win)
	d.SetFilter(storage.NewExtensionFileFilter(exts))
	d.Resize(fyne.NewSize(900, 640))
	d.Show()
}

// chooseFolder asks for a folder of images.
func (b *batchPanel) chooseFolder() {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil {
			b.env.showError(err)
			return
		}
		if u != nil {
			b.setLocal(b.images, u)
		}
	}, b.env.win)
	d.Resize(fyne.NewSize(900, 640))
	d.Show()
}

func (b *batchPanel) setLocal(e *widget.Entry, u fyne.URI) {
	if u.Scheme() != "file" {
		b.env.showError(errors.New(u.String() + ": choose a file on this computer"))
		return
	}
	e.SetText(u.Path())
}
