package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/atomicfile"
	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
)

const usage = `usage: medgemma-workbench [--data-dir DIR] [--ollama-url URL] [FILE|DIR ...]
       medgemma-workbench COMMAND [flags]

Commands:
  prepare FILE --out OUT.png   write the exact 896×896 image the model receives
                               (FILE may be a folder, ZIP or DICOMDIR: --series,
                               --slice; --slices N --out-dir DIR for N slices)
  render FILE --out OUT.png    write the windowed image at native resolution
  ask --prompt TEXT [--image FILE]... [--slices N]
                               ask a model, streaming the answer; logged to history
  models list|pull|import|rm|ps|demo
                               list, download, import, remove the runtime's models;
                               see where they run; install the offline demo model
  history list|show|search|export|rate|note
                               browse, search and export logged runs
  report --run ID... --format md|html|pdf --out FILE [--include-phi]
                               a de-identified draft report of runs
  batch (--manifest FILE | --images DIR|ZIP) --prompts FILE.yaml --out FILE.jsonl
                               run prompts × models × repetitions over many studies;
                               resumable, every run logged to history
  eval FILE.jsonl [--metric auto|exact|mcq|yesno|f1]
                               score a batch result: per prompt and model, with 95% CIs

Global flags: --data-dir DIR, --ollama-url URL, --ollama-bin PATH,
  --keep-alive DURATION, --num-gpu N (-1 all layers, 0 CPU only), --parallel N,
  --ollama-debug (the runtime's log then holds every prompt).

With no command the desktop workbench opens. Run COMMAND --help for its flags.`

// cli carries the streams and configuration of one command-line call.
type cli struct {
	cfg    Config
	stdout io.Writer
	stderr io.Writer
}

// Run runs the command line args (without the program name) and returns
// the exit code: 0 success, 2 bad usage or input, 1 anything else.
func Run(args []string) (int, error) {
	c := &cli{stdout: os.Stdout, stderr: os.Stderr}
	err := c.run(args)
	if err != nil {
		err = &maskedError{err: err, secrets: []string{c.cfg.OllamaToken, os.Getenv(inference.EnvOpenAIKey)}}
	}
	return ExitCode(err), err
}

// maskedError is an error as the user sees it: the credentials of any URL
// in it, and the token and API key themselves, masked. errors.Is and
// errors.As see the error underneath.
type maskedError struct {
	err     error
	secrets []string
}

func (e *maskedError) Error() string { return redact.Secret(redact.Text(e.err.Error()), e.secrets...) }
func (e *maskedError) Unwrap() error { return e.err }

// ExitCode maps an error to the CLI's exit code.
func ExitCode(err error) int {
	var ue *UsageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue),
		errors.Is(err, dicomview.ErrMalformed),
		errors.Is(err, dicomview.ErrUnsupported),
		errors.Is(err, dicomview.ErrTooLarge),
		errors.Is(err, inference.ErrUnknownModel),
		errors.Is(err, inference.ErrNoVision),
		errors.Is(err, inference.ErrContextTooSmall),
		errors.Is(err, inference.ErrBadModelFile):
		return 2
	default:
		return 1
	}
}

// limitsEnv names the environment variable that overrides
// dicomview.DefaultLimits, e.g. "decoded=2GiB,frames=50000".
const limitsEnv = "MEDGEMMA_DICOM_LIMITS"

func (c *cli) run(args []string) (err error) {
	defer func() {
		var le *dicomview.LimitError
		if errors.As(err, &le) {
			err = fmt.Errorf("%w; if you trust the file, raise the limit with %s=%s=N (N above %d)", err, limitsEnv, le.Limit, le.Max)
		}
	}()
	if s := os.Getenv(limitsEnv); s != "" {
		l, err := dicomview.ParseLimits(dicomview.DefaultLimits, s)
		if err != nil {
			return usagef("$%s: %v", limitsEnv, err)
		}
		dicomview.SetLimits(l)
	}
	// Global flags may come first.
	fs := newFlags("medgemma-workbench", &c.cfg)
	if err := fs.Parse(args); err != nil {
		if strings.Contains(err.Error(), "help requested") {
			fmt.Fprintln(c.stdout, usage)
			return nil
		}
		return usagef("%v\n%s", err, usage)
	}
	args = fs.Args()
	if len(args) == 0 {
		return runGUI(c.cfg, nil)
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "prepare":
		return c.prepare(rest)
	case "render":
		return c.render(rest)
	case "ask":
		return c.ask(rest)
	case "models":
		return c.models(rest)
	case "history":
		return c.history(rest)
	case "report":
		return c.report(rest)
	case "batch":
		return c.batch(rest)
	case "eval":
		return c.eval(rest)
	case "help":
		fmt.Fprintln(c.stdout, usage)
		return nil
	default:
		if _, err := os.Stat(cmd); err == nil {
			return runGUI(c.cfg, args)
		}
		return usagef("unknown command or file %q\n%s", cmd, usage)
	}
}

