package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/inference"
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

// optionalFloat is a float flag that records whether it was set.
type optionalFloat struct{ v *float64 }

func (o *optionalFloat) String() string {
	if o.v == nil {
		return ""
	}
	return fmt.Sprint(*o.v)
}

func (o *optionalFloat) Set(s string) error {
	var f float64
	if _, err := fmt.Sscan(s, &f); err != nil {
		return fmt.Errorf("not a number: %q", s)
	}
	o.v = &f
	return nil
}

// optionalInt is an int flag that records whether it was set.
type optionalInt struct{ v *int }

func (o *optionalInt) String() string {
	if o.v == nil {
		return ""
	}
	return fmt.Sprint(*o.v)
}

func (o *optionalInt) Set(s string) error {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		return fmt.Errorf("not an integer: %q", s)
	}
	o.v = &n
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
	fs.Var(intPtrFlag{&cfg.NumGPU}, "num-gpu", "layers each request puts on the GPU (-1 all, 0 CPU only; default: the runtime decides)")
	fs.BoolVar(&cfg.OllamaDebug, "ollama-debug", cfg.OllamaDebug, "run the managed runtime with OLLAMA_DEBUG=1 (its log then holds every prompt: patient information)")
	fs.IntVar(&cfg.NumParallel, "parallel", cfg.NumParallel, "requests the managed runtime serves at once per model (OLLAMA_NUM_PARALLEL)")
	return fs
}

// intPtrFlag is an int flag stored through a pointer that stays nil until
// the flag is given.
type intPtrFlag struct{ p **int }

func (f intPtrFlag) String() string {
	if f.p == nil || *f.p == nil {
		return ""
	}
	return fmt.Sprint(**f.p)
}

func (f intPtrFlag) Set(s string) error {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		return fmt.Errorf("not an integer: %q", s)
	}
	*f.p = &n
	return nil
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
	seed               optionalInt
	temp               optionalFloat
	numPredict, numCtx int
}

// register puts the flags on fs; numCtxUsage is --num-ctx's help.
func (f *optionFlags) register(fs *flag.FlagSet, numCtxUsage string) {
	fs.Var(&f.seed, "seed", "random seed")
	fs.Var(&f.temp, "temperature", "sampling temperature")
	fs.IntVar(&f.numPredict, "num-predict", 0, "maximum tokens to generate")
	fs.IntVar(&f.numCtx, "num-ctx", 0, numCtxUsage)
}

// options are the generation options the flags give.
func (f *optionFlags) options() inference.Options {
	return inference.Options{Seed: f.seed.v, Temperature: f.temp.v, NumPredict: f.numPredict, NumCtx: f.numCtx}
}
