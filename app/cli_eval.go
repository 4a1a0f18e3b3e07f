package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/internal/evalchart"
)

// evalUsage names the metrics from batch's table, so that a new metric
// is in the usage, the flag's help and the error without an edit here.
var evalUsage = "usage: medgemma-workbench eval FILE.jsonl [--metric " + strings.Join(batch.MetricNames(), "|") + "] [--by FIELD] [--paired] [--calibration] [--field NAME] [--history-ratings] [--prompt-version HEX] [--by-version] [--json] [--csv FILE.csv] [--chart FILE.png] [--report FILE.html|FILE.pdf] [--resamples N] [--seed N]"

// evalFlagSet is eval's flag set: it reads a result file (and, with
// --history-ratings, the data dir's history), so of the global flags it
// takes only --data-dir; the runtime's are not listed.
func evalFlagSet(cfg *Config) *flag.FlagSet {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "history database (for --history-ratings)")
	return fs
}

// evalFlags are eval's flags.
type evalFlags struct {
	metric, csvPath, chart, field, reportPath, version, by string
	json, paired, calibration, histRatings, byVersion      bool
	resamples                                              int
	seed                                                   uint64
}

func (f *evalFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.metric, "metric", "auto", "the metric:"+batch.MetricHelp())
	fs.StringVar(&f.by, "by", "", "one score per value of this item field (the manifest's metadata: answer_type, organ, modality, language, …), each with its 95% CI")
	fs.BoolVar(&f.json, "json", false, "print one JSON object per (prompt, model, metric) (with --paired, per pair) instead of the table")
	fs.BoolVar(&f.paired, "paired", false, "compare every two (prompt, model) on the items and repetitions both have: difference, paired bootstrap 95% CI, exact McNemar or bootstrap p-value, Holm-adjusted p")
	fs.BoolVar(&f.calibration, "calibration", false, "also score the rows' choice_probs: arg-max accuracy, AUROC, Brier score, ECE and reliability bins, each with a 95% CI")
	fs.StringVar(&f.field, "field", "", "score this field of each row's structured answer (a prompt's schema) instead of the reply's text; rows without it (invalid against their schema, or missing it) count as unparsed")
	fs.StringVar(&f.reportPath, "report", "", "also write an evaluation report (scores, paired differences, calibration, kappa, provenance) as HTML or PDF, by the file's extension")
	fs.BoolVar(&f.histRatings, "history-ratings", false, "take each run's rating (1-5) from the history database by run_id, for the kappa between the metric and the ratings")
	fs.StringVar(&f.csvPath, "csv", "", "also write the summary as CSV to this file")
	fs.StringVar(&f.chart, "chart", "", "also draw the summary as a bar chart with intervals, PNG, to this file")
	fs.StringVar(&f.version, "prompt-version", "", "only the rows of this prompt version (4 to 12 hex digits of prompt_version)")
	fs.BoolVar(&f.byVersion, "by-version", false, "tell a prompt's versions apart: group by prompt name and version (NAME@VERSION) instead of name alone")
	fs.IntVar(&f.resamples, "resamples", batch.DefaultResamples, "bootstrap resamples")
	fs.Uint64Var(&f.seed, "seed", 1, "bootstrap random seed (the same seed gives the same intervals)")
}

// check refuses, before the result file is read, a metric eval does not
// know and flags that do not go together; it returns the metric.
func (f *evalFlags) check() (batch.Metric, error) {
	m, err := batch.ParseMetric(f.metric)
	if err != nil {
		return m, usagef("--metric: %v", err)
	}
	switch {
	case f.resamples < 1 || f.seed == 0:
		return m, usagef("--resamples must be ≥ 1 and --seed ≥ 1")
	case f.calibration && m != batch.Auto && m != batch.MCQ && m != batch.YesNo:
		return m, usagef("--calibration scores choice probabilities of mcq and yesno rows: use --metric auto, mcq or yesno")
	case f.paired && f.calibration:
		return m, usagef("--paired and --calibration print different rows: run eval once for each")
	case f.by != "" && f.calibration:
		return m, usagef("--by and --calibration: calibration is not split by subgroup; run eval once for each")
	}
	if f.reportPath != "" {
		if _, err := reportFormat(f.reportPath); err != nil {
			return m, usagef("--report: %v", err)
		}
	}
	return m, nil
}

