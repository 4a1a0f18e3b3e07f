package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

const historyUsage = `usage: medgemma-workbench history list [--json] [--include-phi] [--limit N] [FILTERS]
       medgemma-workbench history show RUN_ID [--json] [--include-phi]
       medgemma-workbench history search TEXT [--json] [--include-phi] [--limit N] [FILTERS]
       medgemma-workbench history export --format csv|jsonl [--out FILE] [--include-phi] [FILTERS]
       medgemma-workbench history rate RUN_ID 0..5
       medgemma-workbench history note RUN_ID TEXT
       medgemma-workbench history templates [NAME] [--json]
FILTERS: --model NAME --from DATE --to DATE --min-rating N --study KEY --status STATUS
         --recipe NAME --prompt-version HEX
(DATE is 2006-01-02 or RFC 3339; --to a date includes that day)`

// history runs the `history` commands.
func (c *cli) history(args []string) error {
	if len(args) == 0 {
		return usagef("%s", historyUsage)
	}
	switch args[0] {
	case "list", "search":
		return c.historyList(args[0], args[1:])
	case "show":
		return c.historyShow(args[1:])
	case "export":
		return c.historyExport(args[1:])
	case "rate", "note":
		return c.historyAnnotate(args[0], args[1:])
	case "templates":
		return c.historyTemplates(args[1:])
	default:
		return usagef("unknown history command %q\n%s", args[0], historyUsage)
	}
}

// filterFlags puts the run filters on fs; call the returned function after
// parsing to get the filter.
func filterFlags(fs *flag.FlagSet) func() (core.Filter, error) {
	model := fs.String("model", "", "only runs of this model")
	from := fs.String("from", "", "only runs started on or after this date")
	to := fs.String("to", "", "only runs started before this time, or on or before this date")
	minRating := fs.Int("min-rating", 0, "only runs rated at least this (1 to 5)")
	study := fs.String("study", "", "only runs on the study with this key")
	status := fs.String("status", "", "only runs that ended so (ok, cancelled, error, interrupted, running)")
	recipeName := fs.String("recipe", "", "only runs made with this model-input recipe")
	version := fs.String("prompt-version", "", "only runs of this prompt version (its first 4 or more hex digits)")
	return func() (core.Filter, error) {
		f := core.Filter{Model: *model, MinRating: *minRating, StudyKey: *study, Status: core.Status(*status), Recipe: *recipeName,
			PromptVersion: *version}
		if v := *version; v != "" && (len(v) < 4 || len(v) > 12 || strings.Trim(v, "0123456789abcdef") != "") {
			return f, usagef("--prompt-version %q: give 4 to 12 hex digits of a version (`history templates NAME` lists them)", v)
		}
		var err error
		if f.From, err = parseDate(*from, false); err != nil {
			return f, usagef("--from: %v", err)
		}
		if f.To, err = parseDate(*to, true); err != nil {
			return f, usagef("--to: %v", err)
		}
		return f, nil
	}
}

// parseDate parses a date (local midnight; the next midnight if end) or an
// RFC 3339 time. "" is the zero time.
func parseDate(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date like 2025-06-01 or a time like 2025-06-01T12:00:00Z", s)
	}
	return t, nil
}

// openHistory opens the history database alone: browsing, exporting and
// reporting need no runtime, so they work where none is installed.
func (c *cli) openHistory() (*history.Store, error) {
	if err := c.cfg.resolve(); err != nil {
		return nil, err
	}
	return history.Open(c.cfg.HistoryPath())
}