func (c *cli) ask(args []string) error {
	fs := newFlags("ask", &c.cfg)
	var (
		prompt, system, model string
		images                stringList
		seed                  optionalInt
		temp                  optionalFloat
		numPredict, numCtx    int
		slices                int
		jsonOut               bool
		rerun                 int64
	)
	fs.StringVar(&prompt, "prompt", "", "the question or instruction")
	fs.Int64Var(&rerun, "rerun", 0, "run again the logged run with this id: its images, prompts, model and options (flags given override them)")
	fs.Var(&images, "image", "an image (DICOM, PNG, JPEG), or a folder, ZIP or DICOMDIR of one series; repeat for several")
	fs.IntVar(&slices, "slices", 1, "send this many slices of each --image, sampled evenly over its series (first and last included)")
	fs.StringVar(&model, "model", "", "model name (default: an installed MedGemma, else the demo model)")
	fs.StringVar(&system, "system", "", "system prompt, e.g. \""+assets.DefaultSystemPrompt+"\"")
	fs.Var(&seed, "seed", "random seed")
	fs.Var(&temp, "temperature", "sampling temperature")
	fs.IntVar(&numPredict, "num-predict", 0, "maximum tokens to generate")
	fs.IntVar(&numCtx, "num-ctx", 0, "context window in tokens")
	fs.BoolVar(&jsonOut, "json", false, "print a JSON summary at the end instead of streaming")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if (prompt == "" && rerun == 0) || len(pos) > 0 {
		return usagef("usage: medgemma-workbench ask (--prompt TEXT | --rerun RUN_ID) [--image FILE|DIR]... [--slices N] [--model NAME] [--system TEXT] [--seed N] [--temperature T] [--num-predict N] [--num-ctx N] [--json]")
	}
	req := inference.Request{
		Model: model, System: system, Prompt: prompt,
		Options: inference.Options{Seed: seed.v, Temperature: temp.v, NumPredict: numPredict, NumCtx: numCtx},
	}
	if slices < 1 {
		return usagef("--slices %d: want 1 or more", slices)
	}
	// Bad images are bad input: check them before starting anything.
	for _, path := range images {
		s, skipped, err := openSeries(path, "")
		if err != nil {
			return err
		}
		c.warnSkipped(path, skipped)
		for _, sl := range s.Sample(slices) {
			p, err := sl.Image.Prepare(dicomview.PrepareOptions{Frame: sl.Frame})
			if err != nil {
				return err
			}
			req.Images = append(req.Images, p.RequestImage())
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := NewServices(ctx, c.cfg, "cli ask")
	if err != nil {
		return err
	}
	defer s.Close()
	if rerun != 0 {
		if err := s.fillRerun(ctx, rerun, &req, fs); err != nil {
			return err
		}
	}
	if req.Model == "" {
		if req.Model, err = s.DefaultModel(ctx); err != nil {
			return err
		}
	}
	if !s.Runtime().Managed() {
		if w := burnInWarning(s.Runtime().State().URL, req.Images); w != "" {
			fmt.Fprintln(c.stderr, w)
		}
	}
	var onChunk func(string)
	if !jsonOut {
		onChunk = func(t string) { io.WriteString(c.stdout, t) }
	}
	id, res, err := s.Ask(ctx, req, onChunk)
	if !jsonOut && res.Output != "" && !strings.HasSuffix(res.Output, "\n") {
		fmt.Fprintln(c.stdout)
	}
	if jsonOut {
		shas := make([]string, 0, len(req.Images))
		for _, im := range req.Images {
			shas = append(shas, im.SHA256)
		}
		if jerr := json.NewEncoder(c.stdout).Encode(map[string]any{
			"run_id": id, "model": res.Model, "model_digest": res.ModelDigest,
			"runtime_version": res.RuntimeVersion, "image_sha256": shas,
			"prompt_eval_count": res.PromptEvalCount, "eval_count": res.EvalCount,
			"output": res.Output, "done_reason": res.DoneReason, "status": res.Status,
			"chunks": res.Chunks, "total_duration_ms": res.TotalDuration.Milliseconds(),
			"first_token_ms": res.FirstToken.Milliseconds(), "error": res.Error,
			"truncated": res.Truncated, "thinking": res.Thinking, "num_ctx": res.NumCtx,
		}); jerr != nil {
			return jerr
		}
	} else if err == nil {
		fmt.Fprintf(c.stderr, "run %d · %s · %d prompt tokens · %d tokens in %s · %s\n",
			id, res.Model, res.PromptEvalCount, res.EvalCount, res.TotalDuration.Round(time.Millisecond), res.DoneReason)
		if res.Truncated {
			fmt.Fprintf(c.stderr, "the answer was cut off at %d tokens (num_ctx %d): raise --num-predict or --num-ctx for a complete one\n", res.EvalCount, res.NumCtx)
		}
	}
	if res.Status == inference.StatusCancelled {
		return fmt.Errorf("run %d cancelled; the partial answer is saved in history", id)
	}
	return err
}

func ellipsis(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// writeFileAtomic writes data to path through internal/atomicfile, so a
// crash leaves the old file or the whole new one (mode 0600, as before:
// model inputs and reports may hold patient data).
func writeFileAtomic(path string, data []byte) error {
	return atomicfile.WriteFile(path, data, 0o600)
}
