package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
	"github.com/medgemma-workbench/medgemma-workbench/internal/redact"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
	"github.com/medgemma-workbench/medgemma-workbench/internal/units"
)

const modelsUsage = `usage: medgemma-workbench models list [--json]
       medgemma-workbench models pull NAME
       medgemma-workbench models import --name NAME (--gguf FILE | --safetensors DIR) [--quantize q8_0|q4_K_M]
       medgemma-workbench models rm NAME
       medgemma-workbench models ps [--json]
       medgemma-workbench models demo`

// cliProgressInterval is how often a terminal progress line is redrawn.
const cliProgressInterval = 200 * time.Millisecond

// models runs `models list|pull|import|rm|ps|demo`.
func (c *cli) models(args []string) error {
	if len(args) == 0 {
		return usagef("%s", modelsUsage)
	}
	sub, args := args[0], args[1:]
	fs := newFlags("models "+sub, &c.cfg)
	jsonOut := fs.Bool("json", false, "print JSON Lines")
	name := fs.String("name", "", "import: the model name to create")
	gguf := fs.String("gguf", "", "import: a GGUF file")
	safetensors := fs.String("safetensors", "", "import: a Hugging Face folder (config.json, *.safetensors, tokenizer files)")
	quantize := fs.String("quantize", "", "import: quantize the text weights ("+strings.Join(inference.Quantizations, ", ")+")")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	spec := core.ImportSpec{Name: *name, GGUF: *gguf, Safetensors: *safetensors, Quantize: *quantize}
	if err := checkModelsArgs(sub, pos, spec); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := NewServices(ctx, c.cfg, "cli models "+sub)
	if err != nil {
		return err
	}
	defer s.Close()
	switch sub {
	case "list":
		return c.modelsList(ctx, s, *jsonOut)
	case "pull":
		p := &progressLine{w: c.stderr}
		err := s.Pull(ctx, pos[0], cliProgressInterval, p.show)
		return c.modelsDone(p, err, "pulled %s\n", pos[0])
	case "import":
		p := &progressLine{w: c.stderr}
		err := s.Import(ctx, spec, p.show)
		return c.modelsDone(p, err, "imported %s\n", spec.Name)
	case "rm":
		return c.modelsDone(nil, s.RemoveModel(ctx, pos[0]), "removed %s\n", pos[0])
	case "ps":
		return c.modelsPS(ctx, s, *jsonOut)
	default: // demo
		return c.modelsDone(nil, s.InstallDemo(ctx), "installed %s (%s)\n", core.DemoModelName, core.DemoModelLabel)
	}
}

// checkModelsArgs refuses a models subcommand that is unknown or given the
// wrong arguments, before anything starts.
func checkModelsArgs(sub string, pos []string, spec core.ImportSpec) error {
	wantArgs := 0
	if sub == "pull" || sub == "rm" {
		wantArgs = 1
	}
	if len(pos) != wantArgs {
		return usagef("models %s: want %d argument(s), got %d\n%s", sub, wantArgs, len(pos), modelsUsage)
	}
	if sub == "import" && (spec.Name == "" || (spec.GGUF == "") == (spec.Safetensors == "")) {
		return usagef("models import: give --name and one of --gguf FILE or --safetensors DIR\n%s", modelsUsage)
	}
	switch sub {
	case "list", "pull", "import", "rm", "ps", "demo":
		return nil
	}
	return usagef("models: unknown subcommand %q\n%s", sub, modelsUsage)
}

// modelsDone ends a models subcommand that changes the runtime's models:
// its progress line, if any, then err or the line saying what was done.
func (c *cli) modelsDone(p *progressLine, err error, format string, args ...any) error {
	if p != nil {
		p.end()
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, format, args...)
	return nil
}

// modelsList prints the installed models and their facts.
func (c *cli) modelsList(ctx context.Context, s *Services, jsonOut bool) error {
	facts, err := s.ModelFacts(ctx)
	if err != nil {
		return err
	}
	return printList(c.stdout, jsonOut, facts, "NAME\tDIGEST\tSIZE\tPARAMS\tQUANT\tCONTEXT\tCAPABILITIES\tNOTE", func(f core.Facts) string {
		note := ""
		if f.Demo {
			note = core.DemoModelLabel
		}
		return fmt.Sprintf("%s\t%.12s\t%s\t%s\t%s\t%d\t%s\t%s", f.Name, strings.TrimPrefix(f.Digest, "sha256:"), units.Bytes(f.Size),
			f.Parameters, f.Quantization, f.ContextLength, strings.Join(f.Capabilities, ","), note)
	})
}

// modelsPS prints the models in memory, where they run, and the devices
// the managed server found.
func (c *cli) modelsPS(ctx context.Context, s *Services, jsonOut bool) error {
	loaded, err := s.Loaded(ctx)
	if err != nil {
		return err
	}
	err = printList(c.stdout, jsonOut, loaded, "NAME\tSIZE\tPROCESSOR\tVRAM\tCONTEXT\tUNTIL", func(l core.Loaded) string {
		return fmt.Sprintf("%s\t%s\t%s\t%s\t%d\t%s", l.Name, units.Bytes(l.Size), l.Processor(), units.Bytes(l.SizeVRAM), l.NumCtx, l.ExpiresAt.Format(time.TimeOnly))
	})
	if err != nil || jsonOut {
		return err
	}
	// Where models run, from the managed server's log at start.
	if dev := inference.ComputeSummary(s.RuntimeState().Compute); dev != "" {
		fmt.Fprintf(c.stdout, "compute: %s\n", dev)
	}
	return nil
}

// printList prints items as JSON Lines with jsonOut, else as a table:
// header, then one row (tab-separated cells) an item.
func printList[T any](w io.Writer, jsonOut bool, items []T, header string, row func(T) string) error {
	if jsonOut {
		return encodeLines(w, items)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, it := range items {
		// Rows hold what a server said (names, descriptions): never
		// anything that would drive the terminal.
		fmt.Fprintln(tw, redact.Controls(strings.ReplaceAll(row(it), "\n", " ")))
	}
	return tw.Flush()
}

func encodeLines[T any](w io.Writer, items []T) error {
	enc := json.NewEncoder(w)
	for _, it := range items {
		if err := enc.Encode(it); err != nil {
			return err
		}
	}
	return nil
}

// progressLine redraws one progress line on a terminal's stderr.
type progressLine struct {
	w     io.Writer
	drawn bool
}

func (p *progressLine) show(pr core.Progress) {
	line := pr.Status
	if pr.Total > 0 {
		line = fmt.Sprintf("%s  %5.1f%%  %s / %s", pr.Status, pr.Percent, units.Bytes(pr.Completed), units.Bytes(pr.Total))
		if pr.BytesPerSec > 0 {
			line += fmt.Sprintf("  %s/s", units.Bytes(int64(pr.BytesPerSec)))
		}
		if pr.ETA > 0 {
			line += "  ETA " + pr.ETA.Round(time.Second).String()
		}
	}
	fmt.Fprintf(p.w, "\r\033[K%s", ellipsis(line, 100))
	p.drawn = true
}

func (p *progressLine) end() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
