package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/assets"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
	"github.com/medgemma-workbench/medgemma-workbench/dicomview/recipe"
	"github.com/medgemma-workbench/medgemma-workbench/history"
	"github.com/medgemma-workbench/medgemma-workbench/internal/answerschema"
	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// This file is the command line's ask: flags, images, --rerun, and the
// answer streamed or printed as JSON.

// fillRerun completes req from the logged run id: the exact model-input
// images stored with it, its system prompt, prompt, model and options.
// What the command line set (fs) overrides the logged values; images given
// on the command line replace the logged ones.
func (s *Services) fillRerun(ctx context.Context, id int64, req *core.Request, fs *flag.FlagSet) error {
	logged, err := s.rerunRequest(ctx, id)
	if errors.Is(err, history.ErrNotFound) {
		return usagef("--rerun %d: no such run in %s; see `medgemma-workbench history list`", id, s.cfg.HistoryPath())
	}
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	rerunTexts(req, logged, set)
	req.Options = rerunOptions(logged.Options, req.Options, set)
	if !set["image"] {
		rerunImages(id, req, logged, set["prompt"])
	}
	return nil
}

// rerunTexts takes the logged prompt, system prompt and model where the
// flags (set) gave none, and the logged prompt version where the texts
// are the logged ones and no schema is asked for.
func rerunTexts(req *core.Request, logged core.Request, set map[string]bool) {
	if !set["prompt"] {
		req.Prompt = logged.Prompt
	}
	req.PromptVersion = ""
	if !set["prompt"] && !set["system"] && req.SchemaHash == "" {
		req.PromptVersion = logged.PromptVersion // the same texts
	}
	if !set["system"] {
		req.System = logged.System
	}
	if !set["model"] {
		req.Model = logged.Model
	}
}

// rerunOptions are the logged options with those the flags set (given)
// taken from the command line's (flags).
func rerunOptions(logged, flags core.Options, set map[string]bool) core.Options {
	o := logged
	if set["seed"] {
		o.Seed = flags.Seed
	}
	if set["temperature"] {
		o.Temperature = flags.Temperature
	}
	if set["num-predict"] {
		o.NumPredict = flags.NumPredict
	}
	if set["num-ctx"] {
		o.NumCtx = flags.NumCtx
	}
	return o
}

// rerunImages takes the logged images and recipe; a new prompt
// (newPrompt) is laid out by the run's own recipe.
func rerunImages(id int64, req *core.Request, logged core.Request, newPrompt bool) {
	req.Images = logged.Images
	req.Recipe, req.RecipeJSON, req.Boxes = logged.Recipe, logged.RecipeJSON, logged.Boxes
	if newPrompt && logged.RecipeJSON != "" {
		// A new question about the same images: laid out by the
		// run's own recipe.
		if r, err := recipe.Parse(fmt.Sprintf("run %d", id), []byte(logged.RecipeJSON)); err == nil {
			req.Prompt = recipe.Relayout(r, req.Images, req.Prompt)
		}
	}
}

// askFlags are the ask command's flags.
type askFlags struct {
	prompt, system, model string
	images                stringList
	options               optionFlags
	slices                int
	recipe, schema, plane string
	json, renderOnly      bool
	rerun                 int64
}

