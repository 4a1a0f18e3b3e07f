// Package evalreport writes a batch evaluation as a report a paper can
// use, in HTML (one self-contained file) or PDF: the scores per (prompt,
// model) with their bootstrap intervals, the paired differences as a
// table and a forest plot, calibration as a table and a reliability
// diagram, kappa, and the provenance of every number (prompts as sent,
// models and their digests, the result file's SHA-256, the counts, the
// bootstrap's resamples and seed, the workbench's version). It is marked
// a draft for research use on every page, and holds no patient data: the
// rows' image file names and paths are left out, items are known by the
// ids the rows have.
package evalreport

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/evalchart"
)

// Options say what to score and what the report records about it.
type Options struct {
	// Eval is how the rows are scored, as eval's flags say.
	Eval batch.EvalOptions
	// Source is the result file's path (only its base name is shown) and
	// SourceSHA256 the hex SHA-256 of its bytes.
	Source       string
	SourceSHA256 string
	// AppVersion is the workbench's version; Now the time the report is
	// generated (zero: now).
	AppVersion string
	Now        time.Time
	// Benchmark, when set, are facts the report opens its summary with:
	// a model-card row's name, dataset, the card's value and ours.
	Benchmark []Fact
}

// Fact is one labelled value.
type Fact struct{ Label, Value string }

// Prompt is one prompt's provenance.
type Prompt struct {
	Name  string
	Facts []Fact
	// System and Text are the system prompt and the user turn as sent (of
	// the prompt's first row), or their first lines when long.
	System, Text string
}

// Model is one model's provenance.
type Model struct {
	Name  string
	Facts []Fact
}

// Document is the report, ready to render.
type Document struct {
	Title, Subtitle string
	// Banner is assets.Disclaimer, on every page; Disclaimer the closing
	// statement.
	Banner, Disclaimer string
	Generated          time.Time
	AppVersion         string

	Summary     []Fact
	Scores      core.EvalTable
	Pairs       *core.EvalTable
	Forest      *core.EvalFigure
	Calibration *core.EvalTable
	Reliability *core.EvalFigure
	Kappa       *core.EvalTable
	Prompts     []Prompt
	Models      []Model
	Provenance  []Fact
	Notes       []string
}

// closing is the report's last paragraph.
const closing = "This report is research output and a draft: " + assets.Disclaimer + ". " +
	"The scores measure a model's answers against the references in the batch's manifest; they are not a " +
	"validation of the model for any clinical use."

// longText is where a prompt's text is shown only by its first lines and
// hash.
const (
	longLines = 12
	longChars = 1200
	headLines = 6
)

// Build scores rows as eval does (scores, paired differences, calibration
// where rows carry choice_probs, kappa where there is one) and assembles
// the report.
func Build(rows []batch.Row, opt Options) (*Document, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("evaluation report: no rows")
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	eo := opt.Eval
	if eo.Metric == "" {
		eo.Metric = batch.Auto
	}
	if eo.Resamples <= 0 {
		eo.Resamples = batch.DefaultResamples
	}
	if eo.Seed == 0 {
		eo.Seed = 1
	}
	rep := batch.Evaluate(rows, eo)
	if len(rep.Groups) == 0 {
		return nil, fmt.Errorf("evaluation report: no row has a reference answer %s can score", eo.Metric)
	}
	name := filepath.Base(opt.Source)
	doc := &Document{
		Title:    "Draft evaluation report",
		Subtitle: fmt.Sprintf("%s · metric %s · %d runs", name, eo.Metric, len(rows)),
		Banner:   assets.Disclaimer, Disclaimer: closing, Generated: opt.Now, AppVersion: opt.AppVersion,
	}
	if eo.Field != "" {
		doc.Subtitle += " · field " + eo.Field
	}
	if eo.By != "" {
		doc.Subtitle += " · by " + eo.By
	}

	doc.Scores = scoreTable(rep)
	if pairs := batch.Compare(rows, eo); len(pairs) > 0 {
		doc.Pairs, doc.Forest = pairTable(pairs)
	}
	if cal := batch.Calibrate(rows, eo); len(cal) > 0 {
		doc.Calibration, doc.Reliability = calibrationTable(rep, cal)
	}
	if ag := batch.Agree(rows, eo); len(ag) > 0 {
		doc.Kappa = kappaTable(rep, ag)
	}
	doc.Prompts = prompts(rows)
	doc.Models = models(rows)

	items := map[string]bool{}
	errs := 0
	for _, r := range rows {
		items[r.ItemID] = true
		if r.Status != "ok" {
			errs++
		}
	}
	field := "— (each reply's text)"
	if eo.Field != "" {
		field = fmt.Sprintf("%s (%d runs without it, scored as unparsed)", eo.Field, rep.NoField)
	}
	doc.Summary = append(slices.Clone(opt.Benchmark), []Fact{
		{"Result file", name},
		{"Runs", fmt.Sprint(len(rows))},
		{"Items", fmt.Sprint(len(items))},
		{"Errors", fmt.Sprint(errs)},
		{"Invalid against schema", fmt.Sprint(rep.SchemaInvalid)},
		{"Not scored (no reference)", fmt.Sprint(rep.NoReference)},
		{"Metric", metricText(eo.Metric, rep)},
		{"Scored field", field},
		{"Bootstrap", fmt.Sprintf("%d resamples, seed %d, percentile 95%% intervals, items resampled", eo.Resamples, eo.Seed)},
	}...)
	doc.Provenance = []Fact{
		{"Result file SHA-256", opt.SourceSHA256},
		{"Workbench version", opt.AppVersion},
		{"Generated", opt.Now.UTC().Format(time.RFC3339)},
	}
	doc.Notes = notes
	return doc, nil
}

