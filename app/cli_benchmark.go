package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"github.com/medgemma-workbench/medgemma-workbench/batch/benchmark"
	"github.com/medgemma-workbench/medgemma-workbench/inference"
)

// This file is the benchmark command: the model card's rows listed, and
// one reproduced (services_benchmark.go does the work).

const benchmarkUsage = "usage: medgemma-workbench benchmark list [--json]\n" +
	"       medgemma-workbench benchmark run NAME --data PATH --model NAME [--limit N] [--out DIR] [--endpoint URL [--api-key KEY]]... [--endpoints FILE.yaml] [--json]"

func (c *cli) benchmark(args []string) error {
	if len(args) == 0 {
		return usagef("%s", benchmarkUsage)
	}
	switch args[0] {
	case "list":
		return c.benchmarkList(args[1:])
	case "run":
		return c.benchmarkRun(args[1:])
	}
	return usagef("benchmark: unknown subcommand %q\n%s", args[0], benchmarkUsage)
}

// benchmarkLine is one line of benchmark list --json.
type benchmarkLine struct {
	Name    string   `json:"name"`
	Title   string   `json:"title"`
	Format  string   `json:"format"`
	Split   string   `json:"split"`
	Recipe  string   `json:"recipe,omitempty"`
	Prompt  string   `json:"prompt"`
	Metric  string   `json:"metric"`
	Card4B  *float64 `json:"card_medgemma_4b"`
	Card15  *float64 `json:"card_medgemma_1_5"`
	Wording string   `json:"card_wording"`
	Note    string   `json:"card_note"`
	Get     string   `json:"get"`
}

func (c *cli) benchmarkList(args []string) error {
	fs := newFlags("benchmark list", &c.cfg)
	jsonOut := fs.Bool("json", false, "one JSON object per row")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("%s", benchmarkUsage)
	}
	rows, err := benchmark.Rows()
	if err != nil {
		return err
	}
	if *jsonOut {
		lines := make([]benchmarkLine, len(rows))
		for i, r := range rows {
			lines[i] = benchmarkLine{r.Name, r.Title, r.Dataset.Format, r.Dataset.Split, r.Recipe, r.Prompt.Name, string(r.Metric),
				r.Card.MedGemma4B, r.Card.MedGemma15, r.Card.Wording, r.Card.Note, r.Dataset.Get}
		}
		return encodeLines(c.stdout, lines)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tDATASET\tSPLIT\tMETRIC\tCARD (4B)\tCARD WORDING")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, r.Dataset.Format, orDash(r.Dataset.Split), r.Metric, r.Card.Value(), r.Card.Wording)
	}
	return tw.Flush()
}

func (c *cli) benchmarkRun(args []string) error {
	fs := newFlags("benchmark run", &c.cfg)
	var (
		spec    BenchmarkSpec
		jsonOut bool
		servers batchFlags // --endpoint, --endpoints and --api-key, read as batch reads them
	)
	fs.Var(&servers.endpoints, "endpoint", "an OpenAI-compatible API base URL, or an Ollama server as ollama+http://host:11434, instead of the managed runtime; repeat to share the runs among several")
	fs.StringVar(&servers.endpointsFile, "endpoints", "", "YAML file of endpoints to share the runs among (as batch --endpoints)")
	fs.StringVar(&servers.cmd.spec.APIKey, "api-key", "", "API key for one --endpoint (default $"+inference.EnvOpenAIKey+")")
	fs.StringVar(&spec.Data, "data", "", "the dataset, in the row's layout (benchmark list says which)")
	fs.StringVar(&spec.Model, "model", "", "the model to run (required)")
	fs.IntVar(&spec.Limit, "limit", 0, "run only the first N items")
	fs.StringVar(&spec.Dir, "out", "", "folder for the manifest, prompts, results and report (default DATA_DIR/benchmarks/NAME); run again to resume")
	fs.BoolVar(&jsonOut, "json", false, "print the result as one JSON object")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || spec.Data == "" || spec.Model == "" || spec.Limit < 0 {
		return usagef("%s", benchmarkUsage)
	}
	spec.Name = pos[0]
	servers.models = stringList{spec.Model}
	if err := servers.checkServers(); err != nil {
		return err
	}
	servers.apiKeys()
	o := &servers.cmd.spec
	if err := c.cfg.resolve(); err != nil {
		return err
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	s, err := NewServices(ctx, c.batchConfig(*o), "cli benchmark")
	if err != nil {
		return err
	}
	defer s.Close()
	show := &batchReporter{w: c.stderr, out: spec.Dir}
	res, err := s.runBenchmark(ctx, spec, *o, nil, show.event)
	show.done()
	if err != nil {
		if isBenchmarkInput(err) {
			return &UsageError{err}
		}
		return err
	}
	if jsonOut {
		return json.NewEncoder(c.stdout).Encode(res)
	}
	fmt.Fprintln(c.stdout, res.Line())
	fmt.Fprintf(c.stdout, "provenance: model %s (digest %s), runtime %s, recipe %s, prompt %s version %s\n",
		spec.Model, res.ModelDigest, res.RuntimeVersion, orDash(res.Recipe), res.Prompt, res.PromptVer)
	fmt.Fprintf(c.stdout, "card: %s\n", res.CardNote)
	fmt.Fprintf(c.stdout, "report: %s\n", res.Report)
	return nil
}