func (f *askFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.prompt, "prompt", "", "the question or instruction")
	fs.Int64Var(&f.rerun, "rerun", 0, "run again the logged run with this id: its images, prompts, model and options (flags given override them)")
	fs.Var(&f.images, "image", "an image (DICOM, PNG, JPEG), or a folder, ZIP or DICOMDIR of one series; repeat for several")
	fs.StringVar(&f.plane, "plane", "", "with --recipe: sample the cuts of each series reformatted in this plane (axial, coronal or sagittal) instead of its stored slices")
	fs.IntVar(&f.slices, "slices", 1, "send this many slices of each --image, sampled evenly over its series (first and last included); with a volume recipe, at most its count (default: the recipe's)")
	fs.StringVar(&f.recipe, "recipe", "", "the model-input recipe: which images, their encoding and the prompt's layout (default plain; see `medgemma-workbench recipes list`)")
	fs.StringVar(&f.schema, "schema", "", "a JSON Schema file the answer must fit: the runtime constrains the answer to it (Ollama's format) and the run records whether it fits")
	fs.BoolVar(&f.renderOnly, "render-only", false, "print the prompt as the runtime renders it, each image's tag where it stands, and send nothing to the model")
	fs.StringVar(&f.model, "model", "", "model name (default: an installed MedGemma, else the demo model)")
	fs.StringVar(&f.system, "system", "", "system prompt, e.g. \""+assets.DefaultSystemPrompt+"\"")
	f.options.register(fs, "context window in tokens")
	fs.BoolVar(&f.json, "json", false, "print a JSON summary at the end instead of streaming")
}

// parseAsk reads ask's flags and prepares the request they describe,
// images included: bad images are bad input, found before anything
// starts. fs tells which flags were given.
func (c *cli) parseAsk(args []string) (f askFlags, fs *flag.FlagSet, req core.Request, err error) {
	fs = newFlags("ask", &c.cfg)
	f.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return f, fs, req, err
	}
	if err := f.check(pos); err != nil {
		return f, fs, req, err
	}
	if req, err = c.askRequest(f, fs); err != nil {
		return f, fs, req, err
	}
	if f.schema != "" {
		if err := setSchema(&req, f.schema); err != nil {
			return f, fs, req, err
		}
	}
	if f.rerun == 0 {
		req.PromptVersion = core.PromptVersion(req.System, f.prompt, req.SchemaHash, req.Recipe.Key())
	}
	return f, fs, req, nil
}

// check refuses, before anything is opened, an ask with nothing to ask
// (no prompt, run or recipe), arguments, a slice count under 1, or a
// recipe for a re-run that keeps the logged images.
func (f *askFlags) check(pos []string) error {
	switch {
	case (f.prompt == "" && f.rerun == 0 && f.recipe == "") || len(pos) > 0:
		return usagef("%s", askUsage)
	case f.slices < 1:
		return usagef("--slices %d: want 1 or more", f.slices)
	case f.rerun != 0 && len(f.images) == 0 && f.recipe != "":
		return usagef("--recipe with --rerun needs --image: a re-run without images keeps the logged run's images and recipe")
	}
	return nil
}

// askRequest is the request the flags describe: the --recipe applied to
// the --image files, or for a re-run without images the flags alone
// (fillRerun adds the logged run's).
func (c *cli) askRequest(f askFlags, fs *flag.FlagSet) (core.Request, error) {
	if f.rerun != 0 && len(f.images) == 0 {
		return core.Request{Model: f.model, System: f.system, Prompt: f.prompt, Options: f.options.options()}, nil
	}
	r, err := c.openRecipes().Get(f.recipe)
	if err != nil {
		return core.Request{}, usagef("--recipe: %v", err)
	}
	if f.prompt == "" && r.Prompt.Default == "" {
		return core.Request{}, usagef("recipe %s has no default prompt: give --prompt", r.Name)
	}
	o := recipe.Options{Prompt: f.prompt, Plane: dicomview.Plane(f.plane)}
	if flagSet(fs, "slices") || r.Images.From == recipe.FromEach {
		o.Slices = f.slices
	}
	b, err := c.buildRecipe(r, f.images, o)
	if err != nil {
		return core.Request{}, err
	}
	return b.Request(f.model, f.system, f.options.options()), nil
}

// flagSet reports whether the flag name was given.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(fl *flag.Flag) { set = set || fl.Name == name })
	return set
}

// setSchema reads the JSON Schema file path into req: a schema that does
// not compile is bad input naming the file.
func setSchema(req *core.Request, path string) error {
	data, err := readSmallFile(path, answerschema.MaxSize)
	if err != nil {
		return &UsageError{fmt.Errorf("--schema: %w", err)}
	}
	s, err := answerschema.Compile(path, data)
	if err != nil {
		return &UsageError{err}
	}
	req.Schema, req.SchemaHash = s.Raw, s.Hash
	return nil
}