func (c *cli) historyList(cmd string, args []string) error {
	fs := newFlags("history "+cmd, &c.cfg)
	jsonOut := fs.Bool("json", false, "print JSON Lines")
	phi := fs.Bool("include-phi", false, "with --json: include file names and the study description, which may hold patient names")
	limit := fs.Int("limit", 50, "how many runs, newest first (0: all)")
	filter := filterFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	f, err := filter()
	if err != nil {
		return err
	}
	f.Limit = *limit
	switch {
	case cmd == "search" && len(pos) == 0:
		return usagef("history search: give the words to search for\n%s", historyUsage)
	case cmd == "search":
		f.Text = strings.Join(pos, " ")
	case len(pos) > 0:
		return usagef("history list takes no arguments (to search, use history search TEXT)\n%s", historyUsage)
	}
	h, err := c.openHistory()
	if err != nil {
		return err
	}
	defer h.Close()
	ctx := context.Background()
	runs, err := h.Search(ctx, f)
	if err != nil {
		return err
	}
	if *jsonOut {
		enc := json.NewEncoder(c.stdout)
		for _, r := range runs {
			if err := enc.Encode(runJSON(r, *phi)); err != nil {
				return err
			}
		}
		return nil
	}
	if len(runs) == 0 {
		fmt.Fprintln(c.stderr, "no runs match")
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSTARTED\tMODEL\tSTATUS\tRATING\tTOKENS\tPROMPT")
	for _, r := range runs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.StartedAt.Local().Format("2006-01-02 15:04:05"), r.Model, r.Status,
			stars(r.Rating), r.EvalCount, ellipsis(r.Prompt, 48))
	}
	return tw.Flush()
}

func stars(n int) string {
	if n <= 0 {
		return "-"
	}
	return strings.Repeat("★", n)
}

// runID parses a run id argument.
func runID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("%q is not a run id: give the number `history list` shows", s)
	}
	return id, nil
}

// notFound turns a missing run into bad input.
func notFound(err error) error {
	if errors.Is(err, history.ErrNotFound) {
		return &UsageError{fmt.Errorf("%w; `medgemma-workbench history list` shows the runs there are", err)}
	}
	return err
}

func (c *cli) historyShow(args []string) error {
	fs := newFlags("history show", &c.cfg)
	jsonOut := fs.Bool("json", false, "print one JSON object")
	phi := fs.Bool("include-phi", false, "include file names and the study description, which may hold patient names")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: medgemma-workbench history show RUN_ID [--json] [--include-phi]")
	}
	id, h, err := c.openRun(pos[0])
	if err != nil {
		return err
	}
	defer h.Close()
	r, err := h.Run(context.Background(), id)
	if err != nil {
		return notFound(err)
	}
	codecs, sums := imageCodecs(context.Background(), h, r.ImageSHA256)
	if *jsonOut {
		m := runJSON(*r, *phi)
		m["image_codec"], m["image_codec_sha256"] = codecs, sums
		return json.NewEncoder(c.stdout).Encode(m)
	}
	writeRun(c.stdout, *r, *phi)
	for i, sum := range sums {
		if sum != "" {
			fmt.Fprintf(c.stdout, "image %d\t%s step %s, then the 896×896 input %s\n", i+1, codecs[i], sum, r.ImageSHA256[i])
		}
	}
	return nil
}

// imageCodecs are the codec step of each image ("jpeg q75", "" when
// lossless) and the SHA-256 of its bytes, in the run's order.
func imageCodecs(ctx context.Context, h *history.Store, shas []string) (codecs, sums []string) {
	codecs, sums = make([]string, len(shas)), make([]string, len(shas))
	for i, sha := range shas {
		if info, err := h.ImageInfo(ctx, sha); err == nil {
			codecs[i], sums[i] = info.Codec, info.CodecSHA256
		}
	}
	return codecs, sums
}

