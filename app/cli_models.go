package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// models runs `models list|demo`.
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