// readSmallFile reads a file of at most max bytes.
func readSmallFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: over %d bytes", path, max)
	}
	return data, nil
}

const askUsage = "usage: medgemma-workbench ask (--prompt TEXT | --rerun RUN_ID | --recipe NAME) [--image FILE|DIR]... [--recipe NAME] [--slices N] [--render-only] [--schema FILE.json] [--model NAME] [--system TEXT] [--seed N] [--temperature T] [--num-predict N] [--num-ctx N] [--json]"

// buildRecipe opens the --image paths (a file, folder, ZIP or DICOMDIR of
// one series each) and applies r to them. A recipe's refusal (wrong
// modality, too many slices, no dates to order by) is bad input.
func (c *cli) buildRecipe(r *recipe.Recipe, paths []string, o recipe.Options) (*recipe.Built, error) {
	paths, err := c.localSources(paths...)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		if r.Name == recipe.Plain {
			return &recipe.Built{Recipe: r.Ref(), Prompt: o.Prompt}, nil
		}
		return nil, usagef("recipe %s needs --image", r.Name)
	}
	// Opened one at a time: a request of many large images holds one of
	// them (with a recipe that takes each image as it is).
	var openErr error
	b, err := recipe.BuildEach(r, len(paths), func(i int) (recipe.Input, error) {
		s, skipped, err := openSeries(paths[i], "")
		if err != nil {
			openErr = err
			return recipe.Input{}, err
		}
		c.warnSkipped(paths[i], skipped)
		return recipe.Input{Path: paths[i], Series: s}, nil
	}, o)
	if openErr != nil {
		return nil, openErr
	}
	if err != nil {
		var le *dicomview.LimitError
		if errors.As(err, &le) || errors.Is(err, dicomview.ErrUnsupported) {
			return nil, err
		}
		return nil, usagef("%v", err)
	}
	return b, nil
}