// notes say how the numbers were computed.
var notes = []string{
	"Scores are the mean over items of each item's mean over its repetitions (macro-f1, balanced-accuracy, weighted-f1: the corpus-level score of all the runs, recomputed for each resample); 95% intervals are percentile bootstrap intervals resampling items, their repetitions together.",
	"Paired differences are A's score minus B's on the items and repetitions both have, with a paired bootstrap 95% interval; the p-value is the exact McNemar test for an accuracy metric with one run per item, else the bootstrap's, and Holm's step-down adjustment over all pairs controls the family-wise error rate.",
	"Calibration uses the rows' choice probabilities (batch --score logprob): arg-max accuracy, AUROC (one-vs-rest, mean over options, for multiple choice), Brier score and the expected calibration error over 10 equal-width confidence bins.",
	"Kappa between repetitions is Cohen's (the mean over every two repetitions with three or more); against ratings a rating of 4 or 5 counts as right.",
	"No patient data: the rows' image file names and paths are left out; items are known by the ids the rows have.",
}

// metricText is the metric asked for and, for auto, those it picked.
func metricText(m batch.Metric, rep batch.Report) string {
	if m != batch.Auto {
		return string(m)
	}
	var used []string
	for _, g := range rep.Groups {
		if !slices.Contains(used, string(g.Metric)) {
			used = append(used, string(g.Metric))
		}
	}
	return "auto (" + strings.Join(used, ", ") + ")"
}

func f3(x float64) string       { return fmt.Sprintf("%.3f", x) }
func ci(lo, hi float64) string  { return fmt.Sprintf("[%.3f, %.3f]", lo, hi) }
func sci(lo, hi float64) string { return fmt.Sprintf("[%+.3f, %+.3f]", lo, hi) }