// writeRun prints a run for a person to read; file names and the study
// description only with phi.
func writeRun(w io.Writer, r core.Run, phi bool) {
	if !phi {
		r.Source, r.StudyDescription = "", ""
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	row("run", strconv.FormatInt(r.ID, 10))
	row("status", string(r.Status)+doneReason(r))
	row("started", r.StartedAt.Local().Format(time.RFC3339))
	if !r.FinishedAt.IsZero() {
		row("finished", r.FinishedAt.Local().Format(time.RFC3339))
	}
	row("model", r.Model)
	row("model digest", r.ModelDigest)
	row("runtime", r.RuntimeVersion)
	opts, _ := json.Marshal(r.Options)
	row("options", string(opts))
	row("recipe", r.Recipe.String())
	row("prompt version", r.PromptVersion)
	if r.SchemaValid != nil {
		verdict := "fits"
		if !*r.SchemaValid {
			verdict = "does not fit: " + r.SchemaError
		}
		row("answer schema", r.SchemaHash+" ("+verdict+")")
	}
	row("images", r.Source)
	for i, sha := range r.ImageSHA256 {
		label := ""
		if i < len(r.ImageLabels) && r.ImageLabels[i] != "" {
			label = " (" + r.ImageLabels[i] + ")"
		}
		row(fmt.Sprintf("image %d sha256", i+1), sha+label)
	}
	for i, m := range r.Measurements {
		row(fmt.Sprintf("measurement %d", i+1), m.String())
	}
	for i, b := range r.Boxes {
		row(fmt.Sprintf("box %d", i+1), fmt.Sprintf("%s: x %.0f–%.0f, y %.0f–%.0f px of image %d", b.Label, b.X0, b.X1, b.Y0, b.Y1, b.Image+1))
	}
	if r.StudyKey != "" {
		row("study", strings.TrimSpace(r.StudyModality+" "+r.StudyDescription)+" (key "+r.StudyKey[:12]+"…)")
	}
	row("tokens", fmt.Sprintf("%d prompt, %d answer", r.PromptEvalCount, r.EvalCount))
	if r.TotalDuration > 0 {
		row("duration", fmt.Sprintf("%s (first token %s)", r.TotalDuration.Round(time.Millisecond), r.FirstToken.Round(time.Millisecond)))
	}
	if r.Rating > 0 {
		row("rating", stars(r.Rating))
	}
	row("error", r.Error)
	tw.Flush()
	section := func(title, text string) {
		if text != "" {
			fmt.Fprintf(w, "\n%s:\n%s\n", title, strings.TrimRight(text, "\n"))
		}
	}
	section("System", r.System)
	section("Prompt", r.Prompt)
	section("Thinking", r.Thinking)
	section("Answer", r.Output)
	section("Notes", r.Notes)
}

func doneReason(r core.Run) string {
	if r.DoneReason == "" || r.DoneReason == string(r.Status) {
		return ""
	}
	return " (" + r.DoneReason + ")"
}

func (c *cli) historyExport(args []string) error {
	fs := newFlags("history export", &c.cfg)
	format := fs.String("format", "", "csv or jsonl")
	out := fs.String("out", "", "write to this file (default: stdout)")
	phi := fs.Bool("include-phi", false, "include file names and paths, which may hold patient names")
	filter := filterFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || (*format != history.FormatCSV && *format != history.FormatJSONL) {
		return usagef("usage: medgemma-workbench history export --format csv|jsonl [--out FILE] [--include-phi] [FILTERS]")
	}
	f, err := filter()
	if err != nil {
		return err
	}
	h, err := c.openHistory()
	if err != nil {
		return err
	}
	defer h.Close()
	ctx := context.Background()
	if *out == "" {
		_, err := h.Export(ctx, c.stdout, *format, f, *phi)
		return err
	}
	var buf strings.Builder
	n, err := h.Export(ctx, &buf, *format, f, *phi)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(*out, []byte(buf.String())); err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "exported %d runs to %s\n", n, *out)
	return nil
}

// openRun parses the run id arg and opens the history database; the
// caller closes it.
func (c *cli) openRun(arg string) (int64, *history.Store, error) {
	id, err := runID(arg)
	if err != nil {
		return 0, nil, err
	}
	h, err := c.openHistory()
	if err != nil {
		return 0, nil, err
	}
	return id, h, nil
}

func (c *cli) historyAnnotate(cmd string, args []string) error {
	fs := newFlags("history "+cmd, &c.cfg)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("%s", historyUsage)
	}
	id, h, err := c.openRun(pos[0])
	if err != nil {
		return err
	}
	defer h.Close()
	ctx := context.Background()
	if cmd == "note" {
		return notFound(h.SetNotes(ctx, id, pos[1]))
	}
	n, err := strconv.Atoi(pos[1])
	if err != nil || n < 0 || n > 5 {
		return usagef("history rate: rating %q: give 0 (unrated) to 5", pos[1])
	}
	return notFound(h.SetRating(ctx, id, n))
}

