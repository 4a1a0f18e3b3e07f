package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/medgemma-workbench/medgemma-workbench/batch"
	"github.com/medgemma-workbench/medgemma-workbench/batch/dataset"
)

// This file is the dataset command: a public benchmark's published
// layout into a batch manifest (batch/dataset does the work).

var datasetUsage = "usage: medgemma-workbench dataset import --format " + strings.Join(dataset.Names(), "|") +
	" PATH --out FILE.jsonl [--split S] [--lang en|zh|all] [--limit N] [--json]"

func (c *cli) dataset(args []string) error {
	if len(args) == 0 || args[0] != "import" {
		return usagef("%s", datasetUsage)
	}
	fs := newFlags("dataset import", &c.cfg)
	var (
		format, out string
		opt         dataset.Options
		jsonOut     bool
	)
	fs.StringVar(&format, "format", "", "the dataset's published layout:"+dataset.Help())
	fs.StringVar(&out, "out", "", "the manifest to write, JSON Lines (image paths relative to it)")
	fs.StringVar(&opt.Split, "split", "", "the split to keep (VQA-RAD: train or test; SLAKE: train, validate or test, default test)")
	fs.StringVar(&opt.Lang, "lang", "", "SLAKE's question language: en (default), zh or all")
	fs.IntVar(&opt.Limit, "limit", 0, "keep only the first N items")
	fs.BoolVar(&jsonOut, "json", false, "print what was written as one JSON object")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 || out == "" || format == "" {
		return usagef("%s", datasetUsage)
	}
	f, err := dataset.Parse(format)
	if err != nil {
		return usagef("--format: %v", err)
	}
	res, err := dataset.Import(f, pos[0], out, opt)
	var ie *batch.InputError
	if errors.As(err, &ie) {
		return &UsageError{err}
	}
	if err != nil {
		return err
	}
	if jsonOut {
		return json.NewEncoder(c.stdout).Encode(res)
	}
	fmt.Fprintf(c.stdout, "dataset: %d %s items (%d images) written to %s\n", res.Items, res.Name, res.Images, res.Out)
	return nil
}