func (c *cli) eval(args []string) error {
	fs := evalFlagSet(&c.cfg)
	var f evalFlags
	f.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("%s", evalUsage)
	}
	m, err := f.check()
	if err != nil {
		return err
	}
	path := pos[0]
	rows, truncated, err := c.evalRows(path, f)
	if err != nil {
		return err
	}
	opt := batch.EvalOptions{Metric: m, Resamples: f.resamples, Seed: f.seed, Field: f.field, By: f.by}
	rep, _, err := evaluateRows(path, rows, truncated, opt, "--metric")
	if err != nil {
		return &UsageError{err}
	}
	if f.reportPath != "" {
		if err := writeEvalReport(f.reportPath, path, rows, opt); err != nil {
			return err
		}
	}
	return c.printEval(rows, rep, opt, f)
}

// evalRows reads the result file's rows that eval scores: those of the
// prompt version asked for, with the history's ratings where asked; a
// --field or --by that no row has is bad usage naming those there are.
// A half-written last row is noted on stderr and ignored (truncated).
func (c *cli) evalRows(path string, f evalFlags) (rows []batch.Row, truncated bool, err error) {
	rows, truncated, err = batch.ReadRows(path)
	if truncated {
		fmt.Fprintf(c.stderr, "eval: %s ends with a half-written row (an interrupted batch); it is ignored\n", path)
	}
	if err != nil {
		return nil, truncated, &UsageError{err}
	}
	if rows, err = byPromptVersion(rows, path, f.version, f.byVersion); err != nil {
		return nil, truncated, err
	}
	if f.histRatings {
		if err := c.historyRatings(rows); err != nil {
			return nil, truncated, err
		}
	}
	if f.field != "" && !anyHasField(rows, f.field) {
		return nil, truncated, usagef("--field %s: no row's structured answer has it (its fields: %s)", f.field, fieldList(rows))
	}
	if f.by != "" && !anyHasMeta(rows, f.by) {
		return nil, truncated, usagef("--by %s: no row's item has it (their fields: %s)", f.by, metaList(rows))
	}
	return rows, truncated, nil
}

// printEval prints the report rep of rows: the paired comparisons with
// --paired; else the scores with their agreement (and calibration where
// asked), then, in the table, each group's per-class counts.
func (c *cli) printEval(rows []batch.Row, rep batch.Report, opt batch.EvalOptions, f evalFlags) error {
	if f.paired {
		return c.writePairs(batch.Compare(rows, opt), rep, f.json, f.csvPath, f.chart)
	}
	var cal map[batch.Side]map[batch.Metric]batch.Calibration
	if f.calibration {
		cal = batch.Calibrate(rows, opt)
	}
	if err := c.writeEval(rep, batch.Agree(rows, opt), cal, f.calibration, f.json, f.csvPath, f.chart); err != nil {
		return err
	}
	if classes := batch.PerClass(rows, opt); len(classes) > 0 && !f.json {
		fmt.Fprintln(c.stdout)
		return batch.WriteClasses(c.stdout, classes)
	}
	return nil
}

// anyHasMeta reports whether a row's item has the metadata field.
func anyHasMeta(rows []batch.Row, field string) bool {
	for _, r := range rows {
		if _, ok := r.Meta[field]; ok {
			return true
		}
	}
	return false
}

// metaList names the item fields the rows carry, sorted, or "none".
func metaList(rows []batch.Row) string {
	seen := map[string]bool{}
	for _, r := range rows {
		for k := range r.Meta {
			seen[k] = true
		}
	}
	if len(seen) == 0 {
		return "none: give the manifest's items fields beyond id, images, question, answer and choices"
	}
	return strings.Join(slices.Sorted(maps.Keys(seen)), ", ")
}

// historyRatings fills in rows' ratings from the history database, by
// run id; runs it does not hold keep theirs.
func (c *cli) historyRatings(rows []batch.Row) error {
	h, err := c.openHistory()
	if err != nil {
		return err
	}
	defer h.Close()
	ctx := context.Background()
	for i := range rows {
		if rows[i].RunID == 0 {
			continue
		}
		run, err := h.Run(ctx, rows[i].RunID)
		switch {
		case errors.Is(err, history.ErrNotFound):
			continue
		case err != nil:
			return err
		}
		if run.Rating > 0 {
			rows[i].Rating = run.Rating
		}
	}
	return nil
}

// evalLine is one line of eval --json: a group's scores, its agreement
// where there is one, and its calibration with --calibration.
type evalLine struct {
	batch.Group
	*batch.Agreement
	*batch.Calibration
}