// scoreTable is what eval prints.
func scoreTable(rep batch.Report) core.EvalTable {
	t := core.EvalTable{Header: []string{"Prompt", "Model", "Metric", "N", "Runs", "Score", "95% CI", "Unparsed", "Failed"}}
	by := ""
	for _, g := range rep.Groups {
		if g.By != "" {
			by = g.By
		}
	}
	if by != "" {
		// eval --by: one row per subgroup, its value after the metric.
		t.Header = slices.Insert(t.Header, 3, by)
	}
	for _, g := range rep.Groups {
		row := []string{g.Prompt, g.Model, string(g.Metric), fmt.Sprint(g.N), fmt.Sprint(g.Rows),
			f3(g.Score), ci(g.Low, g.High), fmt.Sprint(g.Unparsed), fmt.Sprint(g.Failed)}
		if by != "" {
			v := g.Value
			if v == "" {
				v = "(none)"
			}
			row = slices.Insert(row, 3, v)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// pairTable is eval --paired's table and its forest plot.
func pairTable(pairs []batch.Pair) (*core.EvalTable, *core.EvalFigure) {
	t := &core.EvalTable{Header: []string{"A", "B", "Metric", "N", "Score A", "Score B", "Diff", "95% CI", "p", "p (Holm)", "Test"}}
	metrics := map[batch.Metric]bool{}
	for _, p := range pairs {
		metrics[p.Metric] = true
	}
	var rows []evalchart.ForestRow
	for _, p := range pairs {
		test := p.Test
		if p.AOnly != nil {
			test = fmt.Sprintf("%s (%d vs %d)", test, *p.AOnly, *p.BOnly)
		}
		t.Rows = append(t.Rows, []string{p.A.String(), p.B.String(), string(p.Metric), fmt.Sprint(p.N),
			f3(p.ScoreA), f3(p.ScoreB), fmt.Sprintf("%+.3f", p.Diff), sci(p.Low, p.High),
			formatP(p.PValue), formatP(p.PAdjusted), test})
		label := p.A.String() + " vs " + p.B.String()
		if len(metrics) > 1 {
			label += " (" + string(p.Metric) + ")"
		}
		rows = append(rows, evalchart.ForestRow{Label: label, Diff: p.Diff, Low: p.Low, High: p.High, PAdjusted: p.PAdjusted})
	}
	t.Note = "Test: mcnemar-exact (discordant pairs only A vs only B right), paired-bootstrap, or cluster-bootstrap with repetitions."
	var b bytes.Buffer
	evalchart.WriteForestPNG(&b, "Paired differences A - B with 95% CI; p adjusted by Holm", rows)
	return t, &core.EvalFigure{PNG: b.Bytes(), Caption: "Forest plot: each pair's difference of scores (A − B) with its paired bootstrap 95% interval; the dashed line is no difference; on the right the Holm-adjusted p-value."}
}

// formatP writes a p-value as eval does.
func formatP(p float64) string {
	if p < 0.001 {
		return fmt.Sprintf("%.2e", p)
	}
	return fmt.Sprintf("%.3g", math.Min(p, 1))
}

// calibrationTable is eval --calibration's table and the reliability
// diagram of its groups, in rep's order.
func calibrationTable(rep batch.Report, cal map[batch.Side]map[batch.Metric]batch.Calibration) (*core.EvalTable, *core.EvalFigure) {
	t := &core.EvalTable{Header: []string{"Prompt", "Model", "Metric", "N", "Runs", "Accuracy (arg-max)", "AUROC", "Brier", "ECE"}}
	ival := func(x, lo, hi float64) string { return fmt.Sprintf("%.3f %s", x, ci(lo, hi)) }
	var series []evalchart.ReliabilitySeries
	for _, g := range rep.Groups {
		c, ok := cal[batch.Side{Prompt: g.Prompt, Model: g.Model}][g.Metric]
		if !ok {
			continue
		}
		auroc := "–"
		if c.AUROC != nil {
			auroc = ival(*c.AUROC, *c.AUROCLow, *c.AUROCHigh)
		}
		t.Rows = append(t.Rows, []string{g.Prompt, g.Model, string(g.Metric), fmt.Sprint(c.Items), fmt.Sprint(c.Runs),
			ival(c.Accuracy, c.AccuracyLow, c.AccuracyHigh), auroc, ival(c.Brier, c.BrierLow, c.BrierHigh),
			ival(c.ECE, c.ECELow, c.ECEHigh)})
		s := evalchart.ReliabilitySeries{Label: fmt.Sprintf("%s (ECE %.3f)", g.Label(), c.ECE)}
		for _, b := range c.Bins {
			s.Bins = append(s.Bins, evalchart.ReliabilityBin{Low: b.Low, High: b.High, Count: b.Count,
				Confidence: b.Confidence, Accuracy: b.Accuracy})
		}
		series = append(series, s)
	}
	t.Note = "AUROC – : undefined (every answer the same)."
	var b bytes.Buffer
	evalchart.WriteReliabilityPNG(&b, "Reliability diagram (10 confidence bins)", series)
	return t, &core.EvalFigure{PNG: b.Bytes(), Caption: "Reliability diagram: for each (prompt, model), the runs binned by the probability of the option chosen; each non-empty bin at its mean confidence and accuracy. The dashed diagonal is perfect calibration."}
}

// kappaTable is the agreement eval prints with the scores.
func kappaTable(rep batch.Report, ag map[batch.Side]map[batch.Metric]batch.Agreement) *core.EvalTable {
	t := &core.EvalTable{Header: []string{"Prompt", "Model", "Metric", "Kappa (repetitions)", "Method", "Repetitions", "Items", "Kappa (ratings)", "Rated runs"}}
	for _, g := range rep.Groups {
		a, ok := ag[batch.Side{Prompt: g.Prompt, Model: g.Model}][g.Metric]
		if !ok {
			continue
		}
		row := []string{g.Prompt, g.Model, string(g.Metric), "–", "", "", "", "–", ""}
		if a.KappaRepetitions != nil {
			row[3], row[4], row[5], row[6] = f3(*a.KappaRepetitions), a.KappaMethod, fmt.Sprint(a.KappaRaters), fmt.Sprint(a.KappaItems)
		}
		if a.KappaRating != nil {
			row[7], row[8] = f3(*a.KappaRating), fmt.Sprint(a.KappaRatingRuns)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// prompts are each prompt's provenance, in the order they first appear:
// its first row's system prompt and text as sent (the first lines and a
// hash when long), its recipe and its schema's hash.
func prompts(rows []batch.Row) []Prompt {
	type acc struct {
		first         batch.Row
		texts         map[string]bool
		recipes, hash []string
	}
	byName := map[string]*acc{}
	var order []string
	for _, r := range rows {
		a := byName[r.PromptName]
		if a == nil {
			a = &acc{first: r, texts: map[string]bool{}}
			byName[r.PromptName] = a
			order = append(order, r.PromptName)
		}
		if a.first.Prompt == "" {
			a.first = r // a failed run may have none
		}
		if r.Prompt != "" {
			a.texts[r.Prompt] = true
		}
		if r.Recipe != nil && !slices.Contains(a.recipes, r.Recipe.String()) {
			a.recipes = append(a.recipes, r.Recipe.String())
		}
		if r.SchemaHash != "" && !slices.Contains(a.hash, r.SchemaHash) {
			a.hash = append(a.hash, r.SchemaHash)
		}
	}
	var out []Prompt
	for _, name := range order {
		a := byName[name]
		sys, sysFacts := shown("System prompt", a.first.System)
		text, textFacts := shown("Prompt", a.first.Prompt)
		p := Prompt{Name: name, System: sys, Text: text}
		p.Facts = append(p.Facts, sysFacts...)
		p.Facts = append(p.Facts, textFacts...)
		if n := len(a.texts); n > 1 {
			p.Facts = append(p.Facts, Fact{"Texts", fmt.Sprintf("%d distinct (the template rendered per item); the first row's shown", n)})
		}
		p.Facts = append(p.Facts, Fact{"Recipe", orNone(strings.Join(a.recipes, "; "))}, Fact{"Schema hash", orNone(strings.Join(a.hash, "; "))})
		out = append(out, p)
	}
	return out
}

// shown is text as the report shows it: whole, or when long its first
// lines; with its SHA-256 as a fact either way (none for empty text).
func shown(label, text string) (string, []Fact) {
	if text == "" {
		return "", []Fact{{label, "(none)"}}
	}
	sum := sha256.Sum256([]byte(text))
	facts := []Fact{{label + " SHA-256", hex.EncodeToString(sum[:])}}
	lines := strings.Split(text, "\n")
	if len(lines) <= longLines && len(text) <= longChars {
		return text, facts
	}
	head := strings.Join(lines[:min(headLines, len(lines))], "\n")
	if len(head) > longChars/2 {
		head = string([]rune(head)[:longChars/4])
	}
	return head + fmt.Sprintf("\n… (%d lines, %d characters in all: the first shown)", len(lines), len(text)), facts
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// models are each model's digests, runtime versions and backends, models
// sorted by name (the server's endpoint is left out).
func models(rows []batch.Row) []Model {
	type acc struct{ digests, runtimes, backends []string }
	byName := map[string]*acc{}
	add := func(list *[]string, s string) {
		if s != "" && !slices.Contains(*list, s) {
			*list = append(*list, s)
		}
	}
	for _, r := range rows {
		a := byName[r.Model]
		if a == nil {
			a = &acc{}
			byName[r.Model] = a
		}
		add(&a.digests, r.ModelDigest)
		add(&a.runtimes, r.RuntimeVersion)
		add(&a.backends, r.Backend)
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []Model
	for _, n := range names {
		a := byName[n]
		m := Model{Name: n}
		if len(a.digests) == 0 {
			m.Facts = append(m.Facts, Fact{"Digest", "not recorded"})
		}
		for _, d := range a.digests {
			m.Facts = append(m.Facts, Fact{"Digest", d})
		}
		m.Facts = append(m.Facts, Fact{"Runtime version", orNone(strings.Join(a.runtimes, ", "))},
			Fact{"Backend", orNone(strings.Join(a.backends, ", "))})
		out = append(out, m)
	}
	return out
}
