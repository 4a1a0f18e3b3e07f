package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
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
	wantArgs := 0
	if sub == "pull" || sub == "rm" {
		wantArgs = 1
	}
	if len(pos) != wantArgs {
		return usagef("models %s: want %d argument(s), got %d\n%s", sub, wantArgs, len(pos), modelsUsage)
	}
	if sub == "import" {
		if *name == "" || (*gguf == "") == (*safetensors == "") {
			return usagef("models import: give --name and one of --gguf FILE or --safetensors DIR\n%s", modelsUsage)
		}
	}
	switch sub {
	case "list", "pull", "import", "rm", "ps", "demo":
	default:
		return usagef("models: unknown subcommand %q\n%s", sub, modelsUsage)
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
		facts, err := s.ModelFacts(ctx)
		if err != nil {
			return err
		}
		if *jsonOut {
			return encodeLines(c.stdout, facts)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tDIGEST\tSIZE\tPARAMS\tQUANT\tCONTEXT\tCAPABILITIES\tNOTE")
		for _, f := range facts {
			note := ""
			if f.Demo {
				note = inference.DemoModelLabel
			}
			fmt.Fprintf(tw, "%s\t%.12s\t%s\t%s\t%s\t%d\t%s\t%s\n", f.Name, strings.TrimPrefix(f.Digest, "sha256:"), units.Bytes(f.Size),
				f.Parameters, f.Quantization, f.ContextLength, strings.Join(f.Capabilities, ","), note)
		}
		return tw.Flush()
	case "pull":
		p := &progressLine{w: c.stderr}
		err := s.Pull(ctx, pos[0], cliProgressInterval, p.show)
		p.end()
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "pulled %s\n", pos[0])
		return nil
	case "import":
		p := &progressLine{w: c.stderr}
		err = s.Import(ctx, inference.ImportSpec{Name: *name, GGUF: *gguf, Safetensors: *safetensors, Quantize: *quantize}, p.show)
		p.end()
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "imported %s\n", *name)
		return nil
	case "rm":
		if err := s.RemoveModel(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "removed %s\n", pos[0])
		return nil
	case "ps":
		loaded, err := s.Loaded(ctx)
		if err != nil {
			return err
		}
		if *jsonOut {
			return encodeLines(c.stdout, loaded)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSIZE\tPROCESSOR\tVRAM\tCONTEXT\tUNTIL")
		for _, l := range loaded {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", l.Name, units.Bytes(l.Size), l.Processor(), units.Bytes(l.SizeVRAM), l.NumCtx, l.ExpiresAt.Format(time.TimeOnly))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		// Where models run, from the managed server's log at start.
		if dev := inference.ComputeSummary(s.RuntimeState().Compute); dev != "" {
			fmt.Fprintf(c.stdout, "compute: %s\n", dev)
		}
		return nil
	default: // demo
		if err := s.InstallDemo(ctx); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "installed %s (%s)\n", inference.DemoModelName, inference.DemoModelLabel)
		return nil
	}
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

func (p *progressLine) show(pr inference.Progress) {
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