// writeEval prints the scores (a table, or JSON Lines with jsonOut),
// with their agreement and, where asked (withCal), calibration, and
// writes their CSV and chart where asked.
func (c *cli) writeEval(rep batch.Report, ag map[batch.Side]map[batch.Metric]batch.Agreement,
	cal map[batch.Side]map[batch.Metric]batch.Calibration, withCal, jsonOut bool, csvPath, chart string) error {
	var err error
	switch {
	case jsonOut:
		lines := make([]evalLine, len(rep.Groups))
		for i, g := range rep.Groups {
			s := batch.Side{Prompt: g.Prompt, Model: g.Model}
			lines[i].Group = g
			if a, ok := ag[s][g.Metric]; ok {
				lines[i].Agreement = &a
			}
			if k, ok := cal[s][g.Metric]; ok {
				lines[i].Calibration = &k
			}
		}
		err = encodeLines(c.stdout, lines)
	case len(ag) > 0:
		err = batch.WriteTableAgreement(c.stdout, rep, ag)
	default:
		err = batch.WriteTable(c.stdout, rep)
	}
	if err == nil && withCal && !jsonOut {
		fmt.Fprintln(c.stdout)
		err = batch.WriteCalibration(c.stdout, rep, cal)
	}
	if err != nil {
		return err
	}
	if withCal && len(cal) == 0 {
		fmt.Fprintln(c.stderr, "eval: no run has choice_probs to calibrate: run the batch with --score logprob")
	}
	return c.writeEvalFiles(rep, csvPath, chart)
}

// writePairs prints the paired comparisons (a table, or JSON Lines with
// jsonOut) and writes the summary's CSV and chart where asked.
func (c *cli) writePairs(pairs []batch.Pair, rep batch.Report, jsonOut bool, csvPath, chart string) error {
	var err error
	if jsonOut {
		err = encodeLines(c.stdout, pairs)
	} else {
		err = batch.WritePairs(c.stdout, pairs)
	}
	if err != nil {
		return err
	}
	if len(pairs) == 0 {
		fmt.Fprintln(c.stderr, "eval: no two (prompt, model) groups of one metric share an item to compare")
	}
	return c.writeEvalFiles(rep, csvPath, chart)
}

// writeEvalFiles notes the runs not scored and writes the summary's CSV
// and chart where asked.
func (c *cli) writeEvalFiles(rep batch.Report, csvPath, chart string) error {
	if rep.NoReference > 0 {
		fmt.Fprintf(c.stderr, "eval: %d runs not scored: no reference answer the metric can use\n", rep.NoReference)
	}
	if rep.Field != "" {
		fmt.Fprintf(c.stderr, "eval: field %s: %d runs without it scored as unparsed; %d runs invalid against their schema\n",
			rep.Field, rep.NoField, rep.SchemaInvalid)
	} else if rep.SchemaInvalid > 0 {
		fmt.Fprintf(c.stderr, "eval: %d runs invalid against their schema (scored on their text; --field NAME scores a field)\n", rep.SchemaInvalid)
	}
	if csvPath != "" {
		if err := writeEvalCSV(csvPath, rep); err != nil {
			return err
		}
	}
	if chart != "" {
		return writeWith(chart, func(w io.Writer) error { return evalchart.WritePNG(w, rep) })
	}
	return nil
}

// anyHasField reports whether a row's structured answer has the field.
func anyHasField(rows []batch.Row, field string) bool {
	for _, r := range rows {
		if _, ok := r.Fields[field]; ok {
			return true
		}
	}
	return false
}

// fieldList names the fields the rows' structured answers have, sorted,
// or "none".
func fieldList(rows []batch.Row) string {
	seen := map[string]bool{}
	for _, r := range rows {
		for k := range r.Fields {
			seen[k] = true
		}
	}
	if len(seen) == 0 {
		return "none: run the batch with a prompt that has a schema"
	}
	return strings.Join(slices.Sorted(maps.Keys(seen)), ", ")
}

// byPromptVersion keeps the rows of prompt version version (a prefix of
// 4 to 12 hex digits; "" keeps all) and, with apart, names each row's
// prompt NAME@VERSION so that a prompt's versions are scored apart.
func byPromptVersion(rows []batch.Row, path, version string, apart bool) ([]batch.Row, error) {
	if version != "" {
		if len(version) < 4 || len(version) > 12 || strings.Trim(version, "0123456789abcdef") != "" {
			return nil, usagef("--prompt-version %q: give 4 to 12 hex digits of a row's prompt_version", version)
		}
		rows = slices.DeleteFunc(rows, func(r batch.Row) bool { return !strings.HasPrefix(r.PromptVersion, version) })
		if len(rows) == 0 {
			return nil, usagef("--prompt-version %s: no row of %s has it", version, path)
		}
	}
	if apart {
		for i := range rows {
			if v := rows[i].PromptVersion; v != "" {
				rows[i].PromptName += "@" + v
			}
		}
	}
	return rows, nil
}
