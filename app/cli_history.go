package app

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/history"
)

// history runs `history list`.
func (c *cli) history(args []string) error {
	if len(args) == 0 || args[0] != "list" {
		return usagef("usage: medgemma-workbench history list [--json] [--limit N]")
	}
	fs := newFlags("history list", &c.cfg)
	jsonOut := fs.Bool("json", false, "print JSON Lines")
	limit := fs.Int("limit", 50, "how many runs, newest first")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	ctx := context.Background()
	s, err := NewServices(ctx, c.cfg, "cli history list")
	if err != nil {
		return err
	}
	defer s.Close()
	runs, err := s.History().Runs(ctx, *limit)
	if err != nil {
		return err
	}
	if *jsonOut {
		enc := json.NewEncoder(c.stdout)
		for _, r := range runs {
			if err := enc.Encode(runJSON(r)); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tSTARTED\tMODEL\tSTATUS\tTOKENS\tPROMPT")
	for _, r := range runs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.StartedAt.Local().Format("2006-01-02 15:04:05"), r.Model, r.Status, r.EvalCount, ellipsis(r.Prompt, 48))
	}
	return tw.Flush()
}

// runJSON is one run as `history list --json` prints it.
func runJSON(r history.Run) map[string]any {
	return map[string]any{
		"run_id": r.ID, "session_id": r.SessionID,
		"started_at": r.StartedAt.UTC().Format(time.RFC3339Nano), "finished_at": r.FinishedAt.UTC().Format(time.RFC3339Nano),
		"source": r.Source, "image_sha256": r.ImageSHA256,
		"system": r.System, "prompt": r.Prompt,
		"model": r.Model, "model_digest": r.ModelDigest, "runtime_version": r.RuntimeVersion,
		"options": r.Options, "output": r.Output,
		"prompt_eval_count": r.PromptEvalCount, "eval_count": r.EvalCount,
		"total_duration_ms": r.TotalDuration.Milliseconds(), "load_duration_ms": r.LoadDuration.Milliseconds(),
		"prompt_eval_duration_ms": r.PromptEvalDuration.Milliseconds(), "eval_duration_ms": r.EvalDuration.Milliseconds(),
		"first_token_ms": r.FirstToken.Milliseconds(),
		"done_reason":    r.DoneReason, "status": r.Status, "error": r.Error,
	}
}
