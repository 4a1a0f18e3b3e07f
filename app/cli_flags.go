package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/internal/core"
)

// UsageError is bad usage or bad input: the CLI exits with code 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usagef(format string, args ...any) error {
	return &UsageError{fmt.Errorf(format, args...)}
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// optional is an int or float64 flag stored through p, which stays nil
// until the flag is given: "not given" differs from 0.
type optional[T int | float64] struct{ p **T }

func (o optional[T]) String() string {
	if o.p == nil || *o.p == nil {
		return ""
	}
	return fmt.Sprint(**o.p)
}

func (o optional[T]) Set(s string) error {
	var v T
	if _, err := fmt.Sscan(s, &v); err != nil {
		if _, isInt := any(v).(int); isInt {
			return fmt.Errorf("not an integer: %q", s)
		}
		return fmt.Errorf("not a number: %q", s)
	}
	*o.p = &v
	return nil
}

// newFlags returns a flag set for a subcommand with the global flags on it,
// so they may come before or after the subcommand.
func newFlags(name string, cfg *Config) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "history database, runtime models and logs")
	fs.StringVar(&cfg.OllamaURL, "ollama-url", cfg.OllamaURL, "use this Ollama server instead of the managed one")
	fs.StringVar(&cfg.OllamaBin, "ollama-bin", cfg.OllamaBin, "the ollama binary for the managed runtime")
	fs.DurationVar(&cfg.KeepAlive, "keep-alive", cfg.KeepAlive, "how long the runtime keeps an idle model loaded (e.g. 10m; -1s: for ever)")
	fs.Var(optional[int]{&cfg.NumGPU}, "num-gpu", "layers each request puts on the GPU (-1 all, 0 CPU only; default: the runtime decides)")
	fs.BoolVar(&cfg.OllamaDebug, "ollama-debug", cfg.OllamaDebug, "run the managed runtime with OLLAMA_DEBUG=1 (its log then holds every prompt: patient information)")
	fs.IntVar(&cfg.NumParallel, "parallel", cfg.NumParallel, "requests the managed runtime serves at once per model (OLLAMA_NUM_PARALLEL)")
	return fs
}

// parse parses args allowing flags and positional arguments in any order,
// and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &UsageError{fmt.Errorf("usage of %s:\n%s", fs.Name(), flagUsage(fs))}
			}
			return nil, usagef("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return pos, nil
}

func flagUsage(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		fmt.Fprintf(&b, "  --%s\t%s\n", f.Name, f.Usage)
	})
	return b.String()
}

// optionFlags are the generation options' flags, shared by ask and batch.
type optionFlags struct {
	seed               *int
	temp               *float64
	numPredict, numCtx int
}

// register puts the flags on fs; numCtxUsage is --num-ctx's help.
func (f *optionFlags) register(fs *flag.FlagSet, numCtxUsage string) {
	fs.Var(optional[int]{&f.seed}, "seed", "random seed")
	fs.Var(optional[float64]{&f.temp}, "temperature", "sampling temperature")
	fs.IntVar(&f.numPredict, "num-predict", 0, "maximum tokens to generate")
	fs.IntVar(&f.numCtx, "num-ctx", 0, numCtxUsage)
}

// options are the generation options the flags give.
func (f *optionFlags) options() core.Options {
	return core.Options{Seed: f.seed, Temperature: f.temp, NumPredict: f.numPredict, NumCtx: f.numCtx}
}