func (c *cli) ask(args []string) error {
	f, fs, req, err := c.parseAsk(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := NewServices(ctx, c.cfg, "cli ask")
	if err != nil {
		return err
	}
	defer s.Close()
	if f.rerun != 0 {
		if err := s.fillRerun(ctx, f.rerun, &req, fs); err != nil {
			return err
		}
	}
	if req.Model == "" {
		if req.Model, err = s.DefaultModel(ctx); err != nil {
			return err
		}
	}
	if f.renderOnly {
		rd, err := s.Render(ctx, req)
		if err != nil {
			return err
		}
		return c.printRendered(req, rd, f.json)
	}
	if !s.Runtime().Managed() {
		if w := burnInWarning(s.Runtime().State().URL, req.Images); w != "" {
			fmt.Fprintln(c.stderr, w)
		}
	}
	var onChunk func(string)
	if !f.json {
		onChunk = func(t string) { io.WriteString(c.stdout, t) }
	}
	id, res, err := s.Ask(ctx, req, onChunk)
	if perr := c.printAnswer(req, id, res, err, f.json); perr != nil {
		return perr
	}
	if res.Status == core.StatusCancelled {
		return fmt.Errorf("run %d cancelled; the partial answer is saved in history", id)
	}
	return err
}

// printAnswer ends ask's output: the streamed answer's last newline and
// a summary line on stderr (when the run did not fail), or the JSON
// summary. err is the run's; the error returned is printing's.
func (c *cli) printAnswer(req core.Request, id int64, res core.Result, err error, jsonOut bool) error {
	if !jsonOut {
		if res.Output != "" && !strings.HasSuffix(res.Output, "\n") {
			fmt.Fprintln(c.stdout)
		}
		if err == nil {
			fmt.Fprintf(c.stderr, "run %d · %s · %d prompt tokens · %d tokens in %s · %s\n",
				id, res.Model, res.PromptEvalCount, res.EvalCount, res.TotalDuration.Round(time.Millisecond), core.DoneReasonText(res.DoneReason))
			if res.Truncated {
				fmt.Fprintf(c.stderr, "the answer was cut off at %d tokens (num_ctx %d): raise --num-predict or --num-ctx for a complete one\n", res.EvalCount, res.NumCtx)
			}
		}
		return nil
	}
	shas := make([]string, 0, len(req.Images))
	codecs := make([]string, 0, len(req.Images))
	for _, im := range req.Images {
		shas = append(shas, im.SHA256)
		codecs = append(codecs, im.CodecSHA256)
	}
	return json.NewEncoder(c.stdout).Encode(map[string]any{
		"run_id": id, "model": res.Model, "model_digest": res.ModelDigest,
		"runtime_version": res.RuntimeVersion, "image_sha256": shas, "image_codec_sha256": codecs,
		"prompt_eval_count": res.PromptEvalCount, "eval_count": res.EvalCount,
		"output": res.Output, "done_reason": res.DoneReason, "done_text": core.DoneReasonText(res.DoneReason), "status": res.Status,
		"chunks": res.Chunks, "total_duration_ms": res.TotalDuration.Milliseconds(),
		"first_token_ms": res.FirstToken.Milliseconds(), "error": res.Error,
		"truncated": res.Truncated, "thinking": res.Thinking, "num_ctx": res.NumCtx,
		"prompt_version": promptVersion(req),
		"recipe":         req.Recipe, "image_labels": imageLabels(req),
		"schema_hash": req.SchemaHash, "schema_valid": res.SchemaValid, "schema_error": res.SchemaError,
		"fields": res.Fields,
	})
}

func imageLabels(req core.Request) []string {
	out := make([]string, len(req.Images))
	for i, im := range req.Images {
		out[i] = im.Label
	}
	return out
}

// printRendered prints the prompt as the runtime rendered it: as text,
// each image tag followed by what it is; as JSON, the prompt with its tags
// and the images in the order the tags stand.
func (c *cli) printRendered(req core.Request, rd core.Rendered, jsonOut bool) error {
	if len(rd.Order) != len(req.Images) || rd.Images != len(req.Images) {
		return fmt.Errorf("render the prompt: the runtime placed %d of %d images (%d tags)", rd.Images, len(req.Images), len(rd.Order))
	}
	if jsonOut {
		type img struct {
			Tag    string `json:"tag"`
			Label  string `json:"label,omitempty"`
			SHA256 string `json:"sha256"`
			Source string `json:"source,omitempty"`
		}
		imgs := make([]img, 0, len(rd.Order))
		for _, n := range rd.Order {
			im := req.Images[n]
			imgs = append(imgs, img{Tag: fmt.Sprintf("[img-%d]", n), Label: im.Label, SHA256: im.SHA256, Source: im.Source})
		}
		return json.NewEncoder(c.stdout).Encode(map[string]any{
			"model": req.Model, "recipe": req.Recipe, "prompt": rd.Prompt, "images": imgs,
			"num_ctx": rd.NumCtx, "estimated_prompt_tokens": rd.PromptTokens,
		})
	}
	text := imgTagRE.ReplaceAllStringFunc(rd.Prompt, func(tag string) string {
		var n int
		fmt.Sscanf(tag, "[img-%d]", &n)
		im := req.Images[n]
		what := im.Source
		if im.Label != "" {
			what = im.Label + ", " + what
		}
		return fmt.Sprintf("%s⟨image: %s, sha256 %s…⟩", tag, what, im.SHA256[:12])
	})
	fmt.Fprintln(c.stdout, text)
	if req.Recipe.Name != "" {
		fmt.Fprintf(c.stderr, "recipe %s · %d images · num_ctx %d (about %d prompt tokens) · nothing was sent to the model\n",
			req.Recipe, len(req.Images), rd.NumCtx, rd.PromptTokens)
	}
	return nil
}

var imgTagRE = regexp.MustCompile(`\[img-\d+\]`)