// runJSON is one run as `history list|show|search --json` print it;
// source and study_description are empty unless phi (--include-phi).
func runJSON(r core.Run, phi bool) map[string]any {
	if !phi {
		r.Source, r.StudyDescription = "", ""
	}
	finished := ""
	if !r.FinishedAt.IsZero() {
		finished = r.FinishedAt.UTC().Format(time.RFC3339Nano)
	}
	return map[string]any{
		"run_id": r.ID, "session_id": r.SessionID,
		"started_at": r.StartedAt.UTC().Format(time.RFC3339Nano), "finished_at": finished,
		"source": r.Source, "image_sha256": r.ImageSHA256,
		"system": r.System, "prompt": r.Prompt,
		"model": r.Model, "model_digest": r.ModelDigest, "runtime_version": r.RuntimeVersion,
		"options": r.Options, "output": r.Output, "thinking": r.Thinking,
		"prompt_eval_count": r.PromptEvalCount, "eval_count": r.EvalCount,
		"total_duration_ms": r.TotalDuration.Milliseconds(), "load_duration_ms": r.LoadDuration.Milliseconds(),
		"prompt_eval_duration_ms": r.PromptEvalDuration.Milliseconds(), "eval_duration_ms": r.EvalDuration.Milliseconds(),
		"first_token_ms": r.FirstToken.Milliseconds(),
		"done_reason":    r.DoneReason, "status": r.Status, "error": r.Error,
		"rating": r.Rating, "notes": r.Notes,
		"study_key": r.StudyKey, "study_modality": r.StudyModality, "study_description": r.StudyDescription,
		"recipe": r.Recipe, "image_labels": r.ImageLabels, "boxes": r.Boxes,
		"schema_hash": r.SchemaHash, "schema_valid": r.SchemaValid, "schema_error": r.SchemaError,
		"prompt_version": r.PromptVersion, "measurements": r.Measurements,
	}
}

// historyTemplates lists the saved prompt templates with their current
// version, or with NAME every version of that template, oldest first.
func (c *cli) historyTemplates(args []string) error {
	fs := newFlags("history templates", &c.cfg)
	jsonOut := fs.Bool("json", false, "print JSON Lines")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("usage: medgemma-workbench history templates [NAME] [--json]")
	}
	h, err := c.openHistory()
	if err != nil {
		return err
	}
	defer h.Close()
	ctx := context.Background()
	var ts []core.PromptTemplate
	if len(pos) == 1 {
		if ts, err = h.TemplateVersions(ctx, pos[0]); err == nil && len(ts) == 0 {
			return usagef("no saved template %q; `medgemma-workbench history templates` lists them", pos[0])
		}
	} else {
		ts, err = h.Templates(ctx)
	}
	if err != nil {
		return err
	}
	if *jsonOut {
		enc := json.NewEncoder(c.stdout)
		for i, t := range ts {
			v := map[string]any{"name": t.Name, "version": t.Version, "saved_at": t.UpdatedAt.UTC().Format(time.RFC3339Nano),
				"system": t.System, "prompt": t.Prompt, "schema": t.Schema, "recipe": t.Recipe}
			if len(pos) == 1 {
				v["number"] = i + 1
			}
			if err := enc.Encode(v); err != nil {
				return err
			}
		}
		return nil
	}
	if len(ts) == 0 {
		fmt.Fprintln(c.stderr, "no saved templates (save one from a column of the workbench)")
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tSAVED\tSCHEMA\tRECIPE\tPROMPT")
	for i, t := range ts {
		name := t.Name
		if len(pos) == 1 {
			name = fmt.Sprintf("%s v%d", t.Name, i+1)
		}
		schema := "-"
		if strings.TrimSpace(t.Schema) != "" {
			schema = "yes"
		}
		recipe := t.Recipe
		if recipe == "" {
			recipe = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", name, t.Version, t.UpdatedAt.Local().Format("2006-01-02 15:04"), schema, recipe, ellipsis(t.Prompt, 48))
	}
	return tw.Flush()
}
