package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

const usage = `usage: medgemma-workbench [--data-dir DIR] [--ollama-url URL] [FILE|DIR ...]
       medgemma-workbench COMMAND [flags]

Commands:
  prepare FILE --out OUT.png   write the exact 896×896 image the model receives
  render FILE --out OUT.png    write the windowed image at native resolution
  ask --prompt TEXT [--image FILE]...
                               ask a model, streaming the answer; logged to history
  models list|demo             list the runtime's models; install the offline demo model
  history list                 list logged runs

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
	return ExitCode(err), err
}

// ExitCode maps an error to the CLI's exit code.
func ExitCode(err error) int {
	var ue *UsageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue),
		errors.Is(err, dicomview.ErrMalformed),
		errors.Is(err, dicomview.ErrUnsupported),
		errors.Is(err, inference.ErrUnknownModel):
		return 2
	default:
		return 1
	}
}

func (c *cli) run(args []string) error {
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

// imageFlags are the flags shared by prepare and render.
type imageFlags struct {
	out, window, preset, encoding, fit string
	frame                              int
	json                               bool
}

func (f *imageFlags) register(fs interface {
	StringVar(*string, string, string, string)
	IntVar(*int, string, int, string)
	BoolVar(*bool, string, bool, string)
}, model bool) {
	fs.StringVar(&f.out, "out", "", "output PNG file")
	fs.IntVar(&f.frame, "frame", 1, "frame number, from 1")
	fs.StringVar(&f.window, "window", "", "window as CENTER,WIDTH (default: the file's first window, else min/max)")
	fs.BoolVar(&f.json, "json", false, "print a JSON object describing the output")
	if model {
		fs.StringVar(&f.preset, "preset", "", "window preset: "+presetNames())
		fs.StringVar(&f.encoding, "encoding", "display", "model-input encoding: display")
		fs.StringVar(&f.fit, "fit", "pad", "pad (keep aspect, black bars) or stretch")
	}
}

func presetNames() string {
	var names []string
	for _, p := range assets.Presets() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// windowFlag resolves --window / --preset.
func (f *imageFlags) windowFlag() (*dicomview.Window, error) {
	switch {
	case f.window != "" && f.preset != "":
		return nil, usagef("give --window or --preset, not both")
	case f.window != "":
		w, err := dicomview.ParseWindow(f.window)
		if err != nil {
			return nil, &UsageError{fmt.Errorf("--window: %w", err)}
		}
		return &w, nil
	case f.preset != "":
		p, ok := assets.PresetByName(f.preset)
		if !ok {
			return nil, usagef("--preset %q: unknown; presets are %s", f.preset, presetNames())
		}
		return &dicomview.Window{Center: p.Center, Width: p.Width}, nil
	}
	return nil, nil
}

func (c *cli) prepare(args []string) error {
	fs := newFlags("prepare", &c.cfg)
	var f imageFlags
	f.register(fs, true)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || f.out == "" {
		return usagef("usage: medgemma-workbench prepare FILE --out OUT.png [--frame N] [--window C,W | --preset NAME] [--encoding display] [--fit pad|stretch] [--json]")
	}
	w, err := f.windowFlag()
	if err != nil {
		return err
	}
	fit := dicomview.FitPad
	switch f.fit {
	case "pad":
	case "stretch":
		fit = dicomview.FitStretch
	default:
		return usagef("--fit %q: want pad or stretch", f.fit)
	}
	_, p, err := PrepareImage(pos[0], dicomview.PrepareOptions{Frame: f.frame, Window: w, Fit: fit, Encoding: f.encoding})
	if err != nil {
		return err
	}
	if err := writeFileAtomic(f.out, p.PNG); err != nil {
		return err
	}
	if f.json {
		return json.NewEncoder(c.stdout).Encode(map[string]any{
			"sha256": p.SHA256, "width": p.Width, "height": p.Height, "source": p.Source,
			"frame": p.Frame, "window": map[string]float64{"center": p.Window.Center, "width": p.Window.Width},
			"encoding": p.Encoding, "fit": f.fit, "out": f.out,
		})
	}
	fmt.Fprintf(c.stdout, "%s  %s (%d×%d, frame %d, window %g/%g, %s)\n", p.SHA256, f.out, p.Width, p.Height, p.Frame, p.Window.Center, p.Window.Width, p.Encoding)
	return nil
}

func (c *cli) render(args []string) error {
	fs := newFlags("render", &c.cfg)
	var f imageFlags
	f.register(fs, false)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || f.out == "" {
		return usagef("usage: medgemma-workbench render FILE --out OUT.png [--frame N] [--window C,W] [--json]")
	}
	w, err := f.windowFlag()
	if err != nil {
		return err
	}
	im, err := dicomview.Load(pos[0])
	if err != nil {
		return err
	}
	if w == nil {
		d := im.DefaultWindow(f.frame)
		w = &d
	}
	img, err := im.Render(f.frame, *w)
	if err != nil {
		return err
	}
	data, sum, err := dicomview.EncodePNG(img)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(f.out, data); err != nil {
		return err
	}
	b := img.Bounds()
	if f.json {
		return json.NewEncoder(c.stdout).Encode(map[string]any{
			"sha256": sum, "width": b.Dx(), "height": b.Dy(), "source": filepath.Base(pos[0]),
			"frame": f.frame, "window": map[string]float64{"center": w.Center, "width": w.Width}, "out": f.out,
		})
	}
	fmt.Fprintf(c.stdout, "%s  %s (%d×%d, frame %d, window %g/%g)\n", sum, f.out, b.Dx(), b.Dy(), f.frame, w.Center, w.Width)
	return nil
}

func (c *cli) ask(args []string) error {
	fs := newFlags("ask", &c.cfg)
	var (
		prompt, system, model string
		images                stringList
		seed                  optionalInt
		temp                  optionalFloat
		numPredict, numCtx    int
		jsonOut               bool
	)
	fs.StringVar(&prompt, "prompt", "", "the question or instruction")
	fs.Var(&images, "image", "an image (DICOM, PNG, JPEG); repeat for several")
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
	if prompt == "" || len(pos) > 0 {
		return usagef("usage: medgemma-workbench ask --prompt TEXT [--image FILE]... [--model NAME] [--system TEXT] [--seed N] [--temperature T] [--num-predict N] [--num-ctx N] [--json]")
	}
	req := inference.Request{
		Model: model, System: system, Prompt: prompt,
		Options: inference.Options{Seed: seed.v, Temperature: temp.v, NumPredict: numPredict, NumCtx: numCtx},
	}
	// Bad images are bad input: check them before starting anything.
	for _, path := range images {
		_, p, err := PrepareImage(path, dicomview.PrepareOptions{})
		if err != nil {
			return err
		}
		req.Images = append(req.Images, ModelImage(p))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := NewServices(ctx, c.cfg, "cli ask")
	if err != nil {
		return err
	}
	defer s.Close()
	if req.Model == "" {
		if req.Model, err = s.DefaultModel(ctx); err != nil {
			return err
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
		}); jerr != nil {
			return jerr
		}
	} else if err == nil {
		fmt.Fprintf(c.stderr, "run %d · %s · %d prompt tokens · %d tokens in %s · %s\n",
			id, res.Model, res.PromptEvalCount, res.EvalCount, res.TotalDuration.Round(time.Millisecond), res.DoneReason)
	}
	if res.Status == inference.StatusCancelled {
		return fmt.Errorf("run %d cancelled; the partial answer is saved in history", id)
	}
	return err
}

func (c *cli) models(args []string) error {
	if len(args) == 0 {
		return usagef("usage: medgemma-workbench models list [--json] | models demo")
	}
	sub, args := args[0], args[1:]
	fs := newFlags("models "+sub, &c.cfg)
	jsonOut := fs.Bool("json", false, "print JSON Lines")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("models %s: unexpected argument %q", sub, pos[0])
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch sub {
	case "list":
		s, err := NewServices(ctx, c.cfg, "cli models list")
		if err != nil {
			return err
		}
		defer s.Close()
		models, err := s.Models(ctx)
		if err != nil {
			return err
		}
		if *jsonOut {
			enc := json.NewEncoder(c.stdout)
			for _, m := range models {
				if err := enc.Encode(m); err != nil {
					return err
				}
			}
			return nil
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tDIGEST\tSIZE\tPARAMS\tQUANT\tNOTE")
		for _, m := range models {
			note := ""
			if m.Demo {
				note = inference.DemoModelLabel
			}
			fmt.Fprintf(tw, "%s\t%.12s\t%s\t%s\t%s\t%s\n", m.Name, strings.TrimPrefix(m.Digest, "sha256:"), humanBytes(m.Size), m.Parameters, m.Quantization, note)
		}
		return tw.Flush()
	case "demo":
		s, err := NewServices(ctx, c.cfg, "cli models demo")
		if err != nil {
			return err
		}
		defer s.Close()
		if err := s.InstallDemo(ctx); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "installed %s (%s)\n", inference.DemoModelName, inference.DemoModelLabel)
		return nil
	default:
		return usagef("models: unknown subcommand %q (want list or demo)", sub)
	}
}

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

// writeFileAtomic writes data to path through a temporary file, so a
// failed write never leaves half a PNG.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
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
