package app

import (
	"context"
	"fmt"
)

const reportUsage = "usage: medgemma-workbench report --run RUN_ID [--run RUN_ID]... --format md|html|pdf --out FILE [--include-phi]"

// report runs `report`: a draft report of one run, or of several side by
// side, de-identified unless --include-phi.
func (c *cli) report(args []string) error {
	fs := newFlags("report", &c.cfg)
	var runs stringList
	fs.Var(&runs, "run", "a run to report; repeat to compare runs side by side")
	format := fs.String("format", "", "md, html or pdf")
	out := fs.String("out", "", "the report file to write")
	phi := fs.Bool("include-phi", false, "include the patient's name, IDs, birth date, institution, real dates and file paths")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || len(runs) == 0 || *out == "" {
		return usagef("%s", reportUsage)
	}
	switch *format {
	case "md", "html", "pdf":
	default:
		return usagef("report: unknown format %q: use md, html or pdf\n%s", *format, reportUsage)
	}
	var ids []int64
	for _, r := range runs {
		id, err := runID(r)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	h, err := c.openHistory()
	if err != nil {
		return err
	}
	defer h.Close()
	if err := writeReport(context.Background(), h, ids, *format, *out, *phi); err != nil {
		return notFound(err)
	}
	what := "de-identified"
	if *phi {
		what = "WITH PATIENT DATA"
	}
	fmt.Fprintf(c.stderr, "wrote %s (%s, %d run(s))\n", *out, what, len(ids))
	return nil
}
