package app

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
	"github.com/medgemma-workbench/medgemma-workbench/pacs"
)

const usage = `usage: medgemma-workbench [--data-dir DIR] [--ollama-url URL] [FILE|DIR ...]
       medgemma-workbench COMMAND [flags]

Commands:
  prepare FILE --out OUT.png   write the exact 896×896 image the model receives
                               (FILE may be a folder, ZIP or DICOMDIR: --series,
                               --slice; --slices N or --recipe NAME with --out-dir DIR)
  render FILE --out OUT.png    write the windowed image at native resolution
  ask --prompt TEXT [--image FILE]... [--recipe NAME] [--slices N] [--render-only]
                               ask a model, streaming the answer; logged to history
  recipes list|show NAME       the model-input recipes (Google's CT, MR and CXR ones,
                               plain, and your own in DATA_DIR/recipes)
  models list|pull|import|rm|ps|demo
                               list, download, import, remove the runtime's models;
                               see where they run; install the offline demo model
  history list|show|search|export|rate|note
                               browse, search and export logged runs
  report --run ID... --format md|html|pdf --out FILE [--include-phi]
                               a de-identified draft report of runs
  batch (--manifest FILE | --images DIR|ZIP) --prompts FILE.yaml --out FILE.jsonl
                               run prompts × models × repetitions over many studies;
                               resumable, every run logged to history; --endpoint URL...
                               or --endpoints FILE spread it over servers;
                               --emit-openai-batch / --import-results for vllm run-batch
  eval FILE.jsonl [--metric NAME] [--by FIELD] [--paired] [--calibration]
                               score a batch result: per prompt and model, with 95% CIs
  dataset import --format F PATH --out FILE.jsonl
                               a public benchmark's published layout to a manifest
  benchmark list|run NAME --data PATH
                               reproduce a model-card row: import, run, score, compare
  pacs find|series|get|store --url URL
                               query a DICOMweb PACS, retrieve a study or series into
                               the local cache, store DICOM files; a source may be
                               dicomweb://HOST:PORT/PATH/studies/UID[/series/UID]
                               wherever a file is accepted
  doctor [--json]              what this install found (runtime, GPU, models, data
                               dir) and what to do about what is missing; exit 1 then

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
		err = &maskedError{err: err, secrets: []string{c.cfg.OllamaToken, os.Getenv(inference.EnvOpenAIKey), os.Getenv(EnvPACSPassword), os.Getenv(EnvPACSToken)}}
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

func (e *maskedError) Error() string {
	return redact.Controls(redact.Secret(redact.Text(e.err.Error()), e.secrets...))
}
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
		errors.Is(err, dicomview.ErrCannotReformat),
		errors.Is(err, dicomview.ErrCannotReformat),
		errors.Is(err, inference.ErrUnknownModel),
		errors.Is(err, inference.ErrNoVision),
		errors.Is(err, inference.ErrContextTooSmall),
		errors.Is(err, inference.ErrBadModelFile),
		errors.Is(err, pacs.ErrNotFound),
		errors.Is(err, pacs.ErrBadUID),
		errors.Is(err, pacs.ErrTooLarge):
		return 2
	default:
		return 1
	}
}

// limitsEnv names the environment variable that overrides
// dicomview.DefaultLimits, e.g. "decoded=2GiB,frames=50000".
const limitsEnv = "MEDGEMMA_DICOM_LIMITS"

// commands are the subcommands, by name.
var commands = map[string]func(*cli, []string) error{
	"prepare":   (*cli).prepare,
	"render":    (*cli).render,
	"ask":       (*cli).ask,
	"models":    (*cli).models,
	"recipes":   (*cli).recipes,
	"history":   (*cli).history,
	"report":    (*cli).report,
	"batch":     (*cli).batch,
	"eval":      (*cli).eval,
	"dataset":   (*cli).dataset,
	"benchmark": (*cli).benchmark,
	"pacs":      (*cli).pacs,
	"doctor":    (*cli).doctor,
}

func (c *cli) run(args []string) (err error) {
	defer func() {
		var le *dicomview.LimitError
		if errors.As(err, &le) {
			err = fmt.Errorf("%w; if you trust the file, raise the limit with %s=%s=N (N above %d)", err, limitsEnv, le.Limit, le.Max)
		}
	}()
	if err := setLimitsFromEnv(); err != nil {
		return err
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
	cmd, rest := args[0], args[1:]
	if run, ok := commands[cmd]; ok {
		return run(c, rest)
	}
	if cmd == "help" {
		fmt.Fprintln(c.stdout, usage)
		return nil
	}
	if _, err := os.Stat(cmd); err == nil || pacs.IsSource(cmd) {
		paths, err := c.localSources(args...)
		if err != nil {
			return err
		}
		return runGUI(c.cfg, paths)
	}
	return usagef("unknown command or file %q\n%s", cmd, usage)
}

// setLimitsFromEnv applies $MEDGEMMA_DICOM_LIMITS to dicomview's limits.
func setLimitsFromEnv() error {
	s := os.Getenv(limitsEnv)
	if s == "" {
		return nil
	}
	l, err := dicomview.ParseLimits(dicomview.DefaultLimits, s)
	if err != nil {
		return usagef("$%s: %v", limitsEnv, err)
	}
	dicomview.SetLimits(l)
	return nil
}

func ellipsis(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
